-- Accounts: customers' accounts and their users, sessions, e-mailed tokens, API keys, mobile
-- verification and rate-limit counters; the e-mail outbox; the SMS simulator's record.

-- A customer's account. Its id (acc_…) is also the id of its ledger account, opened in the
-- same transaction; the foreign key makes an account without one impossible.
create table accounts (
  id text primary key references ledger_accounts (id),
  name text not null,
  status text not null default 'pending_verification'
    check (status in ('pending_verification', 'active', 'suspended')),
  -- Set by an operator, or by the mobile verification when ACCOUNT_AUTO_VERIFY=mobile.
  verified_at timestamptz,
  verified_by text check (verified_by in ('operator', 'mobile')),
  suspended_at timestamptz,
  suspended_reason text,
  -- Billing data; all required parts are present once billing_updated_at is set.
  legal_name text,
  tax_id text,
  vat_id text,
  address_line1 text,
  address_line2 text,
  address_city text,
  address_postal_code text,
  address_region text,
  address_country text,
  invoice_email text,
  -- E.164. mobile_verified_at belongs to this number: changing the number clears it.
  mobile text,
  mobile_verified_at timestamptz,
  billing_updated_at timestamptz,
  -- Preferences.
  country text,
  currency text not null default 'EUR' check (currency in ('EUR', 'USD', 'GBP', 'CZK')),
  timezone text not null default 'UTC',
  language text not null default 'en' check (language in ('en', 'es')),
  created_at timestamptz not null default now(),
  constraint accounts_billing_complete check (
    billing_updated_at is null or (legal_name is not null and address_line1 is not null
      and address_city is not null and address_postal_code is not null
      and address_country is not null and invoice_email is not null and mobile is not null)
  ),
  constraint accounts_verified_by check ((verified_at is null) = (verified_by is null)),
  constraint accounts_mobile_verified check (mobile_verified_at is null or mobile is not null),
  constraint accounts_suspended check ((status = 'suspended') = (suspended_at is not null))
);
create index accounts_created on accounts (created_at desc, id desc);

-- People who log in. A customer's owner belongs to an account; an operator admin to none.
create table users (
  id text primary key,
  account_id text references accounts (id),
  role text not null check (role in ('owner', 'admin')),
  email text not null,
  name text not null,
  password_hash text not null,
  email_verified_at timestamptz,
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  constraint users_email_key unique (email),
  constraint users_email_lower check (email = lower(email)),
  constraint users_role_account check ((role = 'admin') = (account_id is null))
);
create unique index users_one_owner on users (account_id) where role = 'owner';

-- Server-side sessions. The cookie carries a random secret; only its SHA-256 is stored.
create table sessions (
  id_hash text primary key,
  user_id text not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index sessions_user on sessions (user_id);
create index sessions_expiry on sessions (expires_at);

-- Single-use links sent by e-mail (verify the address, reset the password); stored hashed.
create table email_tokens (
  token_hash text primary key,
  user_id text not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('verify_email', 'reset_password')),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index email_tokens_user on email_tokens (user_id, purpose) where used_at is null;
create index email_tokens_expiry on email_tokens (expires_at);

-- API keys: shown once, stored as SHA-256 (they are long random secrets, so a slow hash adds
-- nothing but latency on every request); the prefix lets people tell them apart.
create table api_keys (
  id text primary key,
  account_id text not null references accounts (id),
  created_by text references users (id),
  name text not null,
  prefix text not null,
  key_hash text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_hash_key unique (key_hash)
);
create index api_keys_account on api_keys (account_id, created_at desc, id desc) where revoked_at is null;

-- The pending SMS code of an account's mobile (one at a time), hashed with argon2id.
create table mobile_verifications (
  account_id text primary key references accounts (id),
  mobile text not null,
  code_hash text not null,
  sent_at timestamptz not null,
  expires_at timestamptz not null,
  attempts integer not null default 0
);

-- Fixed-window counters for rate limits, shared by every API process.
create table rate_limit_counters (
  key text primary key,
  window_start timestamptz not null,
  hits integer not null
);
create index rate_limit_counters_window on rate_limit_counters (window_start);

-- E-mails are written here in the transaction that causes them and sent after it commits
-- (a rolled-back transaction sends nothing); unsent ones are retried with back-off. Bodies
-- hold live links, so they are cleared once the e-mail is sent.
create table email_outbox (
  id text primary key,
  template text not null,
  to_address text not null,
  subject text not null,
  text_body text,
  html_body text,
  created_at timestamptz not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  claimed_until timestamptz,
  sent_at timestamptz,
  failed_at timestamptz,
  last_error text
);
create index email_outbox_due on email_outbox (next_attempt_at) where sent_at is null and failed_at is null;

-- What the simulator carrier received, in the database so API and worker processes agree.
create table simulator_messages (
  id text primary key,
  message_id text,
  account_id text,
  to_number text not null,
  from_number text,
  text text not null,
  status text not null check (status in ('accepted', 'delivered', 'failed')),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index simulator_messages_to on simulator_messages (to_number, created_at desc);
