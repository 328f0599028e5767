-- Messaging: campaigns, messages with their status history, and the carriers' delivery
-- receipts. Credits are micro-credits in BIGINT, as in the ledger. A message's hold is the
-- ledger transfer `hold:<message id>`; it is posted (`post:…`) when the carrier takes the
-- message, voided (`void:…`) when it is canceled or fails before leaving, and an undelivered
-- message may be refunded (`refund:…`): the ids make every charge happen at most once.

create table campaigns (
  id text primary key,
  account_id text not null references accounts (id),
  name text not null,
  text text not null,
  sender text,
  status text not null check (status in ('draft', 'scheduled', 'running', 'completed', 'canceled')),
  schedule_at timestamptz,
  -- What the import found: messages created, and rows refused (bad number, unknown destination).
  recipients integer not null default 0 check (recipients >= 0),
  invalid integer not null default 0 check (invalid >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index campaigns_account_list on campaigns (account_id, created_at desc, id desc);

create table messages (
  id text primary key,
  account_id text not null references accounts (id),
  campaign_id text references campaigns (id),
  -- E.164, and the country whose price applied.
  to_number text not null,
  country text not null,
  sender text,
  text text not null,
  encoding text not null check (encoding in ('GSM-7', 'UCS-2')),
  segments integer not null check (segments between 1 and 255),
  -- The price used, stored so a later price list change never re-prices a message.
  price_per_segment bigint not null check (price_per_segment > 0),
  price_prefix text,
  credits bigint not null,
  status text not null check (status in
    ('scheduled', 'queued', 'waiting_credit', 'sending', 'sent', 'delivered', 'failed', 'canceled')),
  -- The ledger hold reserving `credits`; absent while the message waits for credit.
  hold_id text,
  -- The carrier the message was (or is being) handed to, and its id for it.
  carrier text,
  carrier_message_id text,
  attempts integer not null default 0 check (attempts >= 0),
  -- When the dispatcher may take it (scheduled and queued), and until when a dispatcher that
  -- took it owns it (sending): past that, the worker reconciles it with the carrier.
  next_attempt_at timestamptz,
  lease_until timestamptz,
  schedule_at timestamptz,
  reference text check (char_length(reference) <= 100),
  error text,
  refunded_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint messages_credits check (credits = segments * price_per_segment),
  -- Reserved exactly when it should be: waiting messages hold nothing, all others did.
  constraint messages_hold check (status = 'canceled' or (status = 'waiting_credit') = (hold_id is null)),
  constraint messages_due_time check (status not in ('scheduled', 'queued') or next_attempt_at is not null),
  constraint messages_lease check (status <> 'sending' or lease_until is not null)
);
-- Listing, newest first, per account and per campaign.
create index messages_account_list on messages (account_id, created_at desc, id desc);
create index messages_campaign_list on messages (campaign_id, created_at desc, id desc)
  where campaign_id is not null;
-- The dispatcher's claim: due messages, oldest due first.
create index messages_due on messages (next_attempt_at) where status in ('scheduled', 'queued');
-- Reconciliation: messages whose dispatcher stopped owning them.
create index messages_leases on messages (lease_until) where status = 'sending';
-- The outbox (everything not yet handed to a carrier), by account and campaign.
create index messages_outbox on messages (account_id, campaign_id)
  where status in ('scheduled', 'queued', 'waiting_credit');
-- What waits for credit, oldest first, per account.
create index messages_waiting on messages (account_id, created_at, id) where status = 'waiting_credit';
-- Receipts from carriers that name only their own id.
create index messages_carrier_ref on messages (carrier, carrier_message_id) where carrier_message_id is not null;

-- Every status a message took, with its time. Written in the transaction that changed the
-- status; no foreign key, so the hot path's batches insert without per-row checks.
create table message_events (
  seq bigint generated always as identity primary key,
  message_id text not null,
  status text not null,
  at timestamptz not null,
  detail text
);
create index message_events_message on message_events (message_id, seq);

-- Delivery receipts as they arrive, applied to their message once it has left `sending`
-- (a receipt can overtake the dispatcher's own record of the hand-off).
create table message_receipts (
  seq bigint generated always as identity primary key,
  message_id text not null,
  carrier text not null,
  carrier_message_id text not null,
  status text not null check (status in ('delivered', 'failed')),
  reason text,
  at timestamptz not null,
  received_at timestamptz not null,
  applied_at timestamptz
);
create index message_receipts_unapplied on message_receipts (seq) where applied_at is null;

-- The simulator answers "do you have this message?" for reconciliation.
create index simulator_messages_message on simulator_messages (message_id);
