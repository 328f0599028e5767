// Settling: a purchase is credited exactly once, in the transaction that marks it credited,
// however many times, concurrently or out of order, a payment is reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import {
  type CreditArrived,
  getPurchase,
  markFailed,
  onCreditArrived,
  settlePaid,
} from '../../src/purchases/index.js';
import { adminSession, BILLING, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { balanceOf, buyByTransfer, get, installFakeCardProvider, post } from './helpers.js';

/** When the money arrived, as the operator types it: now, to the second (never before the order). */
const PAID_AT = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

describe('settlement', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;
  const arrived: CreditArrived[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    installFakeCardProvider(t.ctx);
    [ops, alice] = await Promise.all([adminSession(t), readyCustomer(t)]);
    onCreditArrived(t.ctx, (event) => {
      arrived.push(event);
    });
  });
  afterAll(() => t.close());

  const markPaid = (id: string, who: Session | null = ops, body: Record<string, unknown> = {}) =>
    post(t, `/api/v1/admin/purchases/${id}/mark-paid`, who, {
      paidAt: PAID_AT,
      bankReference: 'TRANSFER-123',
      ...body,
    });

  const transfersOf = async (purchaseId: string) =>
    (await t.ctx.db.query('select id, amount from ledger_transfers where reference = $1', [purchaseId])).rows;

  it('marks a bank transfer paid twice at once and credits it once', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '1500' });
    const before = await balanceOf(t, alice.accountId);
    const answers = await Promise.all([markPaid(purchase.id), markPaid(purchase.id), markPaid(purchase.id)]);
    const codes = answers.map((res) => res.statusCode).sort();
    expect(codes).toEqual([200, 409, 409]);
    const ok = answers.find((res) => res.statusCode === 200);
    expect(ok?.json()).toMatchObject({
      id: purchase.id,
      status: 'credited',
      paidAt: PAID_AT,
      paidVia: 'operator',
      paidReference: 'TRANSFER-123',
      creditedAt: expect.any(String),
    });
    const refused = answers.find((res) => res.statusCode === 409);
    expect(refused?.json().error).toMatchObject({ code: 'conflict', details: { status: 'credited' } });
    const after = await balanceOf(t, alice.accountId);
    expect(after.balance - before.balance).toBe(1500n * MICROS_PER_CREDIT);
    expect(await transfersOf(purchase.id)).toEqual([
      { id: `purchase:${purchase.id}`, amount: 1500n * MICROS_PER_CREDIT },
    ]);
    expect(await auditLedger(t.ctx.db)).toEqual({ ok: true, problems: [] });
    expect(arrived.filter((e) => e.source === `purchase:${purchase.id}`)).toEqual([
      { accountId: alice.accountId, micros: 1500n * MICROS_PER_CREDIT, source: `purchase:${purchase.id}` },
    ]);
  });

  it('shows the credits in the balance and the purchase as credited to the customer', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '100' });
    const before = (await get(t, '/api/v1/balance', alice)).json();
    expect((await markPaid(purchase.id)).statusCode).toBe(200);
    const after = (await get(t, '/api/v1/balance', alice)).json();
    expect(Number(after.credits) - Number(before.credits)).toBe(100);
    expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().status).toBe('credited');
  });

  it('settles a card payment reported many times concurrently exactly once', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '700', paymentMethod: 'card' });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id;
    const before = await balanceOf(t, alice.accountId);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        settlePaid(t.ctx, id, { paidAt: new Date(), method: 'card', providerRef: 'pi_1' }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'credited')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already_credited')).toHaveLength(11);
    expect((await balanceOf(t, alice.accountId)).balance - before.balance).toBe(700n * MICROS_PER_CREDIT);
    expect(await transfersOf(id)).toHaveLength(1);
    expect(await auditLedger(t.ctx.db)).toMatchObject({ ok: true });
  });

  it('never fails a settled purchase: a failure reported after success changes nothing', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '200', paymentMethod: 'card' });
    const id = res.json().id;
    await settlePaid(t.ctx, id, { paidAt: new Date(), method: 'card', providerRef: 'pi_2' });
    const failed = await markFailed(t.ctx, id, 'card_declined');
    expect(failed.outcome).toBe('unchanged');
    const stored = await getPurchase(t.ctx.db, id);
    expect(stored).toMatchObject({ status: 'credited', failedAt: null, failureReason: null });
  });

  it('credits a payment that succeeds after an earlier attempt failed (any order converges)', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '300', paymentMethod: 'card' });
    const id = res.json().id;
    expect((await markFailed(t.ctx, id, 'card_declined')).outcome).toBe('failed');
    expect((await markFailed(t.ctx, id, 'card_declined')).outcome).toBe('unchanged');
    expect((await get(t, `/api/v1/purchases/${id}`, alice)).json()).toMatchObject({
      status: 'failed',
      failureReason: 'card_declined',
    });
    const before = await balanceOf(t, alice.accountId);
    const [a, b] = await Promise.all([
      settlePaid(t.ctx, id, { paidAt: new Date(), method: 'card', providerRef: 'pi_3' }),
      markFailed(t.ctx, id, 'late_decline'),
    ]);
    expect(a.outcome).toBe('credited');
    expect(b.outcome).toBe('unchanged');
    expect((await balanceOf(t, alice.accountId)).balance - before.balance).toBe(300n * MICROS_PER_CREDIT);
    expect((await getPurchase(t.ctx.db, id))?.status).toBe('credited');
  });

  it('answers not_found for a purchase that does not exist', async () => {
    expect(
      await settlePaid(t.ctx, 'pur_nothing', { paidAt: new Date(), method: 'card', providerRef: null }),
    ).toEqual({
      outcome: 'not_found',
    });
    expect(await markFailed(t.ctx, 'pur_nothing', 'x')).toEqual({ outcome: 'not_found' });
    expect((await markPaid('pur_nothing')).statusCode).toBe(404);
  });

  it('keeps the tax decided when the order was made, even if the billing data changes before payment', async () => {
    const bob = await readyCustomer(t);
    const purchase = await buyByTransfer(t, bob, { credits: '1000' });
    const moved = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: bob.headers,
      payload: {
        ...BILLING,
        vatId: null,
        address: { ...BILLING.address, city: 'Boston', postalCode: '02108', country: 'US' },
        mobile: bob.mobile,
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const paid = await markPaid(purchase.id);
    expect(paid.json()).toMatchObject({ tax: purchase.tax, total: purchase.total });
  });

  it('lets an operator credit an expired or canceled bank transfer when the money did arrive', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '100' });
    expect((await post(t, `/api/v1/purchases/${purchase.id}/cancel`, alice)).statusCode).toBe(200);
    const res = await markPaid(purchase.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('credited');
  });

  it('refuses to mark a card purchase paid by hand, a paidAt in the future, and bad bodies', async () => {
    const card = await post(t, '/api/v1/purchases', alice, { credits: '100', paymentMethod: 'card' });
    const res = await markPaid(card.json().id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details.paymentMethod).toBe('card');
    const purchase = await buyByTransfer(t, alice);
    const future = await markPaid(purchase.id, ops, {
      paidAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.statusCode).toBe(400);
    expect((await markPaid(purchase.id, ops, { paidAt: 'yesterday' })).statusCode).toBe(400);
    expect((await markPaid(purchase.id, ops, { bankReference: '' })).statusCode).toBe(400);
    expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().status).toBe('awaiting_payment');
  });

  it('is the operators’ alone: a customer cannot mark paid (403), nobody at all is 401', async () => {
    const purchase = await buyByTransfer(t, alice);
    expect((await markPaid(purchase.id, alice)).statusCode).toBe(403);
    expect((await markPaid(purchase.id, null)).statusCode).toBe(401);
    expect((await get(t, '/api/v1/admin/purchases', alice)).statusCode).toBe(403);
    expect((await get(t, `/api/v1/admin/purchases/${purchase.id}`, null)).statusCode).toBe(401);
    expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().status).toBe('awaiting_payment');
  });

  it('gives operators every account’s purchases, filtered', async () => {
    const purchase = await buyByTransfer(t, alice);
    const list = await get(
      t,
      `/api/v1/admin/purchases?accountId=${alice.accountId}&status=awaiting_payment&limit=500`,
      ops,
    );
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((p: { id: string }) => p.id)).toContain(purchase.id);
    for (const p of list.json().data)
      expect(p).toMatchObject({ accountId: alice.accountId, status: 'awaiting_payment' });
    const one = await get(t, `/api/v1/admin/purchases/${purchase.id}`, ops);
    expect(one.json()).toMatchObject({ id: purchase.id, accountId: alice.accountId, refunds: [] });
  });
});
