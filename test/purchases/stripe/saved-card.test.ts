// A saved card charged at once: POST /purchases with cardId answers with the outcome —
// credited (201), declined (402 payment_failed with the reason), or requires_action with the
// link to authenticate — and the purchase follows Stripe from there.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Customer, readyCustomer } from '../../helpers/accounts.js';
import {
  authenticate,
  balanceOf,
  buy,
  cardsOf,
  charges,
  expectLedgerClean,
  location,
  purchaseOf,
  saveCardViaSetup,
  type StripeTest,
  startStripeTest,
  storedPurchase,
  submitCheckout,
} from './helpers.js';

let s: StripeTest;

beforeAll(async () => {
  s = await startStripeTest();
});
afterAll(() => s.close());
afterEach(async () => {
  await s.sandbox.control.settle();
  s.sandbox.control.reset();
  await expectLedgerClean(s);
});

async function customerWithCard(number: string): Promise<{ who: Customer; cardId: string }> {
  const who = await readyCustomer(s.t);
  return { who, cardId: await saveCardViaSetup(s, who, number) };
}

describe('a saved card', () => {
  it('is charged at once: 201, credited, one charge, on the PaymentIntent for the total', async () => {
    const { who, cardId } = await customerWithCard('4242424242424242');
    const before = charges(s);
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'credited',
      card: { status: 'succeeded' },
      total: { amount: 6050 },
    });
    expect(body.card.checkoutUrl).toBeUndefined();
    expect(await balanceOf(s, who)).toBe('1000');
    expect(charges(s) - before).toBe(1);
    const intent = await s.stripe.paymentIntents.retrieve(
      (await storedPurchase(s, body.id)).provider_ref ?? '',
    );
    expect(intent).toMatchObject({
      amount: 6050,
      currency: 'eur',
      payment_method: cardId,
      status: 'succeeded',
      metadata: { purchase_id: body.id, account_id: who.accountId },
    });
    // The webhooks that follow change nothing.
    await s.sandbox.control.settle();
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('declined (0341, saved then declined): 402 payment_failed with the reason; failed, not credited', async () => {
    const { who, cardId } = await customerWithCard('4000000000000341');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'payment_failed',
      message: 'Your card was declined.',
      details: { reason: 'generic_decline' },
    });
    const { rows } = await s.t.ctx.db.query<{ id: string }>(
      'select id from purchases where account_id = $1',
      [who.accountId],
    );
    const [purchase] = rows;
    expect(await storedPurchase(s, purchase?.id ?? '')).toMatchObject({
      status: 'failed',
      failure_reason: 'generic_decline',
      provider_status: 'failed',
    });
    await s.sandbox.control.settle();
    expect(await balanceOf(s, who)).toBe('0');
  });

  it('declined, then the same Idempotency-Key again: the same 402, and the card is not tried twice', async () => {
    const { who, cardId } = await customerWithCard('4000000000000341');
    const first = await buy(s, who, { cardId, idempotencyKey: 'decline-once' });
    expect(first.statusCode, first.body).toBe(402);
    const attempts = charges(s, 'failed');
    expect(attempts).toBeGreaterThan(0);
    const again = await buy(s, who, { cardId, idempotencyKey: 'decline-once' });
    expect(again.statusCode, again.body).toBe(402);
    expect(again.json().error.code).toBe('payment_failed');
    expect(again.json().error.details).toEqual(first.json().error.details);
    expect(charges(s, 'failed')).toBe(attempts);
    const { rows } = await s.t.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from purchases where account_id = $1',
      [who.accountId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('insufficient funds (3178, saved through setup with 3D Secure): 402 with reason insufficient_funds', async () => {
    const { who, cardId } = await customerWithCard('4000008260003178');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'payment_failed',
      details: { reason: 'insufficient_funds' },
    });
    expect(await balanceOf(s, who)).toBe('0');
  });

  it('another account’s card is 404, and nothing is charged', async () => {
    const { cardId } = await customerWithCard('4242424242424242');
    const mallory = await readyCustomer(s.t);
    await saveCardViaSetup(s, mallory, '4242424242424242');
    const before = charges(s);
    const res = await buy(s, mallory, { cardId });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const unknown = await buy(s, mallory, { cardId: 'pm_doesnotexist' });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(charges(s)).toBe(before);
    expect(await balanceOf(s, mallory)).toBe('0');
  });
});

describe('authentication required (3184)', () => {
  async function challenged() {
    const { who, cardId } = await customerWithCard('4000002760003184');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'awaiting_payment', card: { status: 'requires_action' } });
    expect(body.card.checkoutUrl).toMatch(new RegExp(`^${s.sandbox.publicUrl}/authenticate/pi_`));
    return { who, id: body.id as string, link: body.card.checkoutUrl as string };
  }

  it('answers with the link; completed, the purchase is credited', async () => {
    const { who, id, link } = await challenged();
    const back = await authenticate(link, 'approve');
    const returned = new URL(location(back));
    expect(returned.origin + returned.pathname).toBe(`http://portal.test/purchases/${id}`);
    expect(returned.searchParams.get('checkout')).toBe('return');
    await s.sandbox.control.settle();
    expect(await purchaseOf(s, who, id)).toMatchObject({ status: 'credited', card: { status: 'succeeded' } });
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('failed, the purchase fails and nothing is credited', async () => {
    const { who, id, link } = await challenged();
    await authenticate(link, 'fail');
    await s.sandbox.control.settle();
    expect(await storedPurchase(s, id)).toMatchObject({
      status: 'failed',
      failure_reason: 'payment_intent_authentication_failure',
    });
    expect((await purchaseOf(s, who, id)).card.status).toBe('failed');
    expect(await balanceOf(s, who)).toBe('0');
  });

  it('completed while the webhooks are held: looking at the purchase credits it', async () => {
    const { who, id, link } = await challenged();
    s.sandbox.control.holdEvents();
    await authenticate(link, 'approve');
    expect((await purchaseOf(s, who, id)).status).toBe('credited');
    await s.sandbox.control.releaseEvents();
    await s.sandbox.control.settle();
    expect(await balanceOf(s, who)).toBe('1000');
  });
});

describe('saving a card while paying, then paying with it', () => {
  it('the card saved at checkout is charged at once next time', async () => {
    const who = await readyCustomer(s.t);
    const first = await buy(s, who, { saveCard: true });
    await submitCheckout(first.json().card.checkoutUrl, { number: '4242424242424242' });
    await s.sandbox.control.settle();
    const [card] = await cardsOf(s, who);
    expect(card).toMatchObject({ last4: '4242', default: true });
    const second = await buy(s, who, { cardId: card?.id, packId: 'pack-5000' });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().status).toBe('credited');
    expect(await balanceOf(s, who)).toBe('6000');
  });
});
