// A new card through Stripe Checkout: the hosted page paid with Stripe's test cards, the
// purchase credited once by the webhooks (or by a re-read), whatever order and however many
// times the events arrive.
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

async function checkout(who: Customer, options: { saveCard?: boolean } = {}) {
  const res = await buy(s, who, options);
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  expect(body).toMatchObject({
    status: 'awaiting_payment',
    paymentMethod: 'card',
    card: { status: 'checkout' },
  });
  expect(body.card.checkoutUrl).toMatch(new RegExp(`^${s.sandbox.publicUrl}/checkout/cs_test_`));
  return { id: body.id as string, url: body.card.checkoutUrl as string, total: body.total };
}

describe('a card purchase with a new card', () => {
  it('is a Checkout Session for the total with tax, and 4242 credits it once', async () => {
    const alice = await readyCustomer(s.t);
    const purchase = await checkout(alice);
    const ref = (await storedPurchase(s, purchase.id)).provider_ref ?? '';
    const session = await s.stripe.checkout.sessions.retrieve(ref, { expand: ['payment_intent'] });
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: purchase.total.amount,
      currency: purchase.total.currency.toLowerCase(),
      client_reference_id: purchase.id,
      metadata: { purchase_id: purchase.id },
      success_url: `http://portal.test/purchases/${purchase.id}?checkout=success`,
      cancel_url: `http://portal.test/purchases/${purchase.id}?checkout=cancel`,
    });
    expect(purchase.total).toEqual({ amount: 6050, currency: 'EUR' });

    const paid = await submitCheckout(purchase.url, { number: '4242 4242 4242 4242' });
    expect(location(paid)).toBe(`http://portal.test/purchases/${purchase.id}?checkout=success`);
    await s.sandbox.control.settle();

    const stored = await storedPurchase(s, purchase.id);
    expect(stored).toMatchObject({ status: 'credited', provider_status: 'succeeded' });
    expect(stored.paid_reference).toMatch(/^pi_/);
    expect(await balanceOf(s, alice)).toBe('1000');
    expect(await cardsOf(s, alice)).toEqual([]);
  });

  it('with saveCard, the card is listed afterwards as the default', async () => {
    const bob = await readyCustomer(s.t);
    const purchase = await checkout(bob, { saveCard: true });
    await submitCheckout(purchase.url, { number: '5555 5555 5555 4444', expiry: '08 / 31' });
    await s.sandbox.control.settle();
    expect((await purchaseOf(s, bob, purchase.id)).status).toBe('credited');
    const cards = await cardsOf(s, bob);
    expect(cards).toEqual([
      {
        id: expect.stringMatching(/^pm_/),
        brand: 'mastercard',
        last4: '4444',
        expMonth: 8,
        expYear: 2031,
        default: true,
      },
    ]);
  });

  it('a declined first attempt on the page, then a good card: credited once', async () => {
    const carol = await readyCustomer(s.t);
    const purchase = await checkout(carol);
    const declined = await submitCheckout(purchase.url, { number: '4000 0000 0000 0002' });
    expect(declined.status).toBe(402);
    await s.sandbox.control.settle();
    // A decline on the page is not the end: the customer may try another card.
    expect(await storedPurchase(s, purchase.id)).toMatchObject({
      status: 'awaiting_payment',
      provider_status: 'checkout',
    });

    await submitCheckout(purchase.url, { number: '4242424242424242' });
    await s.sandbox.control.settle();
    expect((await storedPurchase(s, purchase.id)).status).toBe('credited');
    expect(await balanceOf(s, carol)).toBe('1000');
  });

  it('3D Secure on the page (3184): approved, credited', async () => {
    const dave = await readyCustomer(s.t);
    const purchase = await checkout(dave);
    const challenge = await submitCheckout(purchase.url, { number: '4000 0027 6000 3184' });
    expect(location(challenge)).toContain('/authenticate/');
    await s.sandbox.control.settle();
    expect((await storedPurchase(s, purchase.id)).status).toBe('awaiting_payment');
    await authenticate(location(challenge), 'approve');
    await s.sandbox.control.settle();
    expect((await storedPurchase(s, purchase.id)).status).toBe('credited');
    expect(await balanceOf(s, dave)).toBe('1000');
  });
});

