-- The last four digits of the card a purchase was paid with, as the card provider reported them
-- on the charge: the transactions list says "10,000 credits — pack, card ending 4242" without
-- asking the provider again. Null for bank transfers and for purchases paid before this column.
alter table purchases add column card_last4 text check (card_last4 is null or card_last4 ~ '^[0-9]{4}$');
