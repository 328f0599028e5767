-- A campaign created with an Idempotency-Key keeps it. When the process that created it dies
-- before the key's answer is stored, the retry that takes the key over finds the campaign
-- instead of creating a second one (a message's id is derived from its key for the same reason).
alter table campaigns add column idempotency_key text;

create unique index campaigns_idempotency_key on campaigns (account_id, idempotency_key)
  where idempotency_key is not null;