describe('events as a signal', () => {
  it('the same event delivered 10 times at once credits once', async () => {
    const erin = await readyCustomer(s.t);
    const purchase = await checkout(erin);
    s.sandbox.control.duplicateDeliveries(10);
    await submitCheckout(purchase.url, { number: '4242424242424242' });
    await s.sandbox.control.settle();
    expect((await storedPurchase(s, purchase.id)).status).toBe('credited');
    expect(await balanceOf(s, erin)).toBe('1000');
    const intentId = (await storedPurchase(s, purchase.id)).paid_reference;
    const { rows } = await s.t.ctx.db.query<{ id: string; attempts: number; processed: boolean }>(
      `select id, attempts, processed_at is not null as processed from stripe_events
        where type = 'payment_intent.succeeded' and object_id = $1`,
      [intentId],
    );
    expect(rows).toEqual([{ id: expect.stringMatching(/^evt_/), attempts: 1, processed: true }]);
    const copies = s.sandbox.control.deliveries().filter((d) => d.eventId === rows[0]?.id);
    expect(copies.map((d) => d.status)).toEqual(Array(10).fill(200));
  });

  it('payment_failed of an earlier attempt arriving after the success changes nothing', async () => {
    const frank = await readyCustomer(s.t);
    const purchase = await checkout(frank);
    s.sandbox.control.holdEvents();
    await submitCheckout(purchase.url, { number: '4000000000000002' });
    await submitCheckout(purchase.url, { number: '4242424242424242' });
    // Newest first: succeeded and completed arrive, then the earlier attempt's failure.
    await s.sandbox.control.releaseEvents('reverse');
    await s.sandbox.control.settle();
    const types = s.sandbox.control
      .deliveries()
      .filter((d) => d.type.startsWith('payment_intent.'))
      .map((d) => d.type);
    expect(types.indexOf('payment_intent.succeeded')).toBeLessThan(
      types.lastIndexOf('payment_intent.payment_failed'),
    );
    expect(await storedPurchase(s, purchase.id)).toMatchObject({
      status: 'credited',
      provider_status: 'succeeded',
    });
    expect(await balanceOf(s, frank)).toBe('1000');
    expect(charges(s)).toBeGreaterThanOrEqual(1);
  });

  it('without any webhook, looking at the purchase re-reads it and credits it', async () => {
    const grace = await readyCustomer(s.t);
    const purchase = await checkout(grace);
    s.sandbox.control.holdEvents();
    await submitCheckout(purchase.url, { number: '4242424242424242' });
    expect((await storedPurchase(s, purchase.id)).status).toBe('awaiting_payment');
    const seen = await purchaseOf(s, grace, purchase.id);
    expect(seen).toMatchObject({ status: 'credited', card: { status: 'succeeded' } });
    expect(await balanceOf(s, grace)).toBe('1000');
    // The held events, delivered late, change nothing.
    await s.sandbox.control.releaseEvents();
    await s.sandbox.control.settle();
    expect(await balanceOf(s, grace)).toBe('1000');
  });
});

describe('sessions that end unpaid', () => {
  it('an expired session fails the purchase; nothing is credited', async () => {
    const heidi = await readyCustomer(s.t);
    const purchase = await checkout(heidi);
    await submitCheckout(purchase.url, { number: '4000000000000002' });
    const ref = (await storedPurchase(s, purchase.id)).provider_ref ?? '';
    await s.stripe.checkout.sessions.expire(ref);
    await s.sandbox.control.settle();
    expect(await storedPurchase(s, purchase.id)).toMatchObject({
      status: 'failed',
      provider_status: 'failed',
      failure_reason: 'checkout_expired',
    });
    expect(await balanceOf(s, heidi)).toBe('0');
  });

  it('canceling the purchase closes its checkout page', async () => {
    const ivan = await readyCustomer(s.t);
    const purchase = await checkout(ivan);
    const res = await s.t.app.inject({
      method: 'POST',
      url: `/api/v1/purchases/${purchase.id}/cancel`,
      headers: ivan.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    await s.sandbox.control.settle();
    const ref = (await storedPurchase(s, purchase.id)).provider_ref ?? '';
    expect((await s.stripe.checkout.sessions.retrieve(ref)).status).toBe('expired');
    expect((await storedPurchase(s, purchase.id)).status).toBe('canceled');
    const page = await submitCheckout(purchase.url, { number: '4242424242424242' }).catch(
      (error: unknown) => error,
    );
    expect(page).toBeInstanceOf(Error);
    expect(await balanceOf(s, ivan)).toBe('0');
  });
});
