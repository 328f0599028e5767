-- VAT decided right per purchase: a consumer in another EU member state pays that state's rate
-- (treatment eu_consumer, One-Stop Shop), the evidence of where the customer lives is kept with
-- the purchase, and VAT ids may be confirmed by VIES, each consultation kept with its reference.

alter table purchases drop constraint if exists purchases_tax_treatment_check;
alter table purchases add constraint purchases_tax_treatment_check
  check (tax_treatment in ('domestic', 'eu_consumer', 'reverse_charge', 'outside_scope'));

-- Every question put to VIES and its answer. `request_identifier` is the consultation number
-- VIES gives (when the issuer's own VAT id is sent as the requester): the proof, for a tax
-- office, that this id was checked on this day. `unavailable`: no answer (down, timeout, a
-- member state's system not replying); `error` says what happened.
create table vies_checks (
  id text primary key,
  vat_id text not null,
  outcome text not null check (outcome in ('valid', 'invalid', 'unavailable')),
  request_identifier text,
  -- What VIES returned about the trader, as it returned it (often "---").
  trader_name text,
  trader_address text,
  error text,
  checked_at timestamptz not null
);
create index vies_checks_vat_id on vies_checks (vat_id, checked_at desc);

alter table purchases
  -- The VAT territory whose rate was charged (domestic: the issuer's; eu_consumer: the customer's).
  add column vat_country text,
  -- The evidence of where the customer lives: the billing address's country and the country of
  -- the verified mobile number (libphonenumber). Disagreeing, they are shown to the operator.
  add column vat_billing_country text,
  add column vat_mobile_country text,
  add column vat_evidence_disagrees boolean not null default false,
  -- Why a VAT id that was given did not make a reverse charge (country_mismatch, invalid, vies_invalid).
  add column vat_id_ignored text,
  -- The VIES consultation the tax rests on, and its outcome; vies_recheck_at is set while the
  -- outcome is `unavailable` (the purchase proceeded on the form check): when the worker asks again.
  add column vies_check_id text references vies_checks (id),
  add column vies_status text check (vies_status in ('valid', 'invalid', 'unavailable')),
  add column vies_request_identifier text,
  add column vies_checked_at timestamptz,
  add column vies_recheck_at timestamptz,
  add column vies_recheck_attempts integer not null default 0,
  -- A re-check after the purchase found the VAT id invalid: the reverse charge stands on the
  -- purchase (the customer paid that total) and the operator decides (credit note, new invoice).
  add column vies_invalid_after_purchase boolean not null default false;

-- Purchases made before this migration: their billing country is known, their mobile's is not.
update purchases set vat_billing_country = billing -> 'address' ->> 'country' where vat_billing_country is null;

-- The operator's list of disagreements and of VIES results to look at, newest first.
create index purchases_vat_disagrees on purchases (created_at desc, id desc) where vat_evidence_disagrees;
create index purchases_vies_attention on purchases (created_at desc, id desc)
  where vies_status is not null and vies_status <> 'valid';
-- The re-check job's queue.
create index purchases_vies_recheck on purchases (vies_recheck_at) where vies_recheck_at is not null;
