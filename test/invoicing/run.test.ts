// The run's grouping: one invoice per account AND currency, lines of several VAT treatments on
// one invoice with a breakdown per rate, and months bounded in the issuer's time zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInvoiceDocument, monthPeriod, runInvoices } from '../../src/invoicing/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedPaidPurchases } from '../helpers/invoice-seed.js';

describe('what one invoice covers', () => {
  let t: TestApp;
  /** A copy of a seeded purchase with other money, treatment or payment instant. */
  const extraPurchase = (
    id: string,
    from: string,
    set: {
      currency?: string;
      treatment?: string;
      rate?: number;
      subtotal?: number;
      tax?: number;
      paidAt?: string;
    },
  ) =>
    t.ctx.db.query(
      `insert into purchases (id, account_id, status, payment_method, provider, credits, currency, subtotal, tax_amount,
         total, tax_rate_bp, tax_treatment, tax_vat_id, issuer_country, billing, paid_at, paid_via, paid_reference,
         credited_at, created_at, updated_at)
       select $1, account_id, status, payment_method, provider, 777, coalesce($3, currency), coalesce($6, subtotal),
              coalesce($7, tax_amount), coalesce($6, subtotal) + coalesce($7, tax_amount), coalesce($5, tax_rate_bp),
              coalesce($4, tax_treatment), case when $4 = 'reverse_charge' then 'DE123456789' end, issuer_country,
              billing, coalesce($8::timestamptz, paid_at), paid_via, paid_reference, coalesce($8::timestamptz, paid_at),
              created_at, updated_at
         from purchases where id = $2`,
      [
        id,
        from,
        set.currency ?? null,
        set.treatment ?? null,
        set.rate ?? null,
        set.subtotal ?? null,
        set.tax ?? null,
        set.paidAt ?? null,
      ],
    );

  beforeAll(async () => {
    t = await createTestApp({ env: { ISSUER_TIME_ZONE: 'Europe/Madrid' } });
    const october = monthPeriod('2026-10', 'Europe/Madrid');
    await seedPaidPurchases(t.ctx.db, {
      prefix: 'cur',
      accounts: 3,
      from: october.from,
      until: october.until,
    });
    // Account 1 also bought in dollars; account 2 once under reverse charge (0 %).
    await extraPurchase('pur_usd', 'pur_cur_1_1', { currency: 'USD', subtotal: 4000, tax: 840 });
    await extraPurchase('pur_rc', 'pur_cur_2_1', {
      treatment: 'reverse_charge',
      rate: 0,
      subtotal: 3333,
      tax: 0,
    });
    // Account 3: 23:30 UTC on 31 October is 00:30 on 1 November in Madrid.
    await extraPurchase('pur_late', 'pur_cur_3_1', { paidAt: '2026-10-31T23:30:00Z' });
    await extraPurchase('pur_early', 'pur_cur_3_1', { paidAt: '2026-10-31T22:59:59Z' });
  });
  afterAll(() => t.close());

  const invoicesOf = async (accountId: string, month: string) => {
    const { rows } = await t.ctx.db.query<{ id: string; currency: string }>(
      `select id, currency from invoices where account_id = $1 and month = $2 and kind = 'invoice' order by currency`,
      [accountId, month],
    );
    return rows;
  };

  it('issues one invoice per account and currency', async () => {
    const result = await runInvoices(t.ctx, { month: '2026-10', trigger: 'cli' });
    expect(result).toMatchObject({ issued: 4, failed: 0 });
    expect((await invoicesOf('acc_cur_1', '2026-10')).map((r) => r.currency)).toEqual(['EUR', 'USD']);
    const [usd] = (await invoicesOf('acc_cur_1', '2026-10')).filter((r) => r.currency === 'USD');
    const doc = await loadInvoiceDocument(t.ctx.db, usd?.id ?? '');
    expect(doc?.lines.map((l) => l.purchaseId)).toEqual(['pur_usd']);
    expect(doc?.totals).toEqual({ net: 4000n, vat: 840n, total: 4840n });
  });

  it('breaks VAT down per rate and treatment, and the totals are the sums of the lines', async () => {
    const [invoice] = await invoicesOf('acc_cur_2', '2026-10');
    const doc = await loadInvoiceDocument(t.ctx.db, invoice?.id ?? '');
    if (!doc) throw new Error('no document');
    expect(doc.vatBreakdown.map((v) => [v.vatTreatment, v.vatRateBasisPoints])).toEqual([
      ['domestic', 2100],
      ['reverse_charge', 0],
    ]);
    const net = doc.lines.reduce((sum, l) => sum + l.net, 0n);
    const vat = doc.lines.reduce((sum, l) => sum + l.vat, 0n);
    expect(doc.totals).toEqual({ net, vat, total: net + vat });
    expect(doc.vatBreakdown.reduce((sum, v) => sum + v.taxableAmount, 0n)).toBe(net);
    expect(doc.vatBreakdown.reduce((sum, v) => sum + v.vatAmount, 0n)).toBe(vat);
    expect(doc.customer).toMatchObject({ name: 'Customer 2 S.L.', country: 'ES', city: 'Madrid' });
    expect(doc.issuer).toMatchObject({
      country: 'ES',
      bank: expect.objectContaining({ iban: expect.any(String) }),
    });
    expect(doc.language).toBe('es');
    expect(doc.period).toEqual({ month: '2026-10', start: '2026-10-01', end: '2026-10-31' });
  });

  it('puts a purchase paid at 23:30 UTC on 31 October into November (Europe/Madrid)', async () => {
    const [october] = await invoicesOf('acc_cur_3', '2026-10');
    const lines = (await loadInvoiceDocument(t.ctx.db, october?.id ?? ''))?.lines.map((l) => l.purchaseId);
    expect(lines).toContain('pur_early');
    expect(lines).not.toContain('pur_late');
    const november = await runInvoices(t.ctx, { month: '2026-11', trigger: 'cli' });
    expect(november.issued).toBe(1);
    const [invoice] = await invoicesOf('acc_cur_3', '2026-11');
    const doc = await loadInvoiceDocument(t.ctx.db, invoice?.id ?? '');
    expect(doc?.lines.map((l) => l.purchaseId)).toEqual(['pur_late']);
  });

  it('invoices a purchase paid late into a month already invoiced on the next run, once', async () => {
    // A transfer booked on 20 October, matched after October's invoices were issued; and a
    // September purchase, a month never run, which is September's run's to invoice, not this one's.
    await extraPurchase('pur_paid_late', 'pur_cur_2_1', { paidAt: '2026-10-20T10:00:00Z' });
    await extraPurchase('pur_september', 'pur_cur_1_1', { paidAt: '2026-09-15T10:00:00Z' });
    const [october] = await invoicesOf('acc_cur_2', '2026-10');
    const before = await loadInvoiceDocument(t.ctx.db, october?.id ?? '');

    expect((await runInvoices(t.ctx, { month: '2026-10', trigger: 'cli' })).issued).toBe(0);
    const november = await runInvoices(t.ctx, { month: '2026-11', trigger: 'cli' });
    expect(november).toMatchObject({ issued: 1, failed: 0 });
    const [invoice] = await invoicesOf('acc_cur_2', '2026-11');
    const doc = await loadInvoiceDocument(t.ctx.db, invoice?.id ?? '');
    expect(doc?.lines.map((l) => [l.purchaseId, l.paidAt.toISOString()])).toEqual([
      ['pur_paid_late', '2026-10-20T10:00:00.000Z'],
    ]);
    expect(await loadInvoiceDocument(t.ctx.db, october?.id ?? '')).toEqual(before);
    expect((await runInvoices(t.ctx, { month: '2026-11', trigger: 'cli' })).issued).toBe(0);

    const { rows } = await t.ctx.db.query('select 1 from invoice_lines where purchase_id = $1', [
      'pur_september',
    ]);
    expect(rows).toHaveLength(0);
  });
});
