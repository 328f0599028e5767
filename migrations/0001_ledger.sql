-- The credit ledger: accounts with four running totals, and immutable transfers.
-- Amounts are micro-credits (1 credit = 1,000,000) in BIGINT.

create table ledger_accounts (
  id text primary key,
  kind text not null check (kind in ('customer', 'system')),
  debits_pending bigint not null default 0,
  debits_posted bigint not null default 0,
  credits_pending bigint not null default 0,
  credits_posted bigint not null default 0,
  created_at timestamptz not null default now(),
  constraint ledger_totals_not_negative
    check (debits_pending >= 0 and debits_posted >= 0 and credits_pending >= 0 and credits_posted >= 0),
  -- The safety net under every code path: a bug can cause a rejection, never an overdraft.
  constraint ledger_no_overdraft
    check (kind <> 'customer' or debits_pending + debits_posted <= credits_posted)
);

-- System accounts are sharded: the hottest rows in the ledger (every message credits
-- consumption) are spread over eight rows, picked by the customer account's hash.
insert into ledger_accounts (id, kind)
select 'sys_' || code || '_' || lpad(shard::text, 2, '0'), 'system'
from unnest(array['sales', 'consumption', 'grants', 'adjustments']) as code,
     generate_series(0, 7) as shard;

create table ledger_transfers (
  seq bigint generated always as identity primary key,
  -- Chosen by the client: submitting the same id again returns the first result.
  id text not null,
  -- posted: moves credits at once; pending: a hold; post / void / expire: ends a hold.
  kind text not null check (kind in ('posted', 'pending', 'post', 'void', 'expire')),
  -- No foreign keys here, on purpose: the engine locks both accounts (so they exist) in the
  -- same transaction before it inserts, and accounts cannot be deleted (trigger below). A
  -- per-row foreign-key check would cost the hot path about a third of its throughput.
  debit_account_id text not null,
  credit_account_id text not null,
  amount bigint not null,
  pending_id text,
  code text not null,
  reference text,
  description text,
  timeout_at timestamptz,
  -- The debit and credit accounts' balance (credits_posted - debits_posted) and available
  -- (balance - debits_pending) right after this transfer: the history needs no replay.
  debit_balance_after bigint not null,
  debit_available_after bigint not null,
  credit_balance_after bigint not null,
  credit_available_after bigint not null,
  created_at timestamptz not null default now(),
  constraint ledger_transfers_id_key unique (id),
  constraint ledger_transfers_distinct_accounts check (debit_account_id <> credit_account_id),
  constraint ledger_transfers_pending_ref check ((kind in ('post', 'void', 'expire')) = (pending_id is not null)),
  constraint ledger_transfers_amount check (amount > 0 or (kind = 'post' and amount = 0)),
  constraint ledger_transfers_timeout check (timeout_at is null or kind = 'pending')
);

-- A hold ends once: posted, voided or expired, never two of these.
create unique index ledger_transfers_resolves_once on ledger_transfers (pending_id) where pending_id is not null;
-- Histories are read for customer accounts only, so the system side (every message credits
-- consumption) is left out of these indexes: one index write less per message.
create index ledger_transfers_debit_history on ledger_transfers (debit_account_id, seq)
  where debit_account_id not like 'sys\_%';
create index ledger_transfers_credit_history on ledger_transfers (credit_account_id, seq)
  where credit_account_id not like 'sys\_%';
create index ledger_transfers_hold_timeouts on ledger_transfers (timeout_at) where kind = 'pending' and timeout_at is not null;

-- Transfers are facts: mistakes are corrected by new transfers, never by editing old ones.
create function ledger_transfers_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'ledger transfers are immutable (% refused)', tg_op using errcode = 'restrict_violation';
end
$$;

create trigger ledger_transfers_no_update before update or delete on ledger_transfers
  for each row execute function ledger_transfers_immutable();
create trigger ledger_transfers_no_truncate before truncate on ledger_transfers
  for each statement execute function ledger_transfers_immutable();

create function ledger_accounts_undeletable() returns trigger language plpgsql as $$
begin
  raise exception 'ledger accounts cannot be deleted' using errcode = 'restrict_violation';
end
$$;

create trigger ledger_accounts_no_delete before delete on ledger_accounts
  for each row execute function ledger_accounts_undeletable();
create trigger ledger_accounts_no_truncate before truncate on ledger_accounts
  for each statement execute function ledger_accounts_undeletable();
