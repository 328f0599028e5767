// POST /webhooks/stripe: verified on the raw body with the signing secret (a wrong secret, an
// old timestamp or a changed body is 400 and changes nothing), stored by event id, processed
// once, and only a signal: what is credited is what Stripe says when asked again.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEvent } from '../../../tools/stripe-sandbox/index.js';
import { type Customer, readyCustomer } from '../../helpers/accounts.js';
import {
  balanceOf,
  buy,
  expectLedgerClean,
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

function post(body: string, signature: string | undefined, contentType = 'application/json; charset=utf-8') {
  return s.t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/stripe',
    headers: {
      'content-type': contentType,
      ...(signature === undefined ? {} : { 'stripe-signature': signature }),
    },
    payload: body,
  });
}

function sign(body: string, { secret = s.sandbox.webhookSecret, at = Date.now() } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    timestamp: Math.floor(at / 1000),
  });
}

async function storedEvents(id: string): Promise<number> {
  const { rows } = await s.t.ctx.db.query('select id from stripe_events where id = $1', [id]);
  return rows.length;
}

function purchaseIdOf(event: StripeEvent): unknown {
  const metadata = event.data.object.metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
    ? metadata.purchase_id
    : undefined;
}

/** A purchase paid at the sandbox whose events are held back: its payment_intent.succeeded. */
async function paidWithHeldEvents(): Promise<{ who: Customer; purchaseId: string; event: StripeEvent }> {
  const who = await readyCustomer(s.t);
  const res = await buy(s, who);
  s.sandbox.control.holdEvents();
  await submitCheckout(res.json().card.checkoutUrl, { number: '4242424242424242' });
  const event = s.sandbox.control
    .events()
    .reverse()
    .find((e) => e.type === 'payment_intent.succeeded' && purchaseIdOf(e) === res.json().id);
  if (!event) throw new Error('no payment_intent.succeeded');
  s.sandbox.control.reset(); // drops the held events: only what the test posts arrives
  return { who, purchaseId: res.json().id, event };
}

describe('signature verification', () => {
  it('a wrong secret, an old timestamp, a changed body or no signature: 400, nothing changed', async () => {
    const { who, purchaseId, event } = await paidWithHeldEvents();
    const body = JSON.stringify(event);
    const cases: [string, string | undefined][] = [
      [body, sign(body, { secret: 'whsec_not_the_secret' })],
      [body, sign(body, { at: Date.now() - 301_000 })],
      [body.replace('"succeeded"', '"processing"'), sign(body)],
      [`${body} `, sign(body)],
      [body, undefined],
      [body, 't=1,v1=deadbeef'],
    ];
    for (const [payload, signature] of cases) {
      const res = await post(payload, signature);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ path: 'headers.stripe-signature' }] },
      });
    }
    expect(await storedEvents(event.id)).toBe(0);
    expect((await storedPurchase(s, purchaseId)).status).toBe('awaiting_payment');
    expect(await balanceOf(s, who)).toBe('0');

    // The same bytes, signed now with the right secret, are accepted (whatever the content type).
    const ok = await post(body, sign(body), 'text/plain');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ received: true, duplicate: false });
    expect((await storedPurchase(s, purchaseId)).status).toBe('credited');
    expect(await balanceOf(s, who)).toBe('1000');
  });
});

