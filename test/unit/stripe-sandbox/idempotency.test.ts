// Idempotency keys and the request switches, through the real SDK and its retries: a lost
// response or a timeout is retried with the same key and nothing is charged twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const CHARGE = {
  amount: 2000,
  currency: 'eur',
  payment_method: 'pm_card_visa',
  confirm: true,
  metadata: { order_id: 'order_7' },
};

function chargesMade(): number {
  return h.sandbox.control.events().filter((event) => event.type === 'charge.succeeded').length;
}

describe('Idempotency-Key', () => {
  it('the same key and parameters replay the first response, marked Idempotent-Replayed', async () => {
    const first = await h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'order_7' });
    const second = await h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'order_7' });
    expect(second.id).toBe(first.id);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(chargesMade()).toBe(1);
  });

  it('the same key with other parameters is an idempotency_error', async () => {
    await h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'order_8' });
    await expect(
      h.stripe.paymentIntents.create({ ...CHARGE, amount: 2100 }, { idempotencyKey: 'order_8' }),
    ).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
    await expect(h.stripe.customers.create({}, { idempotencyKey: 'order_8' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    });
  });

  it('a replayed decline answers the same 402 without charging again', async () => {
    const params = { ...CHARGE, payment_method: 'pm_card_chargeDeclined' };
    const first = await h.stripe.paymentIntents
      .create(params, { idempotencyKey: 'k1' })
      .catch((error: unknown) => error);
    const second = await h.stripe.paymentIntents
      .create(params, { idempotencyKey: 'k1' })
      .catch((error: unknown) => error);
    expect(first).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect(second).toMatchObject({ statusCode: 402, code: 'card_declined' });
    const failures = h.sandbox.control
      .events()
      .filter((event) => event.type === 'payment_intent.payment_failed');
    expect(failures).toHaveLength(1);
  });

  it('a parameter error keeps no result, so the key can be used again once the request is fixed', async () => {
    await expect(
      h.stripe.paymentIntents.create({ ...CHARGE, amount: 1 }, { idempotencyKey: 'k2' }),
    ).rejects.toMatchObject({ code: 'amount_too_small' });
    const fixed = await h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'k2' });
    expect(fixed.status).toBe('succeeded');
  });
});

describe('failing the next requests', () => {
  it('answers 500 before running: the SDK retries with the same key and the payment is made once', async () => {
    const stripe = h.client({ maxNetworkRetries: 2 });
    h.sandbox.control.failNextRequests(2);
    const intent = await stripe.paymentIntents.create(CHARGE);
    expect(intent.status).toBe('succeeded');
    expect(chargesMade()).toBe(1);
  });

  it('answers 500 after running (a lost response): the retry gets the saved result, no double charge', async () => {
    const stripe = h.client({ maxNetworkRetries: 2 });
    const keys: string[] = [];
    stripe.on('request', (request) => keys.push(String(request.idempotency_key)));
    h.sandbox.control.failNextRequests(2, { when: 'after' });
    const intent = await stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'order_9' });
    expect(keys).toEqual(['order_9', 'order_9', 'order_9']);
    expect(intent.status).toBe('succeeded');
    expect(intent.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(chargesMade()).toBe(1);
  });

  it('without retries the client sees the 500 as an api_error', async () => {
    h.sandbox.control.failNextRequests(1, { status: 503 });
    await expect(h.stripe.customers.create({})).rejects.toMatchObject({
      type: 'StripeAPIError',
      statusCode: 503,
    });
    expect((await h.stripe.customers.create({})).id).toMatch(/^cus_/);
  });
});

describe('an outage of the API', () => {
  it('answers every request 503 and runs none until it ends; the same key then runs once', async () => {
    h.sandbox.control.apiDown();
    for (let i = 0; i < 3; i++) {
      await expect(
        h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'during_outage' }),
      ).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 503 });
    }
    await expect(h.stripe.customers.create({})).rejects.toMatchObject({ statusCode: 503 });
    expect(chargesMade()).toBe(0);
    expect(h.sandbox.control.apiUp()).toBe(4);
    const intent = await h.stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'during_outage' });
    expect(intent.status).toBe('succeeded');
    expect(intent.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(chargesMade()).toBe(1);
  });

  it('is switched over HTTP too, with the status asked for, and reset() ends it', async () => {
    const call = (path: string, body: Record<string, string> = {}) =>
      fetch(`${h.sandbox.url}/_sandbox${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.sandbox.secretKey}` },
        body: new URLSearchParams(body),
      });
    expect((await call('/outage/start', { status: '404' })).status).toBe(400);
    const started = await call('/outage/start', { status: '502' });
    expect(await started.json()).toMatchObject({ requests: { down: true } });
    await expect(h.stripe.customers.create({})).rejects.toMatchObject({ statusCode: 502 });
    const ended = await call('/outage/end');
    expect(await ended.json()).toMatchObject({ refused: 1, requests: { down: false } });
    expect((await h.stripe.customers.create({})).id).toMatch(/^cus_/);
    h.sandbox.control.apiDown();
    h.sandbox.control.reset();
    expect((await h.stripe.customers.create({})).id).toMatch(/^cus_/);
  });
});

describe('hanging the next requests', () => {
  it('a client that times out retries with the same key; the payment is made once', async () => {
    const stripe = h.client({ maxNetworkRetries: 4, timeout: 300 });
    const keys: string[] = [];
    stripe.on('request', (request) => keys.push(String(request.idempotency_key)));
    h.sandbox.control.hangNextRequests(1, 1_200);
    const intent = await stripe.paymentIntents.create(CHARGE, { idempotencyKey: 'order_10' });
    expect(intent.status).toBe('succeeded');
    expect(chargesMade()).toBe(1);
    // The first attempt timed out; a retry arriving while it still ran met Stripe's 409.
    expect(keys.length).toBeGreaterThan(1);
    expect(new Set(keys)).toEqual(new Set(['order_10']));
  });

  it('a request whose key is still in progress answers 409 idempotency_error', async () => {
    const request = () =>
      fetch(`${h.sandbox.url}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.sandbox.secretKey}`,
          'idempotency-key': 'k3',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'email=ada%40example.com',
      });
    h.sandbox.control.hangNextRequests(1, 400);
    const first = request();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await request();
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { type: 'idempotency_error' } });
    expect((await first).status).toBe(200);
    const third = await request();
    expect(third.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a hanging request answers late but answers', async () => {
    h.sandbox.control.hangNextRequests(1, 200);
    const started = Date.now();
    await h.stripe.customers.create({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});
