-- The low-balance alert: the customer's choice on the account (on by default; a limit in
-- micro-credits, or null for the default rule: 10% of the last credited purchase's credits),
-- and the alert's state in its own row. `armed` is what makes the e-mail go once per crossing
-- whatever the number of processes: the one statement that turns it off (armed and at or below
-- the limit) sends the e-mail; it is turned on again only when the balance is above the limit.
-- An account without a row is armed.
alter table accounts add column low_balance_alert_enabled boolean not null default true;
alter table accounts add column low_balance_alert_micros bigint check (low_balance_alert_micros >= 0);

create table balance_alerts (
  account_id text primary key references accounts (id) on delete cascade,
  armed boolean not null default true,
  -- The last alert: when, the available credit and the limit it was sent for.
  alerted_at timestamptz,
  alerted_available_micros bigint,
  alerted_limit_micros bigint,
  rearmed_at timestamptz
);

-- The default rule reads an account's last credited purchase.
create index purchases_last_credited on purchases (account_id, credited_at desc) where status = 'credited';
