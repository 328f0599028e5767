-- Campaign imports and customer webhooks.
--
-- An upload is read as a stream and its rows, already checked and priced, are staged in
-- campaign_rows in chunks as they arrive; nothing there is visible to the outbox, so a file
-- refused half-way (binary, over the limit) is simply deleted and nothing was reserved. When
-- the campaign starts (at once, or POST /campaigns/{id}/start for a draft) its staged rows
-- become messages in chunks, oldest first, each chunk reserving what the credit allows.

create table campaign_rows (
  campaign_id text not null,
  -- The row as a spreadsheet numbers it (the header is row 1), or the recipient's position in
  -- a JSON list (from 1): the order in which the rows are reserved.
  row_no integer not null,
  to_number text not null,
  country text not null,
  -- Null: the campaign's own text (no placeholders).
  text text,
  encoding text not null check (encoding in ('GSM-7', 'UCS-2')),
  segments integer not null check (segments between 1 and 255),
  price_per_segment bigint not null check (price_per_segment > 0),
  price_prefix text,
  credits bigint not null,
  staged_at timestamptz not null,
  primary key (campaign_id, row_no)
);

-- Rows refused by the import (bad number, unpriced destination, a text too long once its
-- placeholders are filled in), all kept for GET /campaigns/{id}/invalid.
create table campaign_invalid_rows (
  campaign_id text not null,
  row_no integer not null,
  to_value text not null,
  reason text not null,
  staged_at timestamptz not null,
  primary key (campaign_id, row_no)
);

-- What an import found and what the campaign costs, written when the campaign is created.
create table campaign_estimates (
  campaign_id text primary key references campaigns (id),
  credits bigint not null check (credits >= 0),
  segments bigint not null check (segments >= 0),
  duplicates integer not null default 0 check (duplicates >= 0),
  -- [{country, recipients, credits (micro-credits as a decimal string)}]
  by_country jsonb not null,
  -- 'csv' or 'json'
  source text not null,
  started_at timestamptz
);

-- One webhook URL per account for message status changes, signed with the account's secret.
create table message_webhooks (
  account_id text primary key references accounts (id),
  url text not null,
  secret text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Deliveries of message status events to the account's webhook, enqueued by recordEvents in
-- the transaction that changed the status (src/messaging/webhooks/enqueue.ts) and sent by the
-- worker, retried with back-off until delivered or out of attempts.
create table webhook_deliveries (
  id text primary key,
  account_id text not null references accounts (id),
  message_id text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  -- The JSON body as signed and sent (the same bytes on every attempt).
  payload text not null,
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  -- A worker that took the delivery owns it until then.
  lease_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null,
  delivered_at timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_account on webhook_deliveries (account_id, created_at desc, id desc);
