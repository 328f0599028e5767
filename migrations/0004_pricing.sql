-- Pricing as data the operator changes: the destination price list and, per currency, the
-- packs and volume tiers. Filled with the defaults of src/pricing on first use (an empty list
-- is never valid, so "empty" means "not seeded yet"); replaced as a whole by the admin routes.

-- Credits per SMS segment by country, or by a longer number prefix of that country.
create table pricing_destinations (
  country text not null,
  -- '' is the country's own price; otherwise "+" and digits, e.g. +4477.
  prefix text not null default '',
  micros_per_segment bigint not null check (micros_per_segment > 0),
  primary key (country, prefix)
);

-- Bumped by every replacement of the price list, so each process can tell that the index it
-- holds in memory is stale and reload it.
create table pricing_versions (
  name text primary key,
  version bigint not null,
  updated_at timestamptz not null default now()
);
insert into pricing_versions (name, version) values ('destinations', 0);

-- One price table per currency: limits of a custom quantity, its tiers, and its packs.
create table pricing_tables (
  currency text primary key check (currency in ('EUR', 'USD', 'GBP', 'CZK')),
  min_credits bigint not null check (min_credits >= 1),
  max_credits bigint not null check (max_credits >= min_credits),
  updated_at timestamptz not null default now()
);

create table pricing_tiers (
  currency text not null references pricing_tables (currency) on delete cascade,
  from_credits bigint not null check (from_credits >= 1),
  -- Minor units per credit, a decimal with up to 6 fraction digits ("4.5" = 4.5 cents).
  unit_price text not null,
  primary key (currency, from_credits)
);

create table pricing_packs (
  currency text not null references pricing_tables (currency) on delete cascade,
  id text not null,
  position integer not null,
  credits bigint not null check (credits > 0),
  -- Minor units.
  price bigint not null check (price > 0),
  primary key (currency, id)
);
