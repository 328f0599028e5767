// Refunds give back unused credits only (never spent or held ones, never more than the
// purchase granted), with money proportional to the credits; adjustments add or take credits
// by hand, never below zero available.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import { type CreditArrived, onCreditArrived } from '../../src/purchases/index.js';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  balanceOf,
  buyByTransfer,
  creditedPurchase,
  type FakeCardProvider,
  get,
  installFakeCardProvider,
  post,
} from './helpers.js';

describe('refunds and adjustments', () => {
  let t: TestApp;
  let ops: Session;
  let card: FakeCardProvider;

  beforeAll(async () => {
    t = await createTestApp();
    card = installFakeCardProvider(t.ctx);
    ops = await adminSession(t);
  });
  afterAll(() => t.close());

  const refund = (
    purchaseId: string,
    body: Record<string, unknown> | undefined,
    who: Session | null = ops,
    headers = {},
  ) => post(t, `/api/v1/admin/purchases/${purchaseId}/refund`, who, body, headers);
  const adjust = (
    accountId: string,
    body: Record<string, unknown>,
    who: Session | null = ops,
    headers = {},
  ) => post(t, `/api/v1/admin/accounts/${accountId}/adjustments`, who, body, headers);
  /** Spends credits as a message would (posted consumption). */
  const spend = async (accountId: string, credits: bigint) => {
    await t.ctx.ledger.apply([
      {
        type: 'transfer',
        id: `spend_${accountId}_${Date.now()}_${Math.random()}`,
        debit: accountId,
        credit: { system: 'consumption' },
        amount: credits * MICROS_PER_CREDIT,
        code: 'consumption',
      },
    ]);
  };

  describe('refunds', () => {
    let alice: Customer;
    beforeAll(async () => {
      alice = await readyCustomer(t);
    });

    it('refunds part of a purchase, then the rest, with money in proportion and adding up exactly', async () => {
      // 1000 credits: 50.00 + 10.50 VAT = 60.50 EUR.
      const purchase = await creditedPurchase(t, alice, '1000');
      const before = await balanceOf(t, alice.accountId);
      const part = await refund(purchase.id, { credits: '333' });
      expect(part.statusCode, part.body).toBe(201);
      expect(part.json()).toMatchObject({
        id: expect.stringMatching(/^rfd_/),
        purchaseId: purchase.id,
        accountId: alice.accountId,
        credits: '333',
        subtotal: { amount: 1665, currency: 'EUR' },
        tax: { rate: '21', amount: { amount: 350, currency: 'EUR' }, treatment: 'domestic' },
        total: { amount: 2015, currency: 'EUR' },
        paymentMethod: 'bank_transfer',
        status: 'to_be_paid_by_operator',
      });
      const rest = await refund(purchase.id, undefined);
      expect(rest.statusCode, rest.body).toBe(201);
      expect(rest.json()).toMatchObject({
        credits: '667',
        subtotal: { amount: 5000 - 1665 },
        tax: { amount: { amount: 1050 - 350 } },
        total: { amount: 6050 - 2015 },
      });
      const after = await balanceOf(t, alice.accountId);
      expect(before.balance - after.balance).toBe(1000n * MICROS_PER_CREDIT);
      const again = await refund(purchase.id, { credits: '1' });
      expect(again.statusCode).toBe(409);
      const view = (await get(t, `/api/v1/admin/purchases/${purchase.id}`, ops)).json();
      expect(view).toMatchObject({ status: 'credited', refundedCredits: '1000' });
      expect(view.refunds).toHaveLength(2);
      expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().refundedCredits).toBe('1000');
      const { rows } = await t.ctx.db.query(
        `select code, amount from ledger_transfers where reference = $1 order by seq`,
        [purchase.id],
      );
      expect(rows).toEqual([
        { code: 'purchase', amount: 1000n * MICROS_PER_CREDIT },
        { code: 'refund', amount: 333n * MICROS_PER_CREDIT },
        { code: 'refund', amount: 667n * MICROS_PER_CREDIT },
      ]);
      expect(await auditLedger(t.ctx.db)).toEqual({ ok: true, problems: [] });
    });

    it('refunds only unused credits: spent ones are refused with 402 and nothing changes', async () => {
      const bob = await readyCustomer(t);
      const purchase = await creditedPurchase(t, bob, '1000');
      await spend(bob.accountId, 900n);
      const tooMuch = await refund(purchase.id, undefined);
      expect(tooMuch.statusCode).toBe(402);
      expect(tooMuch.json().error).toMatchObject({
        code: 'insufficient_credit',
        details: { required: '1000', available: '100' },
      });
      const { rows } = await t.ctx.db.query('select id from purchase_refunds where purchase_id = $1', [
        purchase.id,
      ]);
      expect(rows).toEqual([]);
      const ok = await refund(purchase.id, { credits: '100' });
      expect(ok.statusCode, ok.body).toBe(201);
      expect((await balanceOf(t, bob.accountId)).balance).toBe(0n);
    });

    it('never refunds held credits', async () => {
      const carol = await readyCustomer(t);
      const purchase = await creditedPurchase(t, carol, '1000');
      await t.ctx.ledger.apply([
        {
          type: 'hold',
          id: `hold_${carol.accountId}`,
          debit: carol.accountId,
          credit: { system: 'consumption' },
          amount: 600n * MICROS_PER_CREDIT,
          code: 'consumption',
        },
      ]);
      expect((await refund(purchase.id, { credits: '401' })).statusCode).toBe(402);
      expect((await refund(purchase.id, { credits: '400' })).statusCode).toBe(201);
    });

    it('refuses more than the purchase granted, refunds of unpaid purchases, and bad amounts', async () => {
      const dave = await readyCustomer(t);
      const purchase = await creditedPurchase(t, dave, '1000');
      await creditedPurchase(t, dave, '5000');
      const over = await refund(purchase.id, { credits: '1000.5' });
      expect(over.statusCode).toBe(409);
      expect(over.json().error.details).toMatchObject({ refundable: '1000' });
      const unpaid = await buyByTransfer(t, dave);
      const notPaid = await refund(unpaid.id, undefined);
      expect(notPaid.statusCode).toBe(409);
      expect(notPaid.json().error.details.status).toBe('awaiting_payment');
      for (const credits of ['0', '-5', 'abc', '1.0000001']) {
        expect((await refund(purchase.id, { credits })).statusCode, credits).toBe(400);
      }
      expect((await refund('pur_unknown', undefined)).statusCode).toBe(404);
    });

    it('refunds a card purchase through the card provider', async () => {
      const erin = await readyCustomer(t);
      const res = await post(t, '/api/v1/purchases', erin, { credits: '1000', paymentMethod: 'card' });
      const { settlePaid } = await import('../../src/purchases/index.js');
      await settlePaid(t.ctx, res.json().id, { paidAt: new Date(), method: 'card', providerRef: 'pi_x' });
      const done = await refund(res.json().id, { credits: '500' });
      expect(done.statusCode, done.body).toBe(201);
      expect(done.json()).toMatchObject({
        paymentMethod: 'card',
        status: 'succeeded',
        total: { amount: 3025 },
      });
      expect(card.refunded).toContainEqual({ refundId: done.json().id, amount: 3025 });
    });

    it('answers a retried refund with the same Idempotency-Key once', async () => {
      const fay = await readyCustomer(t);
      const purchase = await creditedPurchase(t, fay, '1000');
      const key = { 'idempotency-key': `refund-${purchase.id}` };
      const [a, b] = await Promise.all([
        refund(purchase.id, { credits: '10' }, ops, key),
        refund(purchase.id, { credits: '10' }, ops, key),
      ]);
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(a.json().id).toBe(b.json().id);
      const { rows } = await t.ctx.db.query('select id from purchase_refunds where purchase_id = $1', [
        purchase.id,
      ]);
      expect(rows).toHaveLength(1);
    });

    it('is the operators’ alone', async () => {
      const gus = await readyCustomer(t);
      const purchase = await creditedPurchase(t, gus, '1000');
      expect((await refund(purchase.id, undefined, gus)).statusCode).toBe(403);
      expect((await refund(purchase.id, undefined, null)).statusCode).toBe(401);
      expect((await balanceOf(t, gus.accountId)).balance).toBe(1000n * MICROS_PER_CREDIT);
    });
  });

  describe('adjustments', () => {
    let hal: Customer;
    const arrived: CreditArrived[] = [];
    beforeAll(async () => {
      hal = await readyCustomer(t);
      onCreditArrived(t.ctx, (event) => {
        arrived.push(event);
      });
    });

    it('adds credits, with the reason and who did it, and tells credit.arrived', async () => {
      const res = await adjust(hal.accountId, { credits: '250.5', reason: 'goodwill for the outage' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        id: expect.stringMatching(/^adj_/),
        accountId: hal.accountId,
        credits: '250.5',
        reason: 'goodwill for the outage',
        transactionId: `adjustment:${res.json().id}`,
        createdBy: ops.userId,
        balance: { credits: '250.5', held: '0', available: '250.5' },
      });
      expect(arrived).toContainEqual({
        accountId: hal.accountId,
        micros: 250_500_000n,
        source: `adjustment:${res.json().id}`,
      });
    });

    it('takes credits, but never below zero available (402 with required and available)', async () => {
      const take = await adjust(hal.accountId, { credits: '-50.5', reason: 'double credit by mistake' });
      expect(take.statusCode, take.body).toBe(201);
      expect(take.json().balance.available).toBe('200');
      const tooMuch = await adjust(hal.accountId, { credits: '-200.000001', reason: 'too much' });
      expect(tooMuch.statusCode).toBe(402);
      expect(tooMuch.json().error).toMatchObject({
        code: 'insufficient_credit',
        details: { required: '200.000001', available: '200' },
      });
      const all = await adjust(hal.accountId, { credits: '-200', reason: 'close the account' });
      expect(all.json().balance).toEqual({ credits: '0', held: '0', available: '0' });
      expect(await auditLedger(t.ctx.db)).toMatchObject({ ok: true });
    });

    it('refuses zero, malformed credits and a missing reason (400), an unknown account (404)', async () => {
      for (const credits of ['0', '-0', '1.2345678', 'ten', '', '+5']) {
        expect((await adjust(hal.accountId, { credits, reason: 'x' })).statusCode, credits).toBe(400);
      }
      expect((await adjust(hal.accountId, { credits: '5' })).statusCode).toBe(400);
      expect((await adjust(hal.accountId, { credits: '5', reason: '' })).statusCode).toBe(400);
      expect((await adjust('acc_nobody', { credits: '5', reason: 'x' })).statusCode).toBe(404);
    });

    it('applies a retried adjustment once (Idempotency-Key), and refuses the key for another body', async () => {
      const key = { 'idempotency-key': 'adj-1' };
      const before = await balanceOf(t, hal.accountId);
      const first = await adjust(hal.accountId, { credits: '10', reason: 'retry me' }, ops, key);
      const second = await adjust(hal.accountId, { credits: '10', reason: 'retry me' }, ops, key);
      expect(second.statusCode).toBe(201);
      expect(second.json()).toEqual(first.json());
      expect((await balanceOf(t, hal.accountId)).balance - before.balance).toBe(10n * MICROS_PER_CREDIT);
      const other = await adjust(hal.accountId, { credits: '11', reason: 'retry me' }, ops, key);
      expect(other.statusCode).toBe(409);
      expect(other.json().error.code).toBe('idempotency_conflict');
    });

    it('is the operators’ alone', async () => {
      expect((await adjust(hal.accountId, { credits: '1000', reason: 'me' }, hal)).statusCode).toBe(403);
      expect((await adjust(hal.accountId, { credits: '1000', reason: 'me' }, null)).statusCode).toBe(401);
    });
  });
});
