-- Purchases as the customer reads them: which card paid, and which order took a declined one's place.

-- The last four digits of the card a purchase was paid with, as the card provider reported them
-- on the charge: the transactions list says "10,000 credits — pack, card ending 4242" without
-- asking the provider again. Null for bank transfers and for purchases paid before this column.
alter table purchases add column card_last4 text check (card_last4 is null or card_last4 ~ '^[0-9]{4}$');

-- A declined card order paid again with another card: the failed order names the order that
-- took its place, and the customer's list shows only that one (one order, not a trail of them).
alter table purchases add column replaced_by text references purchases (id);
