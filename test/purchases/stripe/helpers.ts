// A whole application on a fresh database, listening on a real port, with card payments
// against a Stripe sandbox started for the test file: the real `stripe` SDK, the sandbox's
// hosted pages filled in over HTTP as a browser would, and signed webhooks to the app.
//
//   const s = await startStripeTest();                 // beforeAll
//   const alice = await readyCustomer(s.t);
//   const res = await buy(s, alice, { packId: 'pack-1000' });
//   await submitCheckout(res.json().card.checkoutUrl, { number: '4242424242424242' });
//   await s.sandbox.control.settle();                  // every webhook delivered and answered
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { auditLedger } from '../../../src/ledger/audit.js';
import {
  type StripeSandbox,
  type StripeSandboxOptions,
  sandboxStripeConfig,
  startStripeSandbox,
} from '../../../tools/stripe-sandbox/index.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import type { Session } from '../../helpers/accounts.js';

import { authenticate, location, submitCheckout } from '../../unit/stripe-sandbox/helpers.js';

export { authenticate, location, submitCheckout };

export interface StripeTest {
  t: TestApp;
  sandbox: StripeSandbox;
  /** Our own client on the sandbox, to look at what the app did there. */
  stripe: Stripe;
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startStripeTest({
  env = {},
  sandbox: sandboxOptions = {},
}: {
  env?: Record<string, string>;
  sandbox?: StripeSandboxOptions;
} = {}): Promise<StripeTest> {
  const sandbox = await startStripeSandbox({
    webhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
    retryDelaysMs: [50, 200],
    ...sandboxOptions,
  });
  const t = await createTestApp({
    env: {
      STRIPE_SECRET_KEY: sandbox.secretKey,
      STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
      STRIPE_API_BASE: sandbox.url,
      PUBLIC_URL: 'http://portal.test',
      STRIPE_TIMEOUT_MS: '5000',
      ...env,
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const webhookUrl = `http://127.0.0.1:${port}/api/v1/webhooks/stripe`;
  sandbox.addWebhookEndpoint(webhookUrl);
  const stripe = new Stripe(sandbox.secretKey, { ...sandboxStripeConfig(sandbox.url), maxNetworkRetries: 0 });
  return {
    t,
    sandbox,
    stripe,
    webhookUrl,
    async close() {
      await sandbox.stop();
      await t.close();
    },
  };
}

export interface BuyOptions {
  packId?: string;
  cardId?: string;
  saveCard?: boolean;
  idempotencyKey?: string;
}

export function buy(s: StripeTest, who: Session, options: BuyOptions = {}): Promise<LightMyRequestResponse> {
  const { idempotencyKey, packId = 'pack-1000', ...rest } = options;
  return s.t.app.inject({
    method: 'POST',
    url: '/api/v1/purchases',
    headers: { ...who.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    payload: { packId, paymentMethod: 'card', ...rest },
  });
}

/** GET /purchases/{id} as the customer (which re-reads a card payment still under way). */
export async function purchaseOf(s: StripeTest, who: Session, id: string) {
  const res = await s.t.app.inject({ method: 'GET', url: `/api/v1/purchases/${id}`, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The purchase as stored, read past the routes (no re-read from Stripe). */
export async function storedPurchase(s: StripeTest, id: string) {
  const { rows } = await s.t.ctx.db.query<{
    status: string;
    provider_status: string | null;
    provider_ref: string | null;
    failure_reason: string | null;
    paid_reference: string | null;
  }>(
    'select status, provider_status, provider_ref, failure_reason, paid_reference from purchases where id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) throw new Error(`no purchase ${id}`);
  return row;
}

export async function balanceOf(s: StripeTest, who: Session): Promise<string> {
  const res = await s.t.app.inject({ method: 'GET', url: '/api/v1/balance', headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().credits;
}

/** Charges made at the sandbox, by kind: the proof that nothing was charged twice. */
export function charges(s: StripeTest, status: 'succeeded' | 'failed' = 'succeeded'): number {
  return s.sandbox.control.events().filter((event) => event.type === `charge.${status}`).length;
}

export function paymentIntentIds(s: StripeTest): Set<string> {
  const ids = new Set<string>();
  for (const event of s.sandbox.control.events()) {
    const object = event.data.object;
    if (event.type.startsWith('payment_intent.') && typeof object.id === 'string') ids.add(object.id);
  }
  return ids;
}

/** The ledger's invariants hold (checked after every test). */
export async function expectLedgerClean(s: StripeTest): Promise<void> {
  const report = await auditLedger(s.t.ctx.db);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
}

/** Saves a card through POST /cards/setup and the sandbox's page (approving 3D Secure if asked). */
export async function saveCardViaSetup(s: StripeTest, who: Session, number: string): Promise<string> {
  const before = await cardsOf(s, who);
  const res = await s.t.app.inject({ method: 'POST', url: '/api/v1/cards/setup', headers: who.headers });
  expect(res.statusCode, res.body).toBe(201);
  let page = await submitCheckout(res.json().setupUrl, { number });
  if (location(page).includes('/authenticate/')) page = await authenticate(location(page), 'approve');
  expect(location(page)).toMatch(/^http:\/\/portal\.test\/cards\?attempt=[0-9a-f-]{36}&setup=success$/);
  const after = await cardsOf(s, who);
  const added = after.find((card) => !before.some((old) => old.id === card.id));
  if (!added) throw new Error('no card was added');
  return added.id;
}

export interface CardView {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  default: boolean;
}

export async function cardsOf(s: StripeTest, who: Session): Promise<CardView[]> {
  const res = await s.t.app.inject({ method: 'GET', url: '/api/v1/cards', headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
