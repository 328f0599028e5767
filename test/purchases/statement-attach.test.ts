// An unmatched statement entry attached by an operator to the bank-transfer order it pays:
// the order is credited once — whether the same entry is attached twice, two entries are
// attached to one order, or both happen at the same moment — and refused when it cannot pay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import { auditLedger } from '../../src/ledger/audit.js';
import { getPurchase } from '../../src/purchases/index.js';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { balanceOf, buyByTransfer, camt053, decimal, get, importStatementHttp, post } from './helpers.js';

interface Entry {
  id: string;
  reviewStatus: string;
  purchaseId: string | null;
  resolutionNote: string | null;
}

describe('attaching an unmatched statement entry to an order', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;

  beforeAll(async () => {
    t = await createTestApp();
    [ops, alice] = await Promise.all([adminSession(t), readyCustomer(t)]);
  });
  afterAll(() => t.close());

  /** Imports entries paying `amount` with no reference; returns their entry ids. */
  async function unmatchedEntries(amount: string, count = 1, extra: { direction?: 'DBIT' } = {}) {
    const xml = camt053({
      entries: Array.from({ length: count }, () => ({ amount, ustrd: 'pago pedido', ...extra })),
    });
    const res = await importStatementHttp(t, ops, xml);
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().unmatched.map((l: { entryId: string }) => l.entryId) as string[];
    expect(ids).toHaveLength(count);
    return ids;
  }

  const attach = (entryId: string, purchaseId: string, who: Session | null = ops, note?: string) =>
    post(t, `/api/v1/admin/bank-statements/unmatched/${entryId}/attach`, who, {
      purchaseId,
      ...(note ? { note } : {}),
    });

  const openIds = async () =>
    (await get(t, '/api/v1/admin/bank-statements/unmatched?limit=500', ops))
      .json()
      .data.map((e: Entry) => e.id) as string[];

  it('credits the order from the entry and resolves the entry, naming the order', async () => {
    const order = await buyByTransfer(t, alice, { credits: '1500' });
    const [entryId] = await unmatchedEntries(decimal(order.total.amount));
    if (!entryId) throw new Error('no entry');
    const before = await balanceOf(t, alice.accountId);

    const res = await attach(entryId, order.id, ops, 'customer wrote the invoice number instead');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().entry).toMatchObject({
      id: entryId,
      reviewStatus: 'resolved',
      purchaseId: order.id,
      resolvedBy: expect.stringMatching(/^usr_/),
      resolutionNote: `Attached to ${order.id}: customer wrote the invoice number instead`,
    });
    expect(res.json().purchase).toMatchObject({
      id: order.id,
      status: 'credited',
      paidVia: 'bank_statement',
    });
    expect((await balanceOf(t, alice.accountId)).balance - before.balance).toBe(1500n * MICROS_PER_CREDIT);
    expect(await openIds()).not.toContain(entryId);
    expect(await auditLedger(t.ctx.db)).toEqual({ ok: true, problems: [] });
  });

  it('credits once when the same entry is attached twice, or a second entry to the same order', async () => {
    const order = await buyByTransfer(t, alice, { credits: '1600' });
    const other = await buyByTransfer(t, alice, { credits: '1600' });
    const [first, second] = await unmatchedEntries(decimal(order.total.amount), 2);
    if (!first || !second) throw new Error('no entries');
    expect((await attach(first, order.id)).statusCode).toBe(200);
    const after = await balanceOf(t, alice.accountId);

    const again = await attach(first, order.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', details: { purchaseId: order.id } });
    const elsewhere = await attach(first, other.id);
    expect(elsewhere.statusCode).toBe(409);
    const secondEntry = await attach(second, order.id);
    expect(secondEntry.statusCode).toBe(409);
    expect(secondEntry.json().error.details).toMatchObject({ status: 'credited' });

    expect((await balanceOf(t, alice.accountId)).balance).toBe(after.balance);
    expect((await getPurchase(t.ctx.db, other.id))?.status).toBe('awaiting_payment');
    // The refused entry is still there for a person to decide.
    expect(await openIds()).toContain(second);
  });

  it('credits once when attaches race: one entry to two orders, two entries to one order', async () => {
    const orderA = await buyByTransfer(t, alice, { credits: '1700' });
    const orderB = await buyByTransfer(t, alice, { credits: '1700' });
    const entries = await unmatchedEntries(decimal(orderA.total.amount), 4);
    const [e1, e2, e3, e4] = entries as [string, string, string, string];
    const before = await balanceOf(t, alice.accountId);

    // One entry, two orders at once: exactly one is paid.
    const oneEntry = await Promise.all([attach(e1, orderA.id), attach(e1, orderB.id)]);
    expect(oneEntry.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    // Three entries, one order (the one still open) at once: exactly one pays it.
    const open = oneEntry[0]?.statusCode === 200 ? orderB : orderA;
    const oneOrder = await Promise.all([attach(e2, open.id), attach(e3, open.id), attach(e4, open.id)]);
    expect(oneOrder.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);

    expect((await balanceOf(t, alice.accountId)).balance - before.balance).toBe(3400n * MICROS_PER_CREDIT);
    const credits = await t.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from ledger_transfers where id = any($1::text[])',
      [[`purchase:${orderA.id}`, `purchase:${orderB.id}`]],
    );
    expect(credits.rows[0]?.n).toBe(2);
    const stillOpen = await openIds();
    expect(entries.filter((id) => stillOpen.includes(id))).toHaveLength(2);
    expect(await auditLedger(t.ctx.db)).toEqual({ ok: true, problems: [] });
  });

  it('refuses what cannot pay the order, changing nothing', async () => {
    const order = await buyByTransfer(t, alice, { credits: '1800' });
    const [short] = await unmatchedEntries(decimal(order.total.amount - 1));
    const [outgoing] = await unmatchedEntries(decimal(order.total.amount), 1, { direction: 'DBIT' });
    const [good] = await unmatchedEntries(decimal(order.total.amount));
    if (!short || !outgoing || !good) throw new Error('no entries');
    const before = await balanceOf(t, alice.accountId);

    const wrongAmount = await attach(short, order.id);
    expect(wrongAmount.statusCode).toBe(409);
    expect(wrongAmount.json().error.details).toEqual({
      entryAmount: { amount: order.total.amount - 1, currency: 'EUR' },
      orderTotal: { amount: order.total.amount, currency: 'EUR' },
    });
    expect((await attach(outgoing, order.id)).statusCode).toBe(409);
    expect((await attach(good, 'pur_nothing')).statusCode).toBe(404);
    expect((await attach('bse_nothing', order.id)).statusCode).toBe(404);
    const blank = await post(t, `/api/v1/admin/bank-statements/unmatched/${good}/attach`, ops, {});
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.code).toBe('validation_failed');
    // A matched entry (it paid its own order) is not for a person to attach.
    const paidByRef = await buyByTransfer(t, alice, { credits: '1801' });
    const matchedImport = await importStatementHttp(
      t,
      ops,
      camt053({
        entries: [{ amount: decimal(paidByRef.total.amount), ref: paidByRef.bankTransfer.reference }],
      }),
    );
    expect(matchedImport.json().matched).toHaveLength(1);
    const matched = await t.ctx.db.query<{ id: string }>(
      `select id from bank_statement_entries where outcome = 'matched' and purchase_id = $1`,
      [paidByRef.id],
    );
    const matchedId = matched.rows[0]?.id;
    if (!matchedId) throw new Error('no matched entry');
    expect((await attach(matchedId, order.id)).statusCode).toBe(404);
    const paidCredits = 1801n * MICROS_PER_CREDIT;

    expect((await balanceOf(t, alice.accountId)).balance).toBe(before.balance + paidCredits);
    expect((await getPurchase(t.ctx.db, order.id))?.status).toBe('awaiting_payment');
    expect(await openIds()).toEqual(expect.arrayContaining([short, outgoing, good]));
  });

  it('is the operators’ alone: a customer gets 403, nobody 401', async () => {
    const order = await buyByTransfer(t, alice, { credits: '1900' });
    const [entryId] = await unmatchedEntries(decimal(order.total.amount));
    if (!entryId) throw new Error('no entry');
    expect((await attach(entryId, order.id, alice)).statusCode).toBe(403);
    expect((await attach(entryId, order.id, null)).statusCode).toBe(401);
    expect((await getPurchase(t.ctx.db, order.id))?.status).toBe('awaiting_payment');
  });
});
