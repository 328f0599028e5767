// /metrics as Prometheus scrapes it: behind its token on the main port, or on a port of its
// own; and the counters move with the work done (requests, ledger batches, messages by status
// and carrier, purchases, e-mails, webhook deliveries, the outbox and held credits).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueWebhooks } from '../../src/messaging/webhooks/deliver.js';
import { startMetricsServer } from '../../src/ops/metrics-server.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { newApiKey } from '../helpers/accounts.js';
import {
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  FAST,
  undeliverable,
} from '../messaging/helpers.js';
import { creditedPurchase } from '../purchases/helpers.js';

const TOKEN = 'metrics-token-for-the-test-0123456789';

let t: TestApp;
let hooks: Server;
let hookUrl: string;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      ...FAST,
      METRICS_TOKEN: TOKEN,
      HEALTH_READY_CACHE_MS: '0',
      METRICS_DB_GAUGES_MAX_AGE_MS: '0',
      // The webhook receiver of this test listens on this machine.
      WEBHOOK_PRIVATE_ADDRESSES: 'allow',
    },
  });
  hooks = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://localhost:${(hooks.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await closeApp(t);
  await new Promise((resolve) => hooks.close(resolve));
});

async function scrape(): Promise<string> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** The sample `name{labels}` in Prometheus' text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const has = Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`));
    if (has) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('GET /metrics', () => {
  it('answers only to its token, in our error shape otherwise', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'unauthenticated', requestId: expect.any(String) });
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN.slice(1)}x` },
    });
    expect(wrong.statusCode).toBe(401);
    expect(await scrape()).toContain('# TYPE tollgate_http_request_duration_seconds histogram');
  });

  it('moves its counters with the work: requests, batches, messages, purchases, e-mails, webhooks', async () => {
    const before = await scrape();
    const who = await customerWithCredit(t, null);
    await creditedPurchase(t, who, '1000');
    const key = await newApiKey(t, who);
    const webhook = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/webhooks/messages',
      headers: who.headers,
      payload: { url: hookUrl },
    });
    expect(webhook.statusCode, webhook.body).toBe(200);
    const send = (to: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: key.headers,
        payload: { to, text: 'Your code is 123456' },
      });
    for (const to of [deliverable(), deliverable(), undeliverable()])
      expect((await send(to)).statusCode).toBe(202);
    const queued = await scrape();
    expect(sample(queued, 'tollgate_outbox_messages', { status: 'queued' })).toBeGreaterThanOrEqual(3);
    expect(sample(queued, 'tollgate_credits_held')).toBeGreaterThan(0);
    await dispatchAll(t);
    await deliverDueWebhooks(t.ctx);
    await t.ctx.mailer.drain();
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(
      moved('tollgate_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/messages',
        status: '202',
      }),
    ).toBe(3);
    expect(
      moved('tollgate_http_request_duration_seconds_bucket', {
        route: '/api/v1/messages',
        status: '202',
        le: '+Inf',
      }),
    ).toBe(3);
    expect(moved('tollgate_ledger_batch_size_sum', { writer: 'messages.accept' })).toBe(3);
    expect(moved('tollgate_ledger_batch_size_count', { writer: 'messages.settle' })).toBeGreaterThan(0);
    expect(moved('tollgate_messages_total', { status: 'queued', carrier: '' })).toBe(3);
    expect(moved('tollgate_messages_total', { status: 'sent', carrier: 'simulator' })).toBe(3);
    expect(moved('tollgate_messages_total', { status: 'delivered', carrier: 'simulator' })).toBe(2);
    expect(moved('tollgate_messages_total', { status: 'failed', carrier: 'simulator' })).toBe(1);
    expect(
      moved('tollgate_carrier_submit_duration_seconds_count', { carrier: 'simulator', outcome: 'accepted' }),
    ).toBe(3);
    expect(moved('tollgate_purchases_total', { method: 'bank_transfer', outcome: 'created' })).toBe(1);
    expect(moved('tollgate_purchases_total', { method: 'bank_transfer', outcome: 'credited' })).toBe(1);
    expect(moved('tollgate_emails_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
    // sent ×3, delivered ×2, failed ×1: one event each.
    expect(moved('tollgate_webhook_deliveries_total', { outcome: 'delivered' })).toBe(6);
    expect(sample(after, 'tollgate_outbox_messages', { status: 'queued' })).toBe(0);
    expect(sample(after, 'tollgate_carrier_bound', { carrier: 'simulator' })).toBe(1);
    expect(sample(after, 'tollgate_dependency_up', { dependency: 'database' })).toBe(1);
    expect(sample(after, 'tollgate_email_outbox_pending')).toBe(0);
  });

  it('a refused send counts as a ledger refusal and a 402', async () => {
    const before = await scrape();
    const broke = await customerWithCredit(t, null);
    const key = await newApiKey(t, broke);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: key.headers,
      payload: { to: deliverable(), text: 'no credit' },
    });
    expect(res.statusCode).toBe(402);
    const after = await scrape();
    const labels = { writer: 'messages.accept', reason: 'insufficient_credit' };
    expect(sample(after, 'tollgate_ledger_refusals_total', labels)).toBe(
      sample(before, 'tollgate_ledger_refusals_total', labels) + 1,
    );
    const status = { route: '/api/v1/messages', status: '402' };
    expect(sample(after, 'tollgate_http_request_duration_seconds_count', status)).toBe(
      sample(before, 'tollgate_http_request_duration_seconds_count', status) + 1,
    );
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on a port of its own, with the token when one is set, and nothing else', async () => {
    const other = await createTestApp({ env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
    const server = await startMetricsServer(other.ctx);
    try {
      if (!server) throw new Error('no metrics server');
      expect((await fetch(server.url)).status).toBe(401);
      const res = await fetch(server.url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('tollgate_messages_total');
      expect((await fetch(server.url.replace('/metrics', '/api/v1/balance'))).status).toBe(404);
    } finally {
      await server?.close();
      await other.close();
    }
  });

  it('is off with neither METRICS_TOKEN nor METRICS_PORT: /metrics is not served', async () => {
    const plain = await createTestApp();
    try {
      // The portal's pages answer that path; no metrics are in it.
      const res = await plain.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.body).not.toContain('tollgate_');
      expect(await startMetricsServer(plain.ctx)).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
