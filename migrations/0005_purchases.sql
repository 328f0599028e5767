-- Purchases: orders for credits, their refunds, and the bank statements that pay them.
--
-- awaiting_payment -> credited (paid and credited in ONE transaction with the ledger transfer
-- `purchase:<id>`, so paid_at and credited_at are written together), or failed, canceled,
-- expired. A settled (credited) purchase never changes status again; reversing it is a refund.
create table purchases (
  id text primary key,
  account_id text not null references accounts (id),
  status text not null default 'awaiting_payment'
    check (status in ('awaiting_payment', 'paid', 'credited', 'failed', 'canceled', 'expired')),
  payment_method text not null check (payment_method in ('card', 'bank_transfer')),
  -- The PaymentProvider that takes the money (its static id, e.g. bank_transfer, stripe).
  provider text not null,
  pack_id text,
  -- Whole credits granted when paid.
  credits bigint not null check (credits > 0),
  currency text not null check (currency in ('EUR', 'USD', 'GBP', 'CZK')),
  -- Minor units. Tax is decided when the order is made and never recomputed: the customer is
  -- asked to pay exactly `total`, and the invoice reads these columns.
  subtotal bigint not null check (subtotal > 0),
  tax_amount bigint not null check (tax_amount >= 0),
  total bigint not null,
  tax_rate_bp integer not null check (tax_rate_bp between 0 and 10000),
  tax_treatment text not null check (tax_treatment in ('domestic', 'reverse_charge', 'outside_scope')),
  -- The customer's VAT id a reverse charge rests on.
  tax_vat_id text,
  issuer_country text not null,
  -- The billing data the tax was decided on, as the invoice will print it.
  billing jsonb not null,
  -- Bank transfer: where to pay, the ISO 11649 creditor reference, and until when.
  bank_reference text,
  bank_iban text,
  bank_bic text,
  bank_beneficiary text,
  due_at timestamptz,
  -- Card: the provider's own id of the payment, its checkout page, its state as last reported.
  provider_ref text,
  checkout_url text,
  provider_status text,
  card_id text,
  save_card boolean not null default false,
  idempotency_key text,
  paid_at timestamptz,
  -- How the payment was established: card, bank_statement or operator (mark-paid).
  paid_via text check (paid_via in ('card', 'bank_statement', 'operator')),
  paid_reference text,
  credited_at timestamptz,
  failed_at timestamptz,
  failure_reason text,
  canceled_at timestamptz,
  expired_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint purchases_total check (total = subtotal + tax_amount),
  constraint purchases_credited check ((status = 'credited') = (credited_at is not null)),
  constraint purchases_paid check (status not in ('paid', 'credited') or (paid_at is not null and paid_via is not null)),
  constraint purchases_bank_transfer check (
    payment_method <> 'bank_transfer'
    or (bank_reference is not null and bank_iban is not null and bank_bic is not null
        and bank_beneficiary is not null and due_at is not null)
  )
);
create unique index purchases_bank_reference on purchases (bank_reference) where bank_reference is not null;
-- A retried creation with the same Idempotency-Key finds its purchase even if its first
-- answer was never stored (a crash between the two).
create unique index purchases_idempotency on purchases (account_id, idempotency_key) where idempotency_key is not null;
create index purchases_account on purchases (account_id, created_at desc, id desc);
create index purchases_created on purchases (created_at desc, id desc);
create index purchases_due on purchases (due_at) where status = 'awaiting_payment' and due_at is not null;
-- Invoicing reads the purchases paid in a month.
create index purchases_paid on purchases (paid_at) where paid_at is not null;

-- Refunds of unused credits: the ledger transfer `refund:<id>` (customer -> sales), and the
-- money going back, proportional to the credits (the invoicing turns each into a credit note).
create table purchase_refunds (
  id text primary key,
  purchase_id text not null references purchases (id),
  account_id text not null references accounts (id),
  credits_micros bigint not null check (credits_micros > 0),
  currency text not null,
  subtotal bigint not null check (subtotal >= 0),
  tax_amount bigint not null check (tax_amount >= 0),
  total bigint not null,
  tax_rate_bp integer not null,
  tax_treatment text not null,
  payment_method text not null check (payment_method in ('card', 'bank_transfer')),
  -- to_be_paid_by_operator: a bank transfer back, by hand; pending/succeeded/failed: the card
  -- provider's refund.
  status text not null check (status in ('to_be_paid_by_operator', 'pending', 'succeeded', 'failed')),
  provider_ref text,
  failure_reason text,
  transfer_id text not null unique,
  created_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint purchase_refunds_total check (total = subtotal + tax_amount)
);
create index purchase_refunds_purchase on purchase_refunds (purchase_id, created_at);
create index purchase_refunds_created on purchase_refunds (created_at);

-- camt.053 statements as imported, and every entry in them: matched to a purchase, or left
-- for a person with the reason (review_status open until someone resolves it).
create table bank_statement_imports (
  id text primary key,
  file_sha256 text not null,
  statement_ids jsonb not null,
  account_iban text,
  entries integer not null,
  matched integer not null,
  unmatched integer not null,
  imported_by text,
  imported_at timestamptz not null
);

create table bank_statement_entries (
  id text primary key,
  import_id text not null references bank_statement_imports (id),
  -- Stable across imports of the same statement (the bank's entry reference, or the statement
  -- id and the entry's position), so a second import recognises what the first one stored.
  entry_key text not null,
  statement_id text,
  bank_ref text,
  booked_at timestamptz,
  direction text not null check (direction in ('CRDT', 'DBIT', '?')),
  entry_status text,
  amount bigint,
  currency text,
  reference text,
  remittance text,
  debtor_name text,
  purchase_id text references purchases (id),
  outcome text not null check (outcome in ('matched', 'unmatched')),
  reason text,
  review_status text check (review_status in ('open', 'resolved')),
  resolved_at timestamptz,
  resolved_by text,
  resolution_note text,
  created_at timestamptz not null,
  constraint bank_statement_entries_key unique (entry_key),
  constraint bank_statement_entries_outcome check ((outcome = 'matched') = (reason is null)),
  constraint bank_statement_entries_review check ((outcome = 'unmatched') = (review_status is not null))
);
create index bank_statement_entries_review on bank_statement_entries (review_status, created_at desc, id desc)
  where review_status is not null;
create index bank_statement_entries_purchase on bank_statement_entries (purchase_id) where purchase_id is not null;

-- Corrections by operator staff: the ledger transfer `adjustment:<id>` and who made it, why.
create table credit_adjustments (
  id text primary key,
  account_id text not null references accounts (id),
  credits_micros bigint not null check (credits_micros <> 0),
  reason text not null,
  transfer_id text not null unique,
  created_by text not null,
  created_at timestamptz not null
);
create index credit_adjustments_account on credit_adjustments (account_id, created_at desc);
