// Message status webhooks: each change (sent, delivered, failed, canceled) becomes an event in
// the transaction that made it, POSTed signed with the account's secret; a failure or a
// timeout is retried with back-off up to WEBHOOK_MAX_ATTEMPTS; deliveries are listed; the
// secret is shown once and can be rotated; only the account's own webhook and deliveries; no
// local or private destination unless the operator allows them (these tests' receiver is local,
// so the app here allows them, and the refusal test switches back to the default).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_EVENT_TYPES } from '../../src/messaging/webhooks/account-events.js';
import { deliverDueWebhooks } from '../../src/messaging/webhooks/deliver.js';
import { verifyWebhookSignature } from '../../src/messaging/webhooks/signature.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  messagingApp,
  undeliverable,
} from '../messaging/helpers.js';

interface Received {
  path: string;
  signature: string;
  body: string;
}

/** A receiver whose answer per request is decided by `answer` (a status, or 'hang'). */
async function receiver(answer: (n: number, path: string) => number | 'hang') {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        signature: String(req.headers['tollgate-signature'] ?? ''),
        body,
      });
      const decided = answer(received.length, req.url ?? '');
      if (decided === 'hang') return;
      res.statusCode = decided;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('message webhooks', () => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    t = await messagingApp({
      WEBHOOK_PRIVATE_ADDRESSES: 'allow',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '300',
    });
    // /flaky fails its first request; /hang never answers; /down always 503; the rest 200.
    hook = await receiver((n, path) => {
      if (path === '/hang') return 'hang';
      if (path === '/down') return 503;
      if (path === '/flaky' && n === 1) return 500;
      return 200;
    });
  });
  afterAll(async () => {
    await hook.close();
    await closeApp(t);
  });

  const put = (who: Customer, url: string) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/webhooks/messages', headers: who.headers, payload: { url } });
  const deliveries = async (who: Customer) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/webhooks/deliveries',
      headers: who.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as {
      id: string;
      status: string;
      attempts: number;
      lastStatusCode: number | null;
      lastError: string | null;
      event: { message: { status: string } };
    }[];
  };
  const send = async (who: Customer, to: string, extra: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: who.headers,
      payload: { to, text: 'Status, please', ...extra },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().id as string;
  };
  /** Runs the worker job until nothing is due (waiting out the back-off between rounds). */
  const deliverAll = async () => {
    for (let round = 0; round < 20; round++) {
      await deliverDueWebhooks(t.ctx);
      const { rows } = await t.ctx.db.query<{ n: bigint }>(
        `select count(*)::bigint as n from webhook_deliveries where status = 'pending'`,
      );
      if (rows[0]?.n === 0n) return;
      await sleep(120);
    }
    throw new Error('webhook deliveries did not settle');
  };

  it('signs every status change with the secret shown once, and retries a failure until it is delivered', async () => {
    const alice = await customerWithCredit(t, '10');
    const created = await put(alice, hook.url('/flaky'));
    expect(created.statusCode, created.body).toBe(200);
    const { secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    const read = await t.app.inject({
      method: 'GET',
      url: '/api/v1/webhooks/messages',
      headers: alice.headers,
    });
    expect(read.json()).toEqual({
      url: hook.url('/flaky'),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const id = await send(alice, deliverable(), { reference: 'order-17' });
    await dispatchAll(t);
    await deliverDueWebhooks(t.ctx);
    // Both events went out together; whichever reached the receiver first met its one 500.
    const byStatus = async () =>
      (await deliveries(alice)).sort((a, b) => (a.event.message.status < b.event.message.status ? -1 : 1));
    let list = await byStatus();
    expect(list.map((d) => d.event.message.status)).toEqual(['delivered', 'sent']);
    expect(list.map((d) => d.attempts)).toEqual([1, 1]);
    expect(list.map((d) => d.status).sort()).toEqual(['delivered', 'pending']);
    const failedFirst = list.find((d) => d.status === 'pending');
    expect(failedFirst).toMatchObject({ lastStatusCode: 500, lastError: 'answered 500' });
    await deliverAll();
    list = await byStatus();
    expect(list.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(list.find((d) => d.id === failedFirst?.id)?.attempts).toBe(2);
    const sentDelivery = list[1];

    const now = Math.floor(Date.now() / 1000);
    const flaky = hook.received.filter((r) => r.path === '/flaky');
    expect(flaky).toHaveLength(3);
    for (const request of flaky) {
      expect(request.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(secret, request.body, request.signature, now)).toBe(true);
      expect(verifyWebhookSignature(`${secret}x`, request.body, request.signature, now)).toBe(false);
    }
    const bodies = flaky.map((r) => JSON.parse(r.body));
    const sent = bodies.find((b) => b.message.status === 'sent');
    expect(sent).toEqual({
      id: sentDelivery?.id,
      type: 'message.status',
      message: {
        id,
        status: 'sent',
        to: expect.stringMatching(/^\+34/),
        reference: 'order-17',
        campaignId: null,
        at: expect.stringMatching(/Z$/),
      },
    });
    // The retry carried the same event (same id, same bytes).
    const retried = flaky.filter((r) => JSON.parse(r.body).id === failedFirst?.id);
    expect(retried).toHaveLength(2);
    expect(retried[0]?.body).toBe(retried[1]?.body);
  });

  it('tells failed and canceled messages too, and signs with the rotated secret from then on', async () => {
    const bob = await customerWithCredit(t, '10');
    await put(bob, hook.url('/bob'));
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/messages/rotate-secret',
      headers: bob.headers,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret } = rotated.json();
    await send(bob, undeliverable());
    await dispatchAll(t);
    const later = await send(bob, deliverable(), {
      scheduleAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: bob.headers });
    expect(removed.json().canceled).toBe(1);
    await deliverAll();
    const statuses = (await deliveries(bob)).map((d) => d.event.message.status).sort();
    expect(statuses).toEqual(['canceled', 'failed', 'sent']);
    const bobs = hook.received.filter((r) => r.path === '/bob');
    expect(bobs).toHaveLength(3);
    const now = Math.floor(Date.now() / 1000);
    expect(bobs.every((r) => verifyWebhookSignature(secret, r.body, r.signature, now))).toBe(true);
    expect(bobs.some((r) => JSON.parse(r.body).message.id === later)).toBe(true);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS failures or timeouts', async () => {
    const carol = await customerWithCredit(t, '10');
    const dave = await customerWithCredit(t, '10');
    await put(carol, hook.url('/down'));
    await put(dave, hook.url('/hang'));
    await send(carol, undeliverable());
    await send(dave, undeliverable());
    await dispatchAll(t);
    await deliverAll();
    // Each message was sent, then reported failed by the simulator: two events each.
    const given = { status: 'failed', attempts: 3 };
    const down = { ...given, lastStatusCode: 503, lastError: 'answered 503' };
    expect(await deliveries(carol)).toMatchObject([down, down]);
    const hung = { ...given, lastStatusCode: null, lastError: 'no answer within 300 ms' };
    expect(await deliveries(dave)).toMatchObject([hung, hung]);
    expect(hook.received.filter((r) => r.path === '/down')).toHaveLength(6);
  });

  it('refuses URLs that are not https (http only for localhost), and keeps each account to its own', async () => {
    const erin = await customerWithCredit(t, '10');
    for (const url of [
      'http://example.com/hook',
      'ftp://example.com/',
      'not a url',
      'https://u:p@example.com/',
    ]) {
      const res = await put(erin, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('body.url');
    }
    expect((await put(erin, 'https://hooks.example.com/sms')).statusCode).toBe(200);
    const again = await put(erin, 'https://hooks.example.com/sms2');
    expect(again.json().secret).toBeUndefined();
    expect(again.json().url).toBe('https://hooks.example.com/sms2');

    const frank = await customerWithCredit(t, '10');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/messages', headers: frank.headers }))
        .statusCode,
    ).toBe(404);
    expect(await deliveries(frank)).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/deliveries' })).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/webhooks/messages',
          payload: { url: 'https://x.example/' },
        })
      ).statusCode,
    ).toBe(401);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/webhooks/messages',
      headers: erin.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/api/v1/webhooks/messages', headers: erin.headers }))
        .statusCode,
    ).toBe(404);
  });

  it('by default reaches no local or private address, written or resolved, and tells nothing of what a name resolves to', async () => {
    const hana = await customerWithCredit(t, '10');
    // Set while local addresses are allowed; then the operator goes back to the default.
    expect((await put(hana, hook.url('/private'))).statusCode).toBe(200);
    const policy = t.ctx.config.campaigns;
    policy.webhookPrivateAddresses = 'refuse';
    try {
      for (const url of [
        hook.url('/again'),
        'http://localhost:3000/api/v1/admin/accounts',
        'https://localhost/hook',
        'https://10.1.2.3/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[::7f00:1]/hook',
        'https://[::ffff:0:7f00:1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://[64:ff9b::a00:1]/hook',
        'https://[fd00::1]/hook',
        'https://[::ffff:192.168.1.1]/hook',
        'https://metadata.google.internal/computeMetadata/v1/',
      ]) {
        const res = await put(hana, url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.details.fields[0].message, url).toMatch(/https|local or private address/);
      }
      await send(hana, deliverable());
      await dispatchAll(t);
      await deliverAll();
      expect(hook.received.filter((r) => r.path === '/private')).toEqual([]);
      const written = await deliveries(hana);
      expect(written.length).toBeGreaterThan(0);
      for (const refused of written) {
        // The customer wrote that address: refused at once, nothing to retry.
        expect(refused).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
        expect(refused.lastError).toBe('refused: 127.0.0.1 is not a public address');
      }

      // A host name is resolved at every delivery; what it resolved to is not told, and a name
      // that resolves to a private address reads and ends exactly like one that does not resolve.
      expect((await put(hana, 'https://example.com/hook')).statusCode).toBe(200);
      const pointTo = (host: string) =>
        t.ctx.db.query(`update message_webhooks set url = $2 where account_id = $1`, [
          hana.accountId,
          hook.url('/private').replace('127.0.0.1', host),
        ]);
      const outcomes = async (host: string) => {
        await pointTo(host);
        const before = new Set((await deliveries(hana)).map((d) => d.id));
        await send(hana, deliverable());
        await dispatchAll(t);
        await deliverAll();
        return (await deliveries(hana)).filter((d) => !before.has(d.id));
      };
      const internal = await outcomes('localhost');
      const missing = await outcomes('no-such-host.invalid');
      expect(hook.received.filter((r) => r.path === '/private')).toEqual([]);
      expect(internal.length).toBeGreaterThan(0);
      for (const refused of internal) {
        expect(refused).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: null });
        expect(refused.lastError).toBe('refused: localhost has no address, or one that is not public');
        expect(refused.lastError).not.toMatch(/127\.0\.0\.1|::1/);
      }
      for (const unknown of missing) {
        expect(unknown).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: null });
        expect(unknown.lastError).toBe(
          'refused: no-such-host.invalid has no address, or one that is not public',
        );
      }
    } finally {
      policy.webhookPrivateAddresses = 'allow';
    }
  });

  it('enqueues nothing for accounts without a webhook', async () => {
    const gina = await customerWithCredit(t, '10');
    await send(gina, deliverable());
    await dispatchAll(t);
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      'select count(*)::bigint as n from webhook_deliveries where account_id = $1',
      [gina.accountId],
    );
    expect(rows[0]?.n).toBe(0n);
  });
  it('sends a test event on request, signed like any event and listed with how it went', async () => {
    const ivy = await customerWithCredit(t, '10');
    const test = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/webhooks/messages/test', headers: ivy.headers });
    const none = await test();
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('not_found');
    const overview = () => t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: ivy.headers });
    expect((await overview()).json()).toEqual({
      webhook: null,
      // Message status changes, every account event (purchase.credited, invoice.issued, …), the test.
      events: ['message.status', ...ACCOUNT_EVENT_TYPES, 'webhook.test'],
    });

    const created = await put(ivy, hook.url('/ivy'));
    const secret = created.json().secret as string;
    expect((await overview()).json().webhook).toEqual({
      url: hook.url('/ivy'),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const res = await test();
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json();
    expect(queued).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      messageId: null,
      type: 'webhook.test',
      status: 'pending',
      attempts: 0,
      event: { id: queued.id, type: 'webhook.test', data: { test: true } },
    });
    await deliverAll();
    const got = hook.received.filter((r) => r.path === '/ivy');
    expect(got).toHaveLength(1);
    const arrived = got[0] as Received;
    expect(JSON.parse(arrived.body)).toEqual(queued.event);
    expect(
      verifyWebhookSignature(secret, arrived.body, arrived.signature, Math.floor(Date.now() / 1000)),
    ).toBe(true);
    const listed = (await deliveries(ivy)).find((d) => d.id === queued.id);
    expect(listed).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });

    // Only for a customer's own webhook: no session is 401; another account's list stays its own.
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks/messages/test' });
    expect(anonymous.statusCode).toBe(401);
    const jack = await customerWithCredit(t, '10');
    expect((await deliveries(jack)).map((d) => d.id)).not.toContain(queued.id);
    const jacks = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/messages/test',
      headers: jack.headers,
    });
    expect(jacks.statusCode).toBe(404);
  });
});
