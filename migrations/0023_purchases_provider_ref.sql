-- A Stripe event names its PaymentIntent: the purchase it paid is found by that id, so an event
-- about a purchase already credited (final) is acknowledged without reading Stripe again.
create index purchases_provider_ref on purchases (provider_ref) where provider_ref is not null;
