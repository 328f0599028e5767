// Stripe answering 500, or not at all: every call is retried with the same idempotency key, so
// nothing is charged twice; a charge whose answer never came is found again (same key) by the
// re-reads and the worker, without webhooks.
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stripeOf } from '../../../src/purchases/providers/stripe/client.js';
import { convergeCardPayments } from '../../../src/purchases/providers/stripe/jobs.js';
import { type Customer, readyCustomer } from '../../helpers/accounts.js';
import {
  balanceOf,
  buy,
  charges,
  expectLedgerClean,
  paymentIntentIds,
  purchaseOf,
  saveCardViaSetup,
  type StripeTest,
  startStripeTest,
  storedPurchase,
  submitCheckout,
} from './helpers.js';

/** The client's timeout per call here: short, yet long enough for a loaded test machine. */
const TIMEOUT_MS = 2_000;

let s: StripeTest;
let requests: { method: string; path: string; key: string | undefined }[] = [];

beforeAll(async () => {
  // Short client timeouts, so a hanging Stripe is given up on quickly.
  s = await startStripeTest({
    env: { STRIPE_TIMEOUT_MS: String(TIMEOUT_MS), STRIPE_MAX_NETWORK_RETRIES: '2' },
  });
  stripeOf(s.t.ctx).on('request', (event: Stripe.RequestEvent) => {
    requests.push({ method: event.method, path: event.path, key: event.idempotency_key });
  });
});
afterAll(() => s.close());
afterEach(async () => {
  s.t.ctx.now = () => new Date();
  await s.sandbox.control.releaseEvents();
  await s.sandbox.control.settle();
  s.sandbox.control.reset();
  requests = [];
  await expectLedgerClean(s);
});

/**
 * Makes the next `count` calls to Stripe's `path` fail, starting with the next one made. The
 * webhooks are held meanwhile, so that no re-read of theirs takes one of the failures.
 */
function failCallsTo(path: string, count: number, when: 'before' | 'after') {
  s.sandbox.control.holdEvents();
  const listener = (event: Stripe.RequestEvent) => {
    if (event.method !== 'POST' || event.path !== path) return;
    stripeOf(s.t.ctx).off('request', listener);
    s.sandbox.control.failNextRequests(count, { when });
  };
  stripeOf(s.t.ctx).on('request', listener);
}

async function withCard(): Promise<{ who: Customer; cardId: string }> {
  const who = await readyCustomer(s.t);
  return { who, cardId: await saveCardViaSetup(s, who, '4242424242424242') };
}

function creates(): string[] {
  return requests
    .filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents')
    .map((r) => r.key ?? '(none)');
}

describe('a saved-card charge when Stripe answers 500', () => {
  it('500 before running: retried with the same key, charged and credited once', async () => {
    const { who, cardId } = await withCard();
    const before = charges(s);
    failCallsTo('/v1/payment_intents', 2, 'before');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().status).toBe('credited');
    expect(creates()).toEqual(Array(3).fill(`purchase:${res.json().id}`));
    expect(charges(s) - before).toBe(1);
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('500 after running (the answer lost): the retry gets the saved result, no second charge', async () => {
    const { who, cardId } = await withCard();
    const before = charges(s);
    const intentsBefore = paymentIntentIds(s).size;
    failCallsTo('/v1/payment_intents', 2, 'after');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().status).toBe('credited');
    expect(new Set(creates())).toEqual(new Set([`purchase:${res.json().id}`]));
    expect(creates()).toHaveLength(3);
    expect(charges(s) - before).toBe(1);
    expect(paymentIntentIds(s).size - intentsBefore).toBe(1);
  });

  it('every attempt lost: answered as processing, then found again under the same key, charged once', async () => {
    const { who, cardId } = await withCard();
    const before = charges(s);
    // Three attempts (one and two retries), each run by Stripe with its answer lost.
    failCallsTo('/v1/payment_intents', 3, 'after');
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect(res.json()).toMatchObject({ status: 'awaiting_payment', card: { status: 'processing' } });
    expect(await storedPurchase(s, id)).toMatchObject({ provider_ref: null, status: 'awaiting_payment' });
    // Looking at it asks again with the same key: Stripe answers with the charge it made.
    expect((await purchaseOf(s, who, id)).status).toBe('credited');
    expect(new Set(creates())).toEqual(new Set([`purchase:${id}`]));
    expect(charges(s) - before).toBe(1);
    expect(await balanceOf(s, who)).toBe('1000');
  });
});

