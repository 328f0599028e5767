-- Invoices and credit notes: issued once, numbered without gaps per series and year, never
-- changed afterwards (the database refuses it); the monthly runs that issue them; e-mail
-- attachments rendered when the e-mail is sent.

-- The last number used per series and year. The issuing transaction takes a block of numbers
-- with one upsert; the row stays locked until it commits, so concurrent issuers queue behind
-- it and a rolled-back batch gives its numbers back: no gap, no duplicate.
create table invoice_sequences (
  series text not null,
  year integer not null,
  last_number integer not null check (last_number >= 0),
  primary key (series, year)
);

-- Each monthly run as it happened (admin, CLI, or the worker's schedule and catch-up).
create table invoice_runs (
  id text primary key,
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  trigger text not null check (trigger in ('schedule', 'admin', 'cli')),
  started_by text,
  status text not null check (status in ('running', 'completed', 'failed')),
  started_at timestamptz not null,
  finished_at timestamptz,
  issued integer not null default 0,
  credit_notes integer not null default 0,
  skipped integer not null default 0,
  failed integer not null default 0,
  -- [{accountId, currency, reason}] for what could not be issued, and why.
  failures jsonb not null default '[]',
  error text
);
create index invoice_runs_month on invoice_runs (month, started_at desc);
create index invoice_runs_started on invoice_runs (started_at desc, id desc);

create table invoices (
  id text primary key,
  kind text not null check (kind in ('invoice', 'credit_note')),
  series text not null,
  year integer not null,
  seq integer not null check (seq > 0),
  number text not null unique,
  account_id text not null references accounts (id),
  currency text not null check (currency in ('EUR', 'USD', 'GBP', 'CZK')),
  -- The month invoiced (YYYY-MM) and its first and last day, in the issuer's time zone.
  month text not null,
  period_start date not null,
  period_end date not null,
  issue_date date not null,
  issued_at timestamptz not null,
  language text not null check (language in ('en', 'es')),
  -- The parties as printed: frozen when issued, never read again from live data.
  issuer jsonb not null,
  customer jsonb not null,
  -- Minor units; negative on a credit note.
  subtotal bigint not null,
  tax_amount bigint not null,
  total bigint not null,
  -- [{rate (bp), treatment, base, amount}] with base and amount as strings of minor units.
  vat_breakdown jsonb not null,
  corrects_invoice_id text references invoices (id),
  refund_id text references purchase_refunds (id),
  run_id text references invoice_runs (id),
  -- The number is series, year and seq written out: its uniqueness is theirs (one index, not two).
  constraint invoices_number_format check (
    number = series || '-' || year || '-' || case when seq < 1000000 then lpad(seq::text, 6, '0') else seq::text end),
  constraint invoices_total check (total = subtotal + tax_amount),
  constraint invoices_credit_note check (
    (kind = 'credit_note') = (corrects_invoice_id is not null and refund_id is not null))
);
-- One invoice per account, currency and month, whatever runs at once.
create unique index invoices_one_per_month on invoices (account_id, currency, month) where kind = 'invoice';
-- One credit note per refund.
create unique index invoices_refund on invoices (refund_id) where refund_id is not null;
create index invoices_account on invoices (account_id, issue_date desc, id desc);
create index invoices_issued on invoices (issued_at desc, id desc);
create index invoices_corrects on invoices (corrects_invoice_id) where corrects_invoice_id is not null;

create table invoice_lines (
  invoice_id text not null references invoices (id),
  position integer not null check (position > 0),
  purchase_id text not null references purchases (id),
  -- A credit note's line: the refund it credits.
  refund_id text references purchase_refunds (id),
  paid_at timestamptz not null,
  credits bigint not null,
  net bigint not null,
  vat bigint not null,
  vat_rate_bp integer not null check (vat_rate_bp between 0 and 10000),
  vat_treatment text not null,
  payment_method text not null,
  payment_reference text,
  primary key (invoice_id, position)
);
-- A purchase is invoiced once.
create unique index invoice_lines_purchase on invoice_lines (purchase_id) where refund_id is null;

-- Issued means final: corrections are credit notes.
create function refuse_issued_invoice_change() returns trigger language plpgsql as $$
begin
  raise exception '% of an issued invoice is not allowed: issue a credit note instead', tg_op
    using errcode = 'restrict_violation';
end;
$$;
create trigger invoices_immutable before update or delete on invoices
  for each row execute function refuse_issued_invoice_change();
create trigger invoice_lines_immutable before update or delete on invoice_lines
  for each row execute function refuse_issued_invoice_change();
create trigger invoices_no_truncate before truncate on invoices
  for each statement execute function refuse_issued_invoice_change();
create trigger invoice_lines_no_truncate before truncate on invoice_lines
  for each statement execute function refuse_issued_invoice_change();

-- E-mail attachments, rendered when the e-mail is sent (not stored with it): [{kind, ref}].
alter table email_outbox add column attachments jsonb;
