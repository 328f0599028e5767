-- Idempotency-Key: the first answer to a POST, remembered per caller (an account, or an
-- operator) and key, so that a retried request (a purchase, a message, a campaign, an
-- adjustment, a refund) is answered again without doing anything twice.
--
-- The row is inserted, in its own transaction, BEFORE the work starts: a concurrent duplicate
-- meets the primary key and waits for the first answer instead of running too. A process that
-- dies mid-request leaves a 'running' row whose lease (locked_until) runs out; the next retry
-- takes it over. Rows are kept at least 24 hours; a job deletes older ones.
create table idempotency_keys (
  scope text not null,
  key text not null,
  -- SHA-256 of method, route, parameters and body: the same key with another request is refused.
  request_hash text not null,
  status text not null check (status in ('running', 'done')),
  response_status integer,
  response_body text,
  created_at timestamptz not null,
  locked_until timestamptz not null,
  completed_at timestamptz,
  primary key (scope, key),
  constraint idempotency_keys_answer check ((status = 'done') = (response_status is not null))
);
create index idempotency_keys_created on idempotency_keys (created_at);
