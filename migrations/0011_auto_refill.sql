-- Automatic refills (src/refills): one rule per account, and the purchases it makes.
--
-- An automatic purchase is an ordinary purchase with source 'auto_refill'. While it awaits
-- payment it is "in flight", and the unique partial index below lets an account have at most one
-- in flight: however many processes see the balance cross the limit at once, the database lets
-- one insert through and refuses the others.
alter table purchases add column source text not null default 'api'
  check (source in ('portal', 'api', 'auto_refill'));
create unique index purchases_auto_refill_in_flight on purchases (account_id)
  where source = 'auto_refill' and status = 'awaiting_payment';
-- The rolling 30-day cap counts an account's automatic purchases by creation time.
create index purchases_auto_refill on purchases (account_id, created_at) where source = 'auto_refill';

create table auto_refill_rules (
  account_id text primary key references accounts (id),
  enabled boolean not null,
  -- At or below this available credit (micro-credits) a refill starts.
  threshold_micros bigint not null check (threshold_micros >= 0),
  -- Whole credits bought by each refill.
  recharge_credits bigint not null check (recharge_credits > 0),
  max_per_30_days integer not null check (max_per_30_days between 1 and 31),
  -- The saved card (Stripe PaymentMethod id) charged off-session.
  card_id text not null,
  -- Set by a failure that needs the customer; cleared when the rule is saved again (or the
  -- payment that waits for authentication is completed or expires). The cap is not stored here:
  -- it is counted from the purchases.
  paused_reason text check (paused_reason in
    ('card_declined', 'authentication_required', 'card_removed', 'card_expired')),
  -- Declines in a row; the next attempt waits until next_retry_at.
  consecutive_failures integer not null default 0,
  next_retry_at timestamptz,
  -- When the customer was last told the cap was reached (once per window).
  cap_notified_at timestamptz,
  -- The purchase whose "needs authentication" e-mail was written (once per purchase).
  auth_notified_purchase_id text,
  last_attempt_at timestamptz,
  last_outcome text check (last_outcome in
    ('started', 'succeeded', 'declined', 'authentication_required', 'card_removed', 'card_expired', 'failed')),
  last_purchase_id text,
  last_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- The sweep's candidates.
create index auto_refill_rules_enabled on auto_refill_rules (account_id) where enabled;