describe('signed but malformed bodies', () => {
  async function malformedRows() {
    const { rows } = await s.t.ctx.db.query<{
      id: string;
      processed: boolean;
      last_error: string | null;
      payload: { malformed: boolean; bodyBase64: string; preview: string; problems: unknown[] };
    }>(
      `select id, processed_at is not null as processed, last_error, payload from stripe_events
        where type = 'malformed'`,
    );
    return rows;
  }

  it('400 in our shape for each, kept for inspection, nothing credited', async () => {
    const { who, purchaseId, event } = await paidWithHeldEvents();
    const real = JSON.stringify(event);
    const withObject = (object: Record<string, unknown>) =>
      JSON.stringify({ ...event, id: `evt_${Math.random().toString(36).slice(2)}`, data: { object } });
    const intent = event.data.object;
    const cases: [name: string, body: string, path: string][] = [
      ['an empty object', '{}', 'body.id'],
      ['no data', JSON.stringify({ ...event, data: undefined }), 'body.data'],
      ['data: null', JSON.stringify({ ...event, data: null }), 'body.data'],
      ['data without its object', JSON.stringify({ ...event, data: {} }), 'body.data.object'],
      ['not JSON', 'this is not { json', 'body'],
      // A NUL byte as such inside a JSON string makes the body no JSON at all.
      ['a raw NUL byte', real.replace(event.id, `${event.id}\u0000`), 'body'],
      ['a JSON array', `[${real}]`, 'body'],
      ['NUL in the id', JSON.stringify({ ...event, id: `${event.id}\u0000` }), 'body.id'],
      ['an object as the object id', withObject({ ...intent, id: { $ne: null } }), 'body.data.object.id'],
      ['a huge created', JSON.stringify({ ...event, created: 1e20 }), 'body.created'],
      ['a created that is text', JSON.stringify({ ...event, created: '1700000000' }), 'body.created'],
      [
        'a type that is not one',
        JSON.stringify({ ...event, type: 'payment_intent.succeeded\n' }),
        'body.type',
      ],
      [
        'NUL in metadata',
        withObject({ ...intent, metadata: { purchase_id: `${purchaseId}\u0000` } }),
        'body.data.object.metadata.purchase_id',
      ],
      [
        'a lone surrogate',
        withObject({ ...intent, description: 'a\ud800b' }),
        'body.data.object.description',
      ],
      [
        'a customer id for a payment_intent event',
        withObject({ ...intent, id: 'cus_123' }),
        'body.data.object.id',
      ],
    ];
    for (const [name, body, path] of cases) {
      const res = await post(body, sign(body));
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400);
      const error = res.json().error;
      expect(error, name).toMatchObject({
        code: 'validation_failed',
        requestId: expect.any(String),
        details: { storedAs: expect.stringMatching(/^malformed_[0-9a-f]{40}$/) },
      });
      expect(
        error.details.fields.map((field: { path: string }) => field.path),
        name,
      ).toContain(path);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }

    const rows = await malformedRows();
    expect(rows).toHaveLength(cases.length);
    for (const row of rows) {
      expect(row.processed).toBe(true);
      expect(row.last_error).toMatch(/^malformed: /);
      expect(row.payload.malformed).toBe(true);
    }
    const bodies = rows.map((row) => Buffer.from(row.payload.bodyBase64, 'base64').toString('utf8'));
    expect(bodies.sort()).toEqual(cases.map(([, body]) => body).sort());

    // The same malformed body again is answered the same way and kept once.
    const again = await post('{}', sign('{}'));
    expect(again.statusCode).toBe(400);
    expect(await malformedRows()).toHaveLength(cases.length);

    expect(await storedEvents(event.id)).toBe(0);
    expect((await storedPurchase(s, purchaseId)).status).toBe('awaiting_payment');
    expect(await balanceOf(s, who)).toBe('0');
    // The real event still credits.
    const ok = await post(real, sign(real));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('a signature from more than the tolerance in the future is refused; within it, accepted', async () => {
    const { who, purchaseId, event } = await paidWithHeldEvents();
    const body = JSON.stringify(event);
    for (const signature of [
      sign(body, { at: Date.now() + 301_000 }),
      sign(body, { at: Date.now() + 86_400_000 }),
    ]) {
      const res = await post(body, signature);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ path: 'headers.stripe-signature', message: 'is timestamped in the future' }] },
      });
    }
    expect(await storedEvents(event.id)).toBe(0);
    expect((await storedPurchase(s, purchaseId)).status).toBe('awaiting_payment');
    const ok = await post(body, sign(body, { at: Date.now() + 200_000 }));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('an event about an object Stripe does not have is acknowledged and changes nothing', async () => {
    const event = {
      id: 'evt_names_nothing_1',
      object: 'event',
      api_version: '2025-08-27.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_doesnotexist', object: 'payment_intent' } },
    };
    const body = JSON.stringify(event);
    const res = await post(body, sign(body));
    expect(res.statusCode, res.body).toBe(200);
    const { rows } = await s.t.ctx.db.query<{ processed: boolean }>(
      'select processed_at is not null as processed from stripe_events where id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ processed: true }]);
  });
});

