-- SMPP carriers that take Latin-1 (data_coding 3): a message measured and charged by that
-- alphabet is stored as such, and a long message cut short (some parts accepted by the SMSC,
-- the rest refused for now) keeps what its carrier reported, so the next attempt sends only
-- the missing parts under the same concatenation reference, whichever worker makes it.
alter table messages drop constraint messages_encoding_check;
alter table messages add constraint messages_encoding_check
  check (encoding in ('GSM-7', 'UCS-2', 'Latin-1'));
alter table campaign_rows drop constraint campaign_rows_encoding_check;
alter table campaign_rows add constraint campaign_rows_encoding_check
  check (encoding in ('GSM-7', 'UCS-2', 'Latin-1'));
-- Opaque to everyone but the carrier that wrote it (SubmitResult.progress).
alter table messages add column carrier_progress text;
