// Accounts with purchases paid in a month, written straight into the tables (the monthly run
// reads only these): the invoicing tests' and benchmark's data, 1 to 3 purchases per account.
import type { Queryable } from '../../src/db/types.js';

export interface SeedOptions {
  /** Distinguishes the ids of several seeds in one database. */
  prefix: string;
  accounts: number;
  /** [from, until): the purchases are paid at instants spread over it. */
  from: Date;
  until: Date;
  /** Accounts seeded per statement (memory). */
  chunk?: number;
}

/** Returns the number of purchases written. */
export async function seedPaidPurchases(q: Queryable, o: SeedOptions): Promise<number> {
  const chunk = o.chunk ?? 20_000;
  const seconds = Math.floor((o.until.getTime() - o.from.getTime()) / 1000);
  let purchases = 0;
  for (let first = 1; first <= o.accounts; first += chunk) {
    const last = Math.min(o.accounts, first + chunk - 1);
    const ids = `'acc_${o.prefix}_' || g`;
    await q.query(
      `insert into ledger_accounts (id, kind) select ${ids}, 'customer' from generate_series($1::int, $2::int) g`,
      [first, last],
    );
    await q.query(
      `insert into accounts (id, name, status, legal_name, vat_id, address_line1, address_city, address_postal_code,
         address_country, invoice_email, mobile, billing_updated_at, language, created_at)
       select ${ids}, 'Customer ' || g, 'active', 'Customer ' || g || ' S.L.', null, 'Calle ' || g, 'Madrid', '28001',
              'ES', 'billing+' || $3 || '-' || g || '@example.com', '+3460' || lpad(g::text, 7, '0'), now(),
              case when g % 2 = 0 then 'es' else 'en' end, now()
         from generate_series($1::int, $2::int) g`,
      [first, last, o.prefix],
    );
    const { rowCount } = await q.query(
      `insert into purchases (id, account_id, status, payment_method, provider, credits, currency, subtotal, tax_amount,
         total, tax_rate_bp, tax_treatment, issuer_country, billing, paid_at, paid_via, paid_reference, credited_at,
         created_at, updated_at)
       select 'pur_' || $3 || '_' || g || '_' || k, ${ids}, 'credited', 'card', 'fake_card', 1000 * k, 'EUR',
              1000 * k, 210 * k, 1210 * k, 2100, 'domestic', 'ES',
              jsonb_build_object('legalName', 'Customer ' || g || ' S.L.', 'taxId', null, 'vatId', null,
                'address', jsonb_build_object('line1', 'Calle ' || g, 'line2', null, 'city', 'Madrid',
                  'postalCode', '28001', 'region', null, 'country', 'ES'),
                'invoiceEmail', 'billing+' || $3 || '-' || g || '@example.com', 'mobile', '+3460' || lpad(g::text, 7, '0')),
              paid, 'card', 'pi_' || g || '_' || k, paid, paid, paid
         from generate_series($1::int, $2::int) g
         cross join lateral generate_series(1, 1 + g % 3) k
         cross join lateral (select $4::timestamptz + ((g * 7919 + k * 104729) % $5) * interval '1 second' as paid) t`,
      [first, last, o.prefix, o.from.toISOString(), seconds],
    );
    purchases += rowCount;
  }
  return purchases;
}

/** Checks every invariant of the issued invoices; returns their count. */
export async function invoiceInvariants(q: Queryable, series: string) {
  const numbers = await q.query<{ seq: number; year: number }>(
    `select seq, year from invoices where series = $1 order by year, seq`,
    [series],
  );
  const perGroup = await q.query<{ n: bigint }>(
    `select count(*)::bigint as n from invoices where kind = 'invoice' group by account_id, currency, month having count(*) > 1`,
  );
  const lines = await q.query<{ n: bigint }>(
    `select count(*)::bigint as n from invoice_lines where refund_id is null group by purchase_id having count(*) > 1`,
  );
  const emails = await q.query<{ total: bigint; distinct_to: bigint }>(
    `select count(*)::bigint as total, count(distinct to_address)::bigint as distinct_to
       from email_outbox where template = 'invoice_issued'`,
  );
  return {
    seqs: numbers.rows.map((r) => Number(r.seq)),
    duplicatedGroups: perGroup.rows.length,
    purchasesTwice: lines.rows.length,
    emails: Number(emails.rows[0]?.total ?? 0),
    emailAddresses: Number(emails.rows[0]?.distinct_to ?? 0),
  };
}
