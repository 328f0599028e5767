-- Customer webhooks carry account events beside message status changes: a purchase credited,
-- the balance low, an automatic refill's outcome, an invoice issued. Such a delivery names no
-- message; its type is kept in a column so the deliveries list can be filtered without parsing.
alter table webhook_deliveries alter column message_id drop not null;
alter table webhook_deliveries add column event_type text not null default 'message.status';
