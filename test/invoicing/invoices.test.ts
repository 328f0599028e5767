// The monthly run end to end through the API: purchases back-dated into past months, an admin
// runs each month, customers see their own invoices (and nobody else's), numbers follow each
// other without a gap, a refund becomes a credit note, and issued invoices cannot be changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { localDate } from '../../src/invoicing/calendar.js';
import { issueCreditNotes } from '../../src/invoicing/index.js';
import { putWebhook } from '../../src/messaging/webhooks/settings.js';
import { creditedPurchase, get, post } from '../purchases/helpers.js';

describe('monthly invoices', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;
  let bob: Customer;
  const purchases = { a1: '', a2: '', b1: '', later: '' };

  const backdate = (id: string, paidAt: string) =>
    t.ctx.db.query('update purchases set paid_at = $2, credited_at = $2 where id = $1', [id, paidAt]);
  const run = (month: string, who: Session | null = ops) =>
    post(t, '/api/v1/admin/invoices/run', who, { month });

  beforeAll(async () => {
    t = await createTestApp({ env: { ISSUER_TIME_ZONE: 'Europe/Madrid', INVOICE_SERIES: 'TG' } });
    ops = await adminSession(t);
    alice = await readyCustomer(t);
    bob = await readyCustomer(t);
    // Alice listens for account events; Bob has no webhook.
    await putWebhook(t.ctx.db, alice.accountId, 'https://hooks.example.com/tollgate', new Date(), 'refuse');
    purchases.a1 = (await creditedPurchase(t, alice, '1000')).id;
    purchases.a2 = (await creditedPurchase(t, alice, '2500')).id;
    purchases.b1 = (await creditedPurchase(t, bob, '500')).id;
    purchases.later = (await creditedPurchase(t, bob, '700')).id;
    // 23:30 UTC on 31 October is November in Madrid; 22:30 UTC is still October.
    await backdate(purchases.a1, '2026-10-31T23:30:00Z');
    await backdate(purchases.a2, '2026-11-15T10:00:00Z');
    await backdate(purchases.b1, '2026-10-31T22:30:00Z');
  });
  afterAll(() => t.close());

  it('refuses a customer (403), a malformed month (400) and a month not yet over (409)', async () => {
    expect((await run('2026-11', alice)).statusCode).toBe(403);
    expect((await run('2026-11', null)).statusCode).toBe(401);
    expect((await run('2026-13')).statusCode).toBe(400);
    const current = localDate(t.ctx.now(), 'Europe/Madrid').slice(0, 7);
    const res = await run(current);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.details.reason).toBe('month_not_ended');
  });

  it('credits a refund of a purchase not yet invoiced in the run that invoices it', async () => {
    const refund = await post(t, `/api/v1/admin/purchases/${purchases.a2}/refund`, ops, { credits: '500' });
    expect(refund.statusCode, refund.body).toBe(201);
    // Nothing is invoiced yet: no credit note can be issued.
    expect(await issueCreditNotes(t.ctx)).toBe(0);
  });

  it('issues October and November, one invoice per account, numbers in sequence', async () => {
    const october = await run('2026-10');
    expect(october.statusCode, october.body).toBe(200);
    expect(october.json()).toMatchObject({
      month: '2026-10',
      issued: 1,
      skipped: 0,
      failed: 0,
      creditNotes: 0,
    });
    const november = await run('2026-11');
    expect(november.statusCode, november.body).toBe(200);
    expect(november.json()).toMatchObject({
      month: '2026-11',
      issued: 1,
      skipped: 0,
      failed: 0,
      creditNotes: 1,
    });

    const year = localDate(t.ctx.now(), 'Europe/Madrid').slice(0, 4);
    const mine = await get(t, '/api/v1/invoices', alice);
    expect(mine.statusCode, mine.body).toBe(200);
    const list = mine.json().data as { kind: string; number: string; period: { month: string } }[];
    const invoice = list.find((i) => i.kind === 'invoice');
    const note = list.find((i) => i.kind === 'credit_note');
    expect(invoice).toMatchObject({ number: `TG-${year}-000002`, period: { month: '2026-11' } });
    expect(note).toMatchObject({ number: `TGC-${year}-000001` });
    const bobs = (await get(t, '/api/v1/invoices', bob)).json().data;
    expect(bobs).toHaveLength(1);
    expect(bobs[0]).toMatchObject({
      number: `TG-${year}-000001`,
      period: { month: '2026-10', start: '2026-10-01' },
    });
  });

  it('issues nothing new when a month is run again', async () => {
    const again = await run('2026-11');
    expect(again.json()).toMatchObject({ issued: 0, skipped: 1, failed: 0, creditNotes: 0 });
    const runs = await get(t, '/api/v1/admin/invoices/runs?month=2026-11', ops);
    expect(runs.statusCode, runs.body).toBe(200);
    expect(runs.json().data).toHaveLength(2);
    expect(runs.json().data[0]).toMatchObject({
      status: 'completed',
      issued: 0,
      skipped: 1,
      trigger: 'admin',
    });
  });

  it('shows an invoice with its lines and totals, and names it on the purchase', async () => {
    const list = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    expect(list).toHaveLength(1);
    const res = await get(t, `/api/v1/invoices/${list[0].id}`, alice);
    expect(res.statusCode, res.body).toBe(200);
    const invoice = res.json();
    expect(invoice.lines.map((l: { purchaseId: string }) => l.purchaseId)).toEqual([
      purchases.a1,
      purchases.a2,
    ]);
    const net = invoice.lines.reduce((sum: number, l: { net: { amount: number } }) => sum + l.net.amount, 0);
    const vat = invoice.lines.reduce((sum: number, l: { vat: { amount: number } }) => sum + l.vat.amount, 0);
    expect(invoice.subtotal.amount).toBe(net);
    expect(invoice.taxTotal.amount).toBe(vat);
    expect(invoice.total.amount).toBe(net + vat);
    expect(invoice.tax).toEqual([
      expect.objectContaining({ rate: '21', treatment: 'domestic', base: { amount: net, currency: 'EUR' } }),
    ]);
    expect(invoice.status).toBe('partially_credited');
    expect(invoice.creditNotes).toHaveLength(1);
    expect(invoice.customer.name).toBe('Example Trading S.L.');

    const purchase = await get(t, `/api/v1/purchases/${purchases.a1}`, alice);
    expect(purchase.json().invoiceId).toBe(invoice.id);
    const notYet = await get(t, `/api/v1/purchases/${purchases.later}`, bob);
    expect(notYet.json().invoiceId).toBeNull();

    const note = await get(t, `/api/v1/invoices/${invoice.creditNotes[0].id}`, alice);
    expect(note.json()).toMatchObject({
      kind: 'credit_note',
      correctsInvoiceId: invoice.id,
      correctsNumber: invoice.number,
      status: 'issued',
    });
    expect(note.json().total.amount).toBeLessThan(0);
    expect(note.json().lines[0]).toMatchObject({ purchaseId: purchases.a2, credits: '-500' });
  });

  it('answers 404 for another account’s invoice, its PDF and its XML', async () => {
    const [invoice] = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    for (const suffix of ['', '/pdf', '/ubl', '/facturx', '/cii']) {
      const res = await get(t, `/api/v1/invoices/${invoice.id}${suffix}`, bob);
      expect(res.statusCode, `${suffix} ${res.body}`).toBe(404);
    }
    expect((await get(t, '/api/v1/invoices/inv_nothing', alice)).statusCode).toBe(404);
    expect((await get(t, '/api/v1/admin/invoices', alice)).statusCode).toBe(403);
  });

  it('credits a refund of an invoiced purchase by itself, in the credit-note series', async () => {
    const refund = await post(t, `/api/v1/admin/purchases/${purchases.b1}/refund`, ops, {});
    expect(refund.statusCode, refund.body).toBe(201);
    expect(await issueCreditNotes(t.ctx)).toBe(1);
    expect(await issueCreditNotes(t.ctx)).toBe(0);
    const list = (await get(t, '/api/v1/invoices', bob)).json().data;
    const note = list.find((i: { kind: string }) => i.kind === 'credit_note');
    expect(note.number).toMatch(/^TGC-\d{4}-000002$/);
    const invoice = list.find((i: { kind: string }) => i.kind === 'invoice');
    expect(invoice.status).toBe('credited');
    expect(note.total.amount).toBe(-invoice.total.amount);
  });

  it('e-mails each invoice once to the billing invoice address, PDF attached', async () => {
    const { rows } = await t.ctx.db.query<{ template: string; to_address: string; attachments: unknown }>(
      `select template, to_address, attachments from email_outbox
        where template in ('invoice_issued', 'credit_note_issued') order by created_at`,
    );
    expect(rows.filter((r) => r.template === 'invoice_issued')).toHaveLength(2);
    expect(rows.filter((r) => r.template === 'credit_note_issued')).toHaveLength(2);
    for (const row of rows) {
      expect(row.to_address).toBe('invoices@example.com');
      expect(row.attachments).toEqual([{ kind: 'invoice_pdf', ref: expect.stringMatching(/^inv_/) }]);
    }
    const [invoice] = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    const resend = await post(t, `/api/v1/admin/invoices/${invoice.id}/resend`, ops);
    expect(resend.statusCode, resend.body).toBe(202);
    expect(resend.json().to).toBe('invoices@example.com');
  });

  it('tells a webhook listener of each invoice and credit note issued', async () => {
    const { rows } = await t.ctx.db.query<{ account_id: string; payload: string }>(
      `select account_id, payload from webhook_deliveries where event_type = 'invoice.issued' order by created_at`,
    );
    expect(rows.map((r) => r.account_id)).toEqual([alice.accountId, alice.accountId]);
    const events = rows.map((r) => JSON.parse(r.payload));
    expect(events.map((e) => e.data.kind).sort()).toEqual(['credit_note', 'invoice']);
    const invoice = events.find((e) => e.data.kind === 'invoice');
    expect(invoice).toMatchObject({
      type: 'invoice.issued',
      data: { status: 'paid', period: { month: '2026-11' } },
    });
    expect(invoice.data.number).toMatch(/^TG-\d{4}-000002$/);
  });

  it('lets operators search every invoice', async () => {
    const all = await get(t, '/api/v1/admin/invoices', ops);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().data).toHaveLength(4);
    const [invoice] = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    const byNumber = (await get(t, `/api/v1/admin/invoices?q=${invoice.number}`, ops)).json().data;
    expect(byNumber.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
    const byAccount = (await get(t, `/api/v1/admin/invoices?q=${alice.accountId}`, ops)).json().data;
    expect(byAccount).toHaveLength(2);
    const credited = (await get(t, '/api/v1/admin/invoices?status=credited', ops)).json().data;
    expect(credited).toHaveLength(1);
    expect((await get(t, `/api/v1/admin/invoices/${invoice.id}`, ops)).json().lines).toHaveLength(2);
  });

  it('refuses in the database any change or removal of an issued invoice or its lines', async () => {
    const [invoice] = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    const attempts = [
      ['update invoices set total = 0, subtotal = 0, tax_amount = 0 where id = $1', [invoice.id]],
      ['delete from invoices where id = $1', [invoice.id]],
      ['update invoice_lines set net = 1 where invoice_id = $1', [invoice.id]],
      ['delete from invoice_lines where invoice_id = $1', [invoice.id]],
    ] as const;
    for (const [sql, params] of attempts) {
      await expect(t.ctx.db.query(sql, params), sql).rejects.toThrow(/issued invoice is not allowed/);
    }
    const after = await get(t, `/api/v1/invoices/${invoice.id}`, alice);
    expect(after.json().total).toEqual(invoice.total);
  });

  it('answers 503 for a document whose renderer is not installed, or the document', async () => {
    const [invoice] = (await get(t, '/api/v1/invoices?kind=invoice', alice)).json().data;
    const res = await get(t, `/api/v1/invoices/${invoice.id}/pdf`, alice);
    expect([200, 503]).toContain(res.statusCode);
    if (res.statusCode === 200) expect(res.headers['content-type']).toBe('application/pdf');
  });
});