describe('Stripe not answering in time', () => {
  it('a Checkout Session create that times out is retried with the same key: one session', async () => {
    const who = await readyCustomer(s.t);
    // The customer exists at Stripe from here on (another pack: the same one would reuse this order).
    await buy(s, who, { packId: 'pack-5000' });
    requests = [];
    s.sandbox.control.holdEvents();
    // Longer than the client waits, shorter than its retries take: a retry meets the first
    // request's result (or Stripe's 409 while it still runs, then the result).
    s.sandbox.control.hangNextRequests(1, TIMEOUT_MS + 300);
    const res = await buy(s, who);
    expect(res.statusCode, res.body).toBe(201);
    const sessions = requests.filter((r) => r.path === '/v1/checkout/sessions');
    expect(sessions.length).toBeGreaterThan(1);
    expect(new Set(sessions.map((r) => r.key))).toEqual(new Set([`purchase:${res.json().id}`]));
    await submitCheckout(res.json().card.checkoutUrl, { number: '4242424242424242' });
    await s.sandbox.control.releaseEvents();
    await s.sandbox.control.settle();
    expect((await storedPurchase(s, res.json().id)).status).toBe('credited');
  });

  it('a saved-card charge that hangs past every retry is converged later: charged once', async () => {
    const { who, cardId } = await withCard();
    const before = charges(s);
    s.sandbox.control.holdEvents();
    const listener = (event: Stripe.RequestEvent) => {
      if (event.method === 'POST' && event.path === '/v1/payment_intents') {
        stripeOf(s.t.ctx).off('request', listener);
        s.sandbox.control.hangNextRequests(3, TIMEOUT_MS + 1_000);
      }
    };
    stripeOf(s.t.ctx).on('request', listener);
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect(res.json().status).toBe('awaiting_payment');
    // The last attempt, given up on by the client, is still running at Stripe: let it finish.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 1_100));
    await s.sandbox.control.settle();
    expect((await purchaseOf(s, who, id)).status).toBe('credited');
    expect(charges(s) - before).toBe(1);
    expect(await balanceOf(s, who)).toBe('1000');
  });
});

describe('the worker converges without webhooks', () => {
  it('a paid checkout whose events never come is credited by the worker’s re-read', async () => {
    const who = await readyCustomer(s.t);
    const res = await buy(s, who);
    const id = res.json().id as string;
    s.sandbox.control.holdEvents();
    await submitCheckout(res.json().card.checkoutUrl, { number: '4242424242424242' });
    // Not yet due (a minute after the purchase): nothing is read.
    expect((await convergeCardPayments(s.t.ctx)).checked).toBe(0);
    s.t.ctx.now = () => new Date(Date.now() + 61_000);
    const run = await convergeCardPayments(s.t.ctx);
    expect(run).toMatchObject({ credited: 1 });
    expect((await storedPurchase(s, id)).status).toBe('credited');
    // A second run right after has nothing due; the late events change nothing.
    expect((await convergeCardPayments(s.t.ctx)).checked).toBe(0);
    await s.sandbox.control.releaseEvents();
    await s.sandbox.control.settle();
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('checks back off, and two workers at once never check one purchase twice', async () => {
    const who = await readyCustomer(s.t);
    const res = await buy(s, who);
    const id = res.json().id as string;
    const at = (ms: number) => () => new Date(Date.now() + ms);
    s.t.ctx.now = at(61_000);
    const checks = async () => {
      const { rows } = await s.t.ctx.db.query<{ checks: number }>(
        'select checks from stripe_payment_checks where purchase_id = $1',
        [id],
      );
      return rows[0]?.checks ?? 0;
    };
    const sessionReads = () =>
      requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/checkout/sessions/')).length;
    await Promise.all([
      convergeCardPayments(s.t.ctx),
      convergeCardPayments(s.t.ctx),
      convergeCardPayments(s.t.ctx),
    ]);
    expect(await checks()).toBe(1);
    const readsAfterFirst = sessionReads();
    // Due again a minute later; the next one only two minutes after that.
    s.t.ctx.now = at(61_000 + 61_000);
    await convergeCardPayments(s.t.ctx);
    expect(await checks()).toBe(2);
    s.t.ctx.now = at(61_000 + 61_000 + 61_000);
    await convergeCardPayments(s.t.ctx);
    expect(await checks()).toBe(2);
    s.t.ctx.now = at(61_000 + 61_000 + 121_000);
    await convergeCardPayments(s.t.ctx);
    expect(await checks()).toBe(3);
    expect(sessionReads()).toBeGreaterThanOrEqual(readsAfterFirst + 2);
    expect((await storedPurchase(s, id)).status).toBe('awaiting_payment');
  });

  it('a checkout session expired while nobody listened fails the purchase', async () => {
    const who = await readyCustomer(s.t);
    const res = await buy(s, who);
    const id = res.json().id as string;
    s.sandbox.control.holdEvents();
    await s.stripe.checkout.sessions.expire((await storedPurchase(s, id)).provider_ref ?? '');
    s.t.ctx.now = () => new Date(Date.now() + 61_000);
    expect(await convergeCardPayments(s.t.ctx)).toMatchObject({ failed: 1 });
    expect(await storedPurchase(s, id)).toMatchObject({
      status: 'failed',
      failure_reason: 'checkout_expired',
    });
    expect(await balanceOf(s, who)).toBe('0');
  });
});
