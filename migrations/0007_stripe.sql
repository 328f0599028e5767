-- Card payments through Stripe (src/purchases/providers/stripe).
--
-- A Stripe Customer per account, created once (idempotency key `customer:<account id>`); its
-- saved cards live at Stripe and are read from there, never copied here.
create table stripe_customers (
  account_id text primary key references accounts (id),
  customer_id text not null unique,
  created_at timestamptz not null
);

-- Every webhook event that passed signature verification, stored by Stripe's event id. A
-- duplicate delivery meets the primary key and is not processed again. Processing is claimed
-- with a lease (locked_until), so concurrent deliveries of one event process it once; a
-- processing that failed clears the lease and keeps the error, and Stripe's retry (or the
-- worker) processes it again. Processing is a signal only: the object is re-read from Stripe.
create table stripe_events (
  id text primary key,
  type text not null,
  -- The id of data.object (pi_…, cs_…, re_…), for finding an object's events.
  object_id text,
  livemode boolean not null,
  -- Stripe's `created` of the event.
  created_at timestamptz not null,
  received_at timestamptz not null,
  payload jsonb not null,
  attempts integer not null default 0,
  locked_until timestamptz,
  processed_at timestamptz,
  last_error text
);
create index stripe_events_unprocessed on stripe_events (received_at) where processed_at is null;
create index stripe_events_object on stripe_events (object_id, created_at);

-- When the worker next re-reads a card purchase still awaiting payment (converging without
-- webhooks), backing off after each check. A row is claimed with an upsert, so several
-- workers never check the same purchase at the same time.
create table stripe_payment_checks (
  purchase_id text primary key references purchases (id),
  checks integer not null,
  next_check_at timestamptz not null
);

-- The worker's candidates: card purchases still awaiting payment.
create index purchases_card_open on purchases (created_at) where status = 'awaiting_payment' and payment_method = 'card';
