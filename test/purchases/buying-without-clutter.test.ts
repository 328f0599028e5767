// Buying without clutter: "Confirm and pay" again for the same quote goes back to the open card
// checkout instead of making another order; a declined card leaves one order, which can be paid
// again with another card (the new order takes its place in the list); orders that have awaited
// payment for more than a day are canceled in one request; the card that paid is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/http/errors.js';
import { markFailed, settlePaid } from '../../src/purchases/settle.js';
import { registerPaymentProvider } from '../../src/purchases/providers/registry.js';
import { type Customer, readyCustomer } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { buyByTransfer, get, post } from './helpers.js';

const DECLINING_CARD = 'pm_declines';

describe('buying without clutter', () => {
  let t: TestApp;
  let alice: Customer;
  let bob: Customer;
  const started: string[] = [];
  const canceled: string[] = [];
  let keys = 0;

  const buy = (who: Customer, body: Record<string, unknown>) =>
    post(t, '/api/v1/purchases', who, body, { 'idempotency-key': `k-${keys++}` });
  const list = async (who: Customer) =>
    ((await get(t, '/api/v1/purchases?limit=500', who)).json() as { data: { id: string; status: string }[] })
      .data;

  beforeAll(async () => {
    t = await createTestApp();
    // A card provider: a checkout page for a new card, a decline for one saved card.
    registerPaymentProvider(t.ctx, {
      id: 'fake_card',
      method: 'card',
      async startPayment(ctx, input) {
        started.push(input.purchase.id);
        if (input.cardId === DECLINING_CARD) {
          await markFailed(ctx, input.purchase.id, 'card_declined');
          throw new AppError('payment_failed', 'Your card was declined.', { reason: 'card_declined' });
        }
        return {
          providerRef: `cs_${input.purchase.id}`,
          checkoutUrl: `https://pay.example/checkout/${input.purchase.id}`,
          status: 'checkout',
        };
      },
      async cancelPayment(_ctx, purchase) {
        canceled.push(purchase.id);
      },
      async refund() {
        return { status: 'succeeded', providerRef: 're_x' };
      },
    });
    [alice, bob] = await Promise.all([readyCustomer(t), readyCustomer(t)]);
  });
  afterAll(() => t.close());

  it('answers "Confirm and pay" again for the same quote with the open card checkout', async () => {
    const first = await buy(alice, { packId: 'pack-1000', paymentMethod: 'card', saveCard: true });
    expect(first.statusCode, first.body).toBe(201);
    const again = await buy(alice, { packId: 'pack-1000', paymentMethod: 'card', saveCard: true });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.json().card.checkoutUrl).toBe(first.json().card.checkoutUrl);
    expect(started.filter((id) => id === first.json().id)).toHaveLength(1);

    // Another quote, another choice about the card, another account: each its own order.
    const other = await buy(alice, { packId: 'pack-5000', paymentMethod: 'card', saveCard: true });
    const unsaved = await buy(alice, { packId: 'pack-1000', paymentMethod: 'card' });
    const bobs = await buy(bob, { packId: 'pack-1000', paymentMethod: 'card', saveCard: true });
    const ids = [first, other, unsaved, bobs].map((r) => r.json().id);
    expect(new Set(ids).size).toBe(4);

    // Canceled, it is not offered again.
    expect((await post(t, `/api/v1/purchases/${first.json().id}/cancel`, alice, {})).statusCode).toBe(200);
    const fresh = await buy(alice, { packId: 'pack-1000', paymentMethod: 'card', saveCard: true });
    expect(fresh.json().id).not.toBe(first.json().id);
    // A bank transfer is never folded into an open order: each has its own reference.
    const a = await buyByTransfer(t, alice, { packId: 'pack-1000' });
    const b = await buyByTransfer(t, alice, { packId: 'pack-1000' });
    expect(a.id).not.toBe(b.id);
  });

  it('leaves one order for a declined card, which another card pays again in its place', async () => {
    const declined = await buy(alice, { credits: '2500', paymentMethod: 'card', cardId: DECLINING_CARD });
    expect(declined.statusCode).toBe(402);
    const failedId = declined.json().error.details.purchaseId as string;
    expect(failedId).toMatch(/^pur_/);
    expect((await get(t, `/api/v1/purchases/${failedId}`, alice)).json()).toMatchObject({
      status: 'failed',
      replacedBy: null,
    });

    const retry = await buy(alice, { credits: '2500', paymentMethod: 'card', retryOf: failedId });
    expect(retry.statusCode, retry.body).toBe(201);
    const newId = retry.json().id as string;
    expect(retry.json().card.checkoutUrl).toContain(newId);
    expect((await get(t, `/api/v1/purchases/${failedId}`, alice)).json().replacedBy).toBe(newId);
    // The list shows the order in its place, not the declined one.
    const ids = (await list(alice)).map((p) => p.id);
    expect(ids).toContain(newId);
    expect(ids).not.toContain(failedId);

    // Once only; only a failed card order; only one's own.
    const twice = await buy(alice, { credits: '2500', paymentMethod: 'card', retryOf: failedId });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.details.reason).toBe('not_retryable');
    expect((await buy(alice, { credits: '2500', paymentMethod: 'card', retryOf: newId })).statusCode).toBe(
      409,
    );
    const bobTries = await buy(bob, { credits: '2500', paymentMethod: 'card', retryOf: failedId });
    expect(bobTries.statusCode).toBe(404);
    const byTransfer = await buy(alice, {
      credits: '2500',
      paymentMethod: 'bank_transfer',
      retryOf: failedId,
    });
    expect(byTransfer.statusCode).toBe(400);
    expect(byTransfer.json().error.details.fields[0].path).toBe('body.retryOf');
  });

  it('cancels every order awaiting payment for more than a day in one request', async () => {
    const carol = await readyCustomer(t);
    const old1 = await buyByTransfer(t, carol, { packId: 'pack-1000' });
    const old2 = (await buy(carol, { packId: 'pack-5000', paymentMethod: 'card' })).json();
    const realNow = t.ctx.now;
    t.ctx.now = () => new Date(Date.now() + 25 * 60 * 60 * 1000);
    try {
      const recent = await buyByTransfer(t, carol, { packId: 'pack-5000' });
      const bobs = await buyByTransfer(t, bob, { packId: 'pack-1000' });
      const res = await post(t, '/api/v1/purchases/cancel-stale', carol, {});
      expect(res.statusCode, res.body).toBe(200);
      expect([...res.json().canceled].sort()).toEqual([old1.id, old2.id].sort());
      expect(canceled).toContain(old2.id);
      const statuses = Object.fromEntries((await list(carol)).map((p) => [p.id, p.status]));
      expect(statuses).toMatchObject({
        [old1.id]: 'canceled',
        [old2.id]: 'canceled',
        [recent.id]: 'awaiting_payment',
      });
      expect((await get(t, `/api/v1/purchases/${bobs.id}`, bob)).json().status).toBe('awaiting_payment');
      // Nothing left to cancel: an empty answer, not an error.
      expect((await post(t, '/api/v1/purchases/cancel-stale', carol, {})).json()).toEqual({ canceled: [] });
    } finally {
      t.ctx.now = realNow;
    }
  });

  it('names the card that paid, on the purchase and in the transactions', async () => {
    const order = (await buy(bob, { packId: 'pack-5000', paymentMethod: 'card' })).json();
    const settled = await settlePaid(t.ctx, order.id, {
      paidAt: t.ctx.now(),
      method: 'card',
      providerRef: `pi_${order.id}`,
      cardLast4: '4242',
    });
    expect(settled.outcome).toBe('credited');
    expect((await get(t, `/api/v1/purchases/${order.id}`, bob)).json().card).toMatchObject({ last4: '4242' });
    const txs = (await get(t, '/api/v1/transactions?type=purchase', bob)).json().data as {
      reference: string;
      description: string;
    }[];
    expect(txs.find((x) => x.reference === order.id)?.description).toBe(
      '5,000 credits — pack, card ending 4242',
    );
    // An automatic refill says so.
    await t.ctx.db.query(`update purchases set source = 'auto_refill' where id = $1`, [order.id]);
    const again = (await get(t, '/api/v1/transactions?type=purchase&group=campaign_day', bob)).json()
      .data as { reference: string; description: string }[];
    expect(again.find((x) => x.reference === order.id)?.description).toBe(
      '5,000 credits — automatic refill, pack, card ending 4242',
    );
  });
});