describe('events stored by id, processed once', () => {
  it('a duplicate after processing is acknowledged and changes nothing', async () => {
    const { who, event } = await paidWithHeldEvents();
    const body = JSON.stringify(event);
    expect((await post(body, sign(body))).json()).toEqual({ received: true, duplicate: false });
    for (let i = 0; i < 3; i++) {
      expect((await post(body, sign(body))).json()).toEqual({ received: true, duplicate: true });
    }
    const { rows } = await s.t.ctx.db.query<{ attempts: number }>(
      'select attempts from stripe_events where id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ attempts: 1 }]);
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('ten copies at once: one processing, credited once', async () => {
    const { who, purchaseId, event } = await paidWithHeldEvents();
    const body = JSON.stringify(event);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body, sign(body))));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    expect((await storedPurchase(s, purchaseId)).status).toBe('credited');
    expect(await balanceOf(s, who)).toBe('1000');
  });

  it('the payload is not believed: a signed "succeeded" Stripe does not confirm credits nothing', async () => {
    const who = await readyCustomer(s.t);
    const res = await buy(s, who);
    s.sandbox.control.holdEvents();
    await submitCheckout(res.json().card.checkoutUrl, { number: '4000000000000002' });
    const failed = s.sandbox.control.events().find((e) => e.type === 'payment_intent.payment_failed');
    if (!failed) throw new Error('no payment_failed event');
    s.sandbox.control.reset();
    const forged = JSON.stringify({
      ...failed,
      id: 'evt_forged_but_signed_1',
      type: 'payment_intent.succeeded',
      data: { object: { ...failed.data.object, status: 'succeeded', amount_received: 6050 } },
    });
    const answer = await post(forged, sign(forged));
    expect(answer.statusCode, answer.body).toBe(200);
    expect(await storedPurchase(s, res.json().id)).toMatchObject({
      status: 'awaiting_payment',
      provider_status: 'checkout',
    });
    expect(await balanceOf(s, who)).toBe('0');
  });

  it('when Stripe cannot be asked, the delivery fails (500) and Stripe’s retry converges', async () => {
    const who = await readyCustomer(s.t);
    const res = await buy(s, who);
    // Every attempt of the re-read (the SDK retries twice) answers 500; the sandbox then
    // delivers the event again and Stripe answers.
    s.sandbox.control.holdEvents();
    await submitCheckout(res.json().card.checkoutUrl, { number: '4242424242424242' });
    s.sandbox.control.failNextRequests(3);
    const earlier = s.sandbox.control.deliveries().length;
    await s.sandbox.control.releaseEvents('original');
    await s.sandbox.control.settle();
    const failedFirst = s.sandbox.control
      .deliveries()
      .slice(earlier)
      .filter((d) => d.status === 500);
    expect(failedFirst.length).toBeGreaterThanOrEqual(1);
    expect((await storedPurchase(s, res.json().id)).status).toBe('credited');
    expect(await balanceOf(s, who)).toBe('1000');
    const { rows } = await s.t.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from stripe_events where processed_at is null',
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('an event of a type we do not act on is stored and acknowledged', async () => {
    const event = {
      id: 'evt_customer_updated_1',
      object: 'event',
      api_version: '2025-08-27.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.updated',
      data: { object: { id: 'cus_123', object: 'customer' } },
    };
    const body = JSON.stringify(event);
    const res = await post(body, sign(body));
    expect(res.statusCode, res.body).toBe(200);
    const { rows } = await s.t.ctx.db.query<{ type: string; processed: boolean }>(
      'select type, processed_at is not null as processed from stripe_events where id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ type: 'customer.updated', processed: true }]);
  });
});

describe('an event about a purchase already credited', () => {
  it('is acknowledged without asking Stripe again: a saved card’s intent, credited by its charge', async () => {
    const who = await readyCustomer(s.t);
    const cardId = await saveCardViaSetup(s, who, '4242424242424242');
    s.sandbox.control.holdEvents();
    const res = await buy(s, who, { cardId });
    expect(res.statusCode, res.body).toBe(201);
    const purchaseId = res.json().id as string;
    expect((await storedPurchase(s, purchaseId)).status).toBe('credited');
    const event = s.sandbox.control
      .events()
      .reverse()
      .find((e) => e.type === 'payment_intent.succeeded' && purchaseIdOf(e) === purchaseId);
    if (!event) throw new Error('no payment_intent.succeeded');
    s.sandbox.control.reset();
    // Stripe cannot be read now: an event that needed it would fail its delivery (Stripe retries).
    s.sandbox.control.failNextRequests(5);
    const body = JSON.stringify(event);
    const ok = await post(body, sign(body));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ received: true, duplicate: false });
    expect(await balanceOf(s, who)).toBe('1000');
    // The same kind of event about an intent whose purchase is not credited does read Stripe.
    s.sandbox.control.reset();
    const other = await paidWithHeldEvents();
    s.sandbox.control.failNextRequests(5);
    const otherBody = JSON.stringify(other.event);
    const failed = await post(otherBody, sign(otherBody));
    expect(failed.statusCode, failed.body).toBeGreaterThanOrEqual(500);
    expect((await storedPurchase(s, other.purchaseId)).status).toBe('awaiting_payment');
  });
});
