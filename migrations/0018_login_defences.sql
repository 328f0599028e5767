-- Defences of the doors people and integrations come in by: a login throttle that slows an
-- attack on one account without locking its owner out, the addresses each user has logged in
-- from, two-factor authentication (TOTP and recovery codes, with the challenge between the
-- password and the code), and API key scopes.

-- The account-wide login throttle, one row per e-mail address tried (SHA-256, known or not): a
-- generic cell rate algorithm. `tat` is the theoretical arrival time of the next attempt; an
-- attempt from an address the user never logged in from is let through while
-- tat - now <= burst x interval, and moves tat one interval on.
create table login_throttle (
  key text primary key,
  tat timestamptz not null
);
create index login_throttle_tat on login_throttle (tat);

-- Where each user has logged in from (SHA-256 of the address, or of its /64 for IPv6): a
-- correct password from one of them is never slowed by an attack on the account.
create table user_login_addresses (
  user_id text not null references users (id) on delete cascade,
  address_hash text not null,
  first_at timestamptz not null,
  last_at timestamptz not null,
  primary key (user_id, address_hash)
);
create index user_login_addresses_last on user_login_addresses (last_at);

-- TOTP (RFC 6238) for a user: a secret being enrolled (enabled_at null) or in use. last_step
-- is the time step of the last code accepted, so a code works once.
create table user_two_factor (
  user_id text primary key references users (id) on delete cascade,
  secret text not null,
  enabled_at timestamptz,
  last_step bigint,
  created_at timestamptz not null
);

-- Single-use recovery codes (80 random bits each, stored as SHA-256).
create table two_factor_recovery_codes (
  user_id text not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null,
  primary key (user_id, code_hash)
);

-- The step between a correct password and the code: a random secret (stored as SHA-256) that
-- lives a few minutes and allows a few tries. `enrol` challenges also set two-factor up (for an
-- operator admin who must have it and has none yet).
create table login_challenges (
  id_hash text primary key,
  user_id text not null references users (id) on delete cascade,
  kind text not null check (kind in ('verify', 'enrol')),
  attempts integer not null default 0,
  ip text,
  user_agent text,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index login_challenges_user on login_challenges (user_id);
create index login_challenges_expiry on login_challenges (expires_at);

-- Whether the session's login passed a second factor (operator admins need one where
-- ADMIN_TWO_FACTOR=required, sessions made before it was required included).
alter table sessions add column two_factor boolean not null default false;

-- What an API key may do: full (everything, as every key could before), send, billing, read.
alter table api_keys add column scope text not null default 'full'
  check (scope in ('full', 'send', 'billing', 'read'));
