// Refunds of card purchases (operators): the core takes the unused credits back, the provider
// sends the money back with a Stripe Refund of the purchase's PaymentIntent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, type Customer, readyCustomer, type Session } from '../../helpers/accounts.js';
import {
  balanceOf,
  buy,
  expectLedgerClean,
  saveCardViaSetup,
  type StripeTest,
  startStripeTest,
  storedPurchase,
} from './helpers.js';

let s: StripeTest;
let ops: Session;

beforeAll(async () => {
  s = await startStripeTest();
  ops = await adminSession(s.t);
});
afterAll(() => s.close());
afterEach(async () => {
  await s.sandbox.control.settle();
  s.sandbox.control.reset();
  await expectLedgerClean(s);
});

async function paidPurchase(): Promise<{ who: Customer; id: string; intent: string }> {
  const who = await readyCustomer(s.t);
  const cardId = await saveCardViaSetup(s, who, '4242424242424242');
  const res = await buy(s, who, { cardId });
  expect(res.json().status).toBe('credited');
  const id = res.json().id as string;
  return { who, id, intent: (await storedPurchase(s, id)).paid_reference ?? '' };
}

function refund(id: string, credits?: string, key = `refund-${id}-${credits ?? 'all'}`) {
  return s.t.app.inject({
    method: 'POST',
    url: `/api/v1/admin/purchases/${id}/refund`,
    headers: { ...ops.headers, 'idempotency-key': key },
    payload: credits === undefined ? {} : { credits },
  });
}

describe('refunding a card purchase', () => {
  it('creates a Stripe refund of its PaymentIntent for the money of the credits', async () => {
    const { who, id, intent } = await paidPurchase();
    const res = await refund(id, '400');
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'succeeded',
      credits: '400',
      total: { amount: 2420, currency: 'EUR' },
    });
    const { rows } = await s.t.ctx.db.query<{ provider_ref: string; status: string }>(
      'select provider_ref, status from purchase_refunds where purchase_id = $1',
      [id],
    );
    expect(rows).toEqual([{ provider_ref: expect.stringMatching(/^re_/), status: 'succeeded' }]);
    const stripeRefund = await s.stripe.refunds.retrieve(rows[0]?.provider_ref ?? '');
    expect(stripeRefund).toMatchObject({
      amount: 2420,
      currency: 'eur',
      payment_intent: intent,
      status: 'succeeded',
      metadata: { refund_id: body.id, purchase_id: id },
    });
    expect(await balanceOf(s, who)).toBe('600');

    // The rest: the two refunds add up to the payment exactly.
    const rest = await refund(id);
    expect(rest.statusCode, rest.body).toBe(201);
    expect(rest.json()).toMatchObject({ status: 'succeeded', total: { amount: 3630 } });
    const charge = await s.stripe.charges.retrieve(
      String((await s.stripe.paymentIntents.retrieve(intent)).latest_charge),
    );
    expect(charge).toMatchObject({ amount_refunded: 6050, refunded: true });
    expect(await balanceOf(s, who)).toBe('0');
  });

  it('the same Idempotency-Key refunds once, at Stripe too', async () => {
    const { id, intent } = await paidPurchase();
    const [first, second] = [await refund(id, '100', 'same-key'), await refund(id, '100', 'same-key')];
    expect(first.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    const charge = await s.stripe.charges.retrieve(
      String((await s.stripe.paymentIntents.retrieve(intent)).latest_charge),
    );
    expect(charge.amount_refunded).toBe(605);
  });

  it('a refund whose answer was lost is completed from its webhook, re-read from Stripe', async () => {
    const { id, intent } = await paidPurchase();
    s.sandbox.control.holdEvents();
    // Every attempt of refunds.create runs at Stripe, and every answer is lost.
    s.sandbox.control.failNextRequests(3, { when: 'after' });
    const res = await refund(id, '1000');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'pending' });
    const charge = await s.stripe.charges.retrieve(
      String((await s.stripe.paymentIntents.retrieve(intent)).latest_charge),
    );
    expect(charge.amount_refunded).toBe(6050);
    await s.sandbox.control.releaseEvents();
    await s.sandbox.control.settle();
    const { rows } = await s.t.ctx.db.query<{
      status: string;
      provider_ref: string | null;
      failure_reason: string | null;
    }>('select status, provider_ref, failure_reason from purchase_refunds where purchase_id = $1', [id]);
    expect(rows).toEqual([
      { status: 'succeeded', provider_ref: expect.stringMatching(/^re_/), failure_reason: null },
    ]);
  });

  it('the events production sends around a payment and a refund reach the handler and change nothing twice', async () => {
    const { who, id } = await paidPurchase();
    const res = await refund(id, '1000');
    expect(res.statusCode, res.body).toBe(201);
    await s.sandbox.control.settle();
    const { rows } = await s.t.ctx.db.query<{ type: string; processed: boolean; last_error: string | null }>(
      `select type, processed_at is not null as processed, last_error from stripe_events
        where type in ('setup_intent.created', 'payment_intent.created', 'charge.updated',
                       'refund.updated', 'charge.refund.updated')`,
    );
    const types = new Set(rows.map((row) => row.type));
    for (const type of [
      'setup_intent.created',
      'payment_intent.created',
      'charge.updated',
      'refund.updated',
      'charge.refund.updated',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(rows.filter((row) => !row.processed || row.last_error !== null)).toEqual([]);
    // Credited once, refunded once: the updates are signals, not new money.
    const refunds = await s.t.ctx.db.query<{ status: string }>(
      'select status from purchase_refunds where purchase_id = $1',
      [id],
    );
    expect(refunds.rows).toEqual([{ status: 'succeeded' }]);
    expect((await storedPurchase(s, id)).status).toBe('credited');
    expect(await balanceOf(s, who)).toBe('0');
  });
});
