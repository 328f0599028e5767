-- A started campaign reserves its credit in large chunks: one ledger hold per run of up to
-- 10,000 staged rows (`hold:chunk:<campaign>:<first row>`), so a million-message campaign is
-- reserved with a hundred holds instead of a million. A reserved chunk's rows stay staged in
-- campaign_rows until the dispatcher runs short of due messages; it then feeds the chunk in
-- one transaction: the chunk's hold is voided, each row becomes a queued (or scheduled)
-- message with a hold of its own for exactly its price, and the two sums are equal, so the
-- account's available credit never moves. Remove outbox voids a reserved chunk's hold and
-- drops its rows; they are counted as canceled from here.
create table campaign_chunks (
  campaign_id text not null,
  first_row integer not null,
  last_row integer not null,
  account_id text not null,
  rows integer not null check (rows > 0),
  credits bigint not null check (credits > 0),
  status text not null check (status in ('reserved', 'fed', 'canceled')),
  hold_id text not null,
  -- The campaign's start: the messages fed from the chunk are created then.
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (campaign_id, first_row),
  check (first_row <= last_row)
);
-- The feeder: reserved chunks, oldest campaign first, in row order.
create index campaign_chunks_reserved on campaign_chunks (created_at, campaign_id, first_row)
  where status = 'reserved';
-- Remove outbox and the outbox summary: an account's reserved chunks.
create index campaign_chunks_account on campaign_chunks (account_id) where status = 'reserved';
