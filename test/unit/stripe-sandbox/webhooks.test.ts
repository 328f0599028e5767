// Webhooks as an endpoint receives them: Stripe's event object, a signature the real SDK
// accepts, retries after a failure, and the switches for duplicates and out-of-order delivery.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../tools/stripe-sandbox/index.js';
import { type Harness, paymentSession, startHarness, submitCheckout } from './helpers.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

function pay(paymentMethod = 'pm_card_visa') {
  return h.stripe.paymentIntents.create(
    { amount: 2000, currency: 'eur', payment_method: paymentMethod, confirm: true },
    { idempotencyKey: `pay_${paymentMethod}_${Math.random()}` },
  );
}

describe('signed events', () => {
  it('sends Stripe event objects signed t=…,v1=… so constructEvent accepts them', async () => {
    const intent = await pay();
    const [event] = await h.receiver.waitFor('payment_intent.succeeded');
    const hook = h.receiver.received.find((received) => received.event.id === event?.id);
    expect(hook?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(event).toMatchObject({
      object: 'event',
      api_version: API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      type: 'payment_intent.succeeded',
      data: { object: { id: intent.id, object: 'payment_intent', status: 'succeeded' } },
      request: { id: intent.lastResponse.requestId, idempotency_key: expect.stringMatching(/^pay_/) },
    });
    expect(event?.id).toMatch(/^evt_/);
    expect(h.receiver.rejected).toEqual([]);

    const body = hook?.body ?? '';
    const signature = hook?.signature ?? '';
    expect(() =>
      Stripe.webhooks.constructEvent(body.replace('succeeded', 'failed'), signature, h.sandbox.webhookSecret),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => Stripe.webhooks.constructEvent(body, signature, 'whsec_wrong')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('a payment sends what Stripe sends: created, charge.succeeded, succeeded, then charge.updated', async () => {
    const intent = await pay();
    await h.receiver.waitFor('charge.updated');
    await h.sandbox.control.settle();
    const mine = h.sandbox.control
      .events()
      .filter((event) => [event.data.object.id, event.data.object.payment_intent].includes(intent.id));
    expect(mine.map((event) => event.type)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'charge.updated',
    ]);
    const [created, succeededCharge, , updated] = mine;
    expect(created?.data.object).toMatchObject({ id: intent.id, status: 'requires_confirmation' });
    expect(succeededCharge?.data.object).toMatchObject({ status: 'succeeded', balance_transaction: null });
    expect(updated?.data.object).toMatchObject({
      id: intent.latest_charge,
      balance_transaction: expect.stringMatching(/^txn_/),
    });
    expect(updated?.data.previous_attributes).toEqual({ balance_transaction: null });
    const charge = await h.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.balance_transaction).toBe(updated?.data.object.balance_transaction);
  });

  it('the event can be read back with GET /v1/events/:id and listed by type', async () => {
    await pay();
    const [event] = await h.receiver.waitFor('charge.succeeded');
    const fetched = await h.stripe.events.retrieve(event?.id ?? '');
    expect(fetched).toEqual(JSON.parse(JSON.stringify(event)));
    const listed = await h.stripe.events.list({ type: 'charge.succeeded' });
    expect(listed.data.map((item) => item.id)).toEqual([event?.id]);
    await expect(h.stripe.events.retrieve('evt_unknown')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('hosted-page events carry no API request', async () => {
    const customer = await h.stripe.customers.create({});
    const session = await paymentSession(h.stripe, customer.id);
    await submitCheckout(session.url ?? '', { number: '4242424242424242' });
    const [event] = await h.receiver.waitFor('checkout.session.completed');
    expect(event?.request).toEqual({ id: null, idempotency_key: null });
  });

  it('an endpoint added later with a list of events only gets those', async () => {
    const other = createServer((req, res) => {
      req.resume();
      res.end();
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/hook`;
    try {
      h.sandbox.addWebhookEndpoint(url, ['charge.succeeded']);
      await pay();
      await h.receiver.waitFor('payment_intent.succeeded');
      await h.sandbox.control.settle();
      const toOther = h.sandbox.control.deliveries().filter((delivery) => delivery.url === url);
      expect(toOther.map((delivery) => delivery.type)).toEqual(['charge.succeeded']);
      const charge = h.sandbox.control.events().find((event) => event.type === 'charge.succeeded');
      expect(charge?.pending_webhooks).toBe(2);
    } finally {
      other.close();
    }
  });
});

describe('retries', () => {
  it('retries a delivery the endpoint answered with 500 until it is accepted', async () => {
    h.receiver.failWith.push(500, 503);
    const customer = await h.stripe.customers.create({});
    await h.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const [event] = await h.receiver.waitFor('payment_method.attached');
    await h.sandbox.control.settle();
    const attempts = h.sandbox.control.deliveries().filter((delivery) => delivery.eventId === event?.id);
    expect(attempts.map((delivery) => [delivery.attempt, delivery.status, delivery.ok])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
  });

  it('retries after a network error and gives up after the last delay', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    h.sandbox.addWebhookEndpoint(url, ['charge.succeeded']);
    await pay();
    await h.sandbox.control.settle();
    const attempts = h.sandbox.control.deliveries().filter((delivery) => delivery.url === url);
    expect(attempts.map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((delivery) => delivery.status === null && delivery.error !== null)).toBe(true);
  });

  it('resends an event on request', async () => {
    await pay();
    const [event] = await h.receiver.waitFor('payment_intent.succeeded');
    await h.sandbox.control.resendEvent(event?.id ?? '');
    const copies = h.receiver
      .events('payment_intent.succeeded')
      .filter((received) => received.id === event?.id);
    expect(copies).toHaveLength(2);
  });
});

describe('test switches', () => {
  it('duplicateDeliveries sends each event N times at once, with the same id', async () => {
    h.sandbox.control.duplicateDeliveries(3);
    const intent = await pay();
    const copies = await h.receiver.waitFor('payment_intent.succeeded', 3);
    expect(new Set(copies.map((event) => event.id)).size).toBe(1);
    expect(copies.every((event) => (event.data.object as Stripe.PaymentIntent).id === intent.id)).toBe(true);
  });

  it('holdEvents and releaseEvents deliver the held events newest first', async () => {
    const customer = await h.stripe.customers.create({});
    const session = await paymentSession(h.stripe, customer.id);
    h.sandbox.control.holdEvents();
    await submitCheckout(session.url ?? '', { number: '4000000000000002' });
    await submitCheckout(session.url ?? '', { number: '4242424242424242' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.receiver.received).toHaveLength(0);

    const released = await h.sandbox.control.releaseEvents();
    expect(released).toBeGreaterThanOrEqual(5);
    const types = h.receiver.events().map((event) => event.type);
    expect(types[0]).toBe('checkout.session.completed');
    expect(types.indexOf('payment_intent.succeeded')).toBeLessThan(
      types.indexOf('payment_intent.payment_failed'),
    );
    // The first attempt created the session's PaymentIntent: its event is the oldest.
    expect(types.at(-1)).toBe('payment_intent.created');
  });

  it('the switches are also HTTP endpoints under /_sandbox, behind the secret key', async () => {
    const call = (path: string, body: Record<string, string> = {}, key = h.sandbox.secretKey) =>
      fetch(`${h.sandbox.url}/_sandbox${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: new URLSearchParams(body),
      });
    expect((await call('/webhooks/duplicates', { times: '2' }, 'sk_test_wrong')).status).toBe(401);
    expect((await call('/webhooks/duplicates', { times: 'two' })).status).toBe(400);
    expect((await call('/webhooks/duplicates', { times: '2' })).status).toBe(200);
    await pay();
    await h.receiver.waitFor('payment_intent.succeeded', 2);

    expect((await call('/requests/fail', { count: '1' })).status).toBe(200);
    await expect(h.stripe.customers.create({})).rejects.toMatchObject({ statusCode: 500 });

    const deliveries = await fetch(`${h.sandbox.url}/_sandbox/webhooks/deliveries`, {
      headers: { authorization: `Bearer ${h.sandbox.secretKey}` },
    });
    const listed = (await deliveries.json()) as { data: { type: string }[] };
    expect(listed.data.filter((delivery) => delivery.type === 'payment_intent.succeeded')).toHaveLength(2);

    const [event] = h.receiver.events('charge.succeeded');
    expect((await call(`/events/${event?.id}/resend`)).status).toBe(200);
    expect((await call('/events/evt_unknown/resend')).status).toBe(404);
    const json = await fetch(`${h.sandbox.url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.sandbox.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 60 }),
    });
    expect(json.status).toBe(200);
    expect((await call('/reset')).status).toBe(200);
    expect(await (await call('/webhooks/hold')).json()).toMatchObject({
      webhooks: { holding: true, copies: 1 },
    });
  });
});
