// How `serve` gets its card payments: Stripe keys from the environment, or (without them) the
// Stripe sandbox in-process, refused with NODE_ENV=production; and /health saying which.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { start } from '../../../src/server.js';
import { readyCustomer } from '../../helpers/accounts.js';
import type { TestApp } from '../../helpers/app.js';
import { createPostgresDatabase, testDbKind } from '../../helpers/db.js';
import { createTestApp } from '../../helpers/app.js';
import { authenticate, location, submitCheckout } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serverEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-stripe-server-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...extra,
  };
  if (testDbKind() === 'postgres') {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    env.DATABASE_URL = created.url;
  }
  return env;
}

describe('configuration', () => {
  it('without Stripe keys: the sandbox, 2 retries, 30 s per call', () => {
    expect(loadConfig({}).stripe).toEqual({
      keys: undefined,
      apiBase: undefined,
      sandbox: true,
      maxNetworkRetries: 2,
      timeoutMs: 30_000,
    });
  });

  it('with keys: Stripe itself; STRIPE_API_BASE points at a separate sandbox', () => {
    const keys = { STRIPE_SECRET_KEY: 'sk_live_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
    expect(loadConfig(keys).stripe).toMatchObject({
      keys: { secretKey: 'sk_live_abc123', webhookSecret: 'whsec_abc' },
      apiBase: undefined,
      sandbox: false,
    });
    expect(loadConfig({ ...keys, STRIPE_API_BASE: 'http://127.0.0.1:12111/' }).stripe).toMatchObject({
      apiBase: 'http://127.0.0.1:12111',
      sandbox: true,
    });
  });

  it('refuses half or malformed settings, and a sandbox address in production', () => {
    const refused: [Record<string, string>, string][] = [
      [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_WEBHOOK_SECRET'],
      [{ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, 'STRIPE_SECRET_KEY'],
      [{ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, 'STRIPE_SECRET_KEY'],
      [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'abc' }, 'STRIPE_WEBHOOK_SECRET'],
      [{ STRIPE_API_BASE: 'http://127.0.0.1:12111' }, 'STRIPE_SECRET_KEY'],
      [
        {
          NODE_ENV: 'production',
          STRIPE_SECRET_KEY: 'sk_test_abc',
          STRIPE_WEBHOOK_SECRET: 'whsec_abc',
          STRIPE_API_BASE: 'http://127.0.0.1:12111',
        },
        'STRIPE_API_BASE',
      ],
      [{ STRIPE_MAX_NETWORK_RETRIES: '-1' }, 'STRIPE_MAX_NETWORK_RETRIES'],
    ];
    for (const [env, variable] of refused) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
    }
  });
});

describe('starting the server', () => {
  it('with NODE_ENV=production and no STRIPE_SECRET_KEY, refuses to start and says what to set', async () => {
    const config = loadConfig(await serverEnv({ NODE_ENV: 'production' }));
    const error = await start(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/STRIPE_SECRET_KEY: is required with NODE_ENV=production/);
  });

  it('without keys runs the sandbox in-process: /health says sandbox, a card purchase is credited', async () => {
    const running = await start(loadConfig(await serverEnv()), { worker: false });
    const { app, ctx, url } = running;
    try {
      if (!app || !url) throw new Error('no HTTP app');
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        database: testDbKind(),
        version: expect.any(String),
        sandbox: true,
        mailbox: true,
      });
      // The sandbox answers on the server's own address, and the provider calls it there.
      expect(ctx.config.stripe).toMatchObject({
        sandbox: true,
        apiBase: `${url.replace('localhost', '127.0.0.1')}/sandbox/stripe`,
      });

      const t: TestApp = {
        app,
        ctx,
        logs: [],
        testDb: {
          db: ctx.db,
          url: undefined,
          openAnother: () => Promise.reject(new Error('not here')),
          drop: async () => {},
        },
        close: async () => {},
      };
      const alice = await readyCustomer(t);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/purchases',
        headers: alice.headers,
        payload: { packId: 'pack-1000', paymentMethod: 'card' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const checkoutUrl = new URL(res.json().card.checkoutUrl);
      // Its links start with PUBLIC_URL (here the default, http://localhost:0, as PORT is 0).
      expect(checkoutUrl.origin).toBe(ctx.config.publicUrl);
      expect(checkoutUrl.pathname).toMatch(/^\/sandbox\/stripe\/checkout\/cs_test_/);
      const paid = await submitCheckout(`${url}${checkoutUrl.pathname}`, { number: '4242424242424242' });
      expect(location(paid)).toContain(`/purchases/${res.json().id}?checkout=success`);
      // The sandbox's webhook reaches the server's real port; nobody looks at the purchase.
      // The event is marked processed just after the credit it caused commits: wait for both.
      const deadline = Date.now() + 10_000;
      let status = '';
      let processed = 0;
      while (Date.now() < deadline) {
        const { rows } = await ctx.db.query<{ status: string; processed: number }>(
          `select status,
                  (select count(*)::int from stripe_events where processed_at is not null) as processed
             from purchases where id = $1`,
          [res.json().id],
        );
        status = rows[0]?.status ?? '';
        processed = rows[0]?.processed ?? 0;
        if (status === 'credited' && processed > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe('credited');
      expect(processed).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
    // Stopped with the server.
    const apiBase = ctx.config.stripe.apiBase ?? '';
    await expect(fetch(`${apiBase}/v1/customers`)).rejects.toThrow();
  });

  it('behind a reverse proxy with a path prefix: checkout works through PUBLIC_URL only', async () => {
    // The proxy: http://127.0.0.1:<p>/portal/… -> the server's /…, as nginx's proxy_pass would.
    let target = '';
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const inner = (req.url ?? '/').replace(/^\/portal(?=\/|$)/, '') || '/';
        if (inner === req.url) {
          res.writeHead(404).end('not under /portal');
          return;
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
          ),
        );
        const answer = await fetch(`${target}${inner}`, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
          redirect: 'manual',
        });
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'content-length')
            out[name] = value;
        });
        res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/portal`;
    const running = await start(loadConfig(await serverEnv({ PUBLIC_URL: publicUrl })), { worker: false });
    const { app, ctx, url } = running;
    try {
      if (!app || !url) throw new Error('no HTTP app');
      target = url;
      const t: TestApp = {
        app,
        ctx,
        logs: [],
        testDb: {
          db: ctx.db,
          url: undefined,
          openAnother: () => Promise.reject(new Error('not here')),
          drop: async () => {},
        },
        close: async () => {},
      };
      const alice = await readyCustomer(t);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/purchases',
        headers: alice.headers,
        payload: { packId: 'pack-1000', paymentMethod: 'card' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const checkoutUrl: string = res.json().card.checkoutUrl;
      expect(checkoutUrl).toMatch(new RegExp(`^${publicUrl}/sandbox/stripe/checkout/cs_test_`));
      // Only the proxy's address is used from here: the page, its form, the redirect back.
      const page = await fetch(checkoutUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('SANDBOX');
      const declined = await submitCheckout(checkoutUrl, { number: '4000002760003184' });
      const authenticateUrl = location(declined);
      expect(authenticateUrl).toMatch(new RegExp(`^${publicUrl}/sandbox/stripe/authenticate/pi_`));
      const failed = await authenticate(authenticateUrl, 'fail');
      expect(location(failed)).toBe(checkoutUrl);
      const paid = await submitCheckout(checkoutUrl, { number: '4242424242424242' });
      expect(location(paid)).toBe(`${publicUrl}/purchases/${res.json().id}?checkout=success`);
      const deadline = Date.now() + 10_000;
      let status = '';
      while (Date.now() < deadline && status !== 'credited') {
        const { rows } = await ctx.db.query<{ status: string }>(
          'select status from purchases where id = $1',
          [res.json().id],
        );
        status = rows[0]?.status ?? '';
        if (status !== 'credited') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe('credited');
    } finally {
      await running.stop();
    }
  });

  it('with Stripe keys there is no sandbox: /sandbox/stripe/… is 404 in our shape', async () => {
    const t = await createTestApp({
      env: { STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc' },
    });
    try {
      for (const [method, url] of [
        ['GET', '/sandbox/stripe'],
        ['GET', '/sandbox/stripe/checkout/cs_test_1'],
        ['POST', '/sandbox/stripe/v1/customers'],
      ] as const) {
        const res = await t.app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().error).toMatchObject({ code: 'not_found', requestId: expect.any(String) });
      }
    } finally {
      await t.close();
    }
  });

  it('/health says sandbox: false with Stripe keys and real bank details', async () => {
    const t = await createTestApp({
      env: {
        STRIPE_SECRET_KEY: 'sk_live_abc123',
        STRIPE_WEBHOOK_SECRET: 'whsec_abc',
        BANK_IBAN: 'DE89370400440532013000',
        BANK_BIC: 'COBADEFFXXX',
        BANK_BENEFICIARY: 'Example Operator GmbH',
      },
    });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.json()).toMatchObject({ status: 'ok', sandbox: false });
    } finally {
      await t.close();
    }
  });
});
