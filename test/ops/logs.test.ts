// The logs of a whole customer journey, as an operator's collector gets them: `tollgate serve`
// in a child process (the Stripe sandbox in it, e-mail to files), its standard output read
// line by line. Every line of a request carries its request id, and its account id once the
// caller is known; no line carries a password, an API key, a session or CSRF token, an
// e-mailed token, a card number or a server secret.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING, uniqueEmail, uniqueMobile } from '../helpers/accounts.js';
import { createPostgresDatabase, testDbKind } from '../helpers/db.js';
import { submitCheckout } from '../unit/stripe-sandbox/helpers.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));
const PASSWORD = 'journey pass phrase 7';
const WRONG_PASSWORD = 'not the journey pass 8';
const CARD = '4242424242424242';

interface Server {
  base: string;
  lines: string[];
  child: ChildProcessWithoutNullStreams;
  dataDir: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
let server: Server;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-logs-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    RATE_LIMIT_MULTIPLIER: '100',
    // The journey verifies its mobile and sends: no operator's review in between.
    ACCOUNT_VERIFICATION: 'mobile',
  };
  if (testDbKind() === 'postgres') {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    env.DATABASE_URL = created.url;
  }
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    lines.push(...complete.filter((line) => line.trim() !== ''));
  });
  child.stderr.on('data', (chunk: Buffer) => lines.push(`STDERR ${chunk.toString('utf8')}`));
  const base = `http://127.0.0.1:${port}`;
  // A loaded machine may take a minute to start it (migrations on a fresh database).
  for (let i = 0; i < 1800; i++) {
    if (lines.some((line) => line.includes('tollgate is listening'))) return { base, lines, child, dataDir };
    if (child.exitCode !== null) throw new Error(`the server exited:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not start:\n${lines.join('\n')}`);
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  server = await startServer();
}, 240_000);
afterAll(async () => {
  if (server) await stopServer(server);
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Browser {
  cookie: string;
  csrf: string;
}

async function api(
  method: string,
  url: string,
  { body, as, headers = {} }: { body?: unknown; as?: Browser; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${server.base}${url}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(as ? { cookie: as.cookie, 'x-csrf-token': as.csrf } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
}

/** The token of the newest e-mailed link to `linkPath` for `to` (the .txt copies in DATA_DIR/mail). */
function mailedToken(to: string, linkPath: string): string {
  const dir = path.join(server.dataDir, 'mail');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of names
    .filter((n) => n.endsWith('.txt'))
    .sort()
    .reverse()) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const token = new RegExp(`${linkPath}\\?token=([A-Za-z0-9_-]+)`).exec(text)?.[1];
    if (text.startsWith(`To: ${to}`) && token) return token;
  }
  throw new Error(`no ${linkPath} e-mail to ${to}`);
}

async function eventually<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the logs of a customer journey', () => {
  it('name each request and its account on every line, and never a secret', async () => {
    const secrets: Record<string, string> = { password: PASSWORD, 'wrong password': WRONG_PASSWORD };
    const email = uniqueEmail('journey');
    const signup = await api('POST', '/api/v1/auth/signup', {
      body: { email, password: PASSWORD, name: 'Journey Customer' },
    });
    expect(signup.status, signup.text).toBe(201);
    const { accountId } = signup.json();
    const verifyToken = await eventually(async () => {
      try {
        return mailedToken(email, '/verify-email');
      } catch {
        return undefined; // not written yet
      }
    }, 'the verification e-mail');
    secrets['verification token'] = verifyToken;
    expect((await api('POST', '/api/v1/auth/verify-email', { body: { token: verifyToken } })).status).toBe(
      200,
    );
    expect(
      (await api('POST', '/api/v1/auth/login', { body: { email, password: WRONG_PASSWORD } })).status,
    ).toBe(401);
    const login = await api('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status, login.text).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const me: Browser = { cookie, csrf: login.json().csrfToken };
    secrets['session cookie'] = cookie.split('=')[1] ?? '';
    secrets['CSRF token'] = me.csrf;

    const created = await api('POST', '/api/v1/api-keys', { as: me, body: { name: 'journey' } });
    expect(created.status, created.text).toBe(201);
    const apiKey: string = created.json().key;
    secrets['API key'] = apiKey;
    const mobile = uniqueMobile();
    expect(
      (await api('PUT', '/api/v1/account/billing', { as: me, body: { ...BILLING, mobile } })).status,
    ).toBe(200);
    expect((await api('POST', '/api/v1/account/mobile-verification', { as: me })).status).toBe(202);
    const phone = await api('GET', `/api/v1/simulator/messages?to=${encodeURIComponent(mobile)}`, { as: me });
    const code = /\b(\d{6})\b/.exec(phone.text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    const confirmed = await api('POST', '/api/v1/account/mobile-verification/confirm', {
      as: me,
      body: { code },
    });
    expect(confirmed.status, confirmed.text).toBe(200);

    // A card purchase, the number typed on the sandbox's page.
    const bought = await api('POST', '/api/v1/purchases', {
      as: me,
      body: { packId: 'pack-1000', paymentMethod: 'card' },
    });
    expect(bought.status, bought.text).toBe(201);
    const paid = await submitCheckout(bought.json().card.checkoutUrl, { number: CARD, cvc: '987' });
    expect(paid.status).toBe(303);
    await eventually(async () => {
      const res = await api('GET', `/api/v1/purchases/${bought.json().id}`, { as: me });
      return res.json().status === 'credited' ? true : undefined;
    }, 'the purchase to be credited');

    // Sends with the API key, one of them with the key in a query string as well.
    const bearer = { authorization: `Bearer ${apiKey}` };
    for (const to of ['+34612345678', '+34612345679']) {
      const sent = await api('POST', '/api/v1/messages', {
        headers: bearer,
        body: { to, text: 'Hello from the journey' },
      });
      expect(sent.status, sent.text).toBe(202);
    }
    expect((await api('GET', `/api/v1/messages?api_key=${apiKey}`, { headers: bearer })).status).toBe(200);
    expect(
      (await api('GET', '/api/v1/balance', { headers: { authorization: 'Bearer tg_not_a_key' } })).status,
    ).toBe(401);
    await stopServer(server);

    const lines = server.lines;
    expect(lines.some((line) => line.startsWith('STDERR'))).toBe(false);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // No secret, in any spelling a log could hold it.
    const log = lines.join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(5);
      expect(log.includes(value), `the ${what} is in the log`).toBe(false);
      expect(log.includes(encodeURIComponent(value)), `the ${what} (URL-encoded) is in the log`).toBe(false);
    }
    expect(log).not.toMatch(/4242\D?4242\D?4242\D?4242/);
    expect(log).not.toMatch(/sk_test_\w{8,}|whsec_\w{8,}/);
    expect(log).not.toContain('"cvc"');

    // Every line of a request names it; once the caller is known, its account too.
    const requests = parsed.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThan(15);
    for (const line of requests) expect(line.requestId, JSON.stringify(line)).toMatch(/^req_/);
    const byRequest = new Map<string, Record<string, unknown>[]>();
    for (const line of parsed) {
      if (typeof line.requestId !== 'string') continue;
      byRequest.set(line.requestId, [...(byRequest.get(line.requestId) ?? []), line]);
    }
    const customerRoutes = requests.filter(
      (line) =>
        typeof line.url === 'string' &&
        /^\/api\/v1\/(account|api-keys|purchases|messages|balance|simulator)/.test(line.url) &&
        line.statusCode !== 401,
    );
    expect(customerRoutes.length).toBeGreaterThan(8);
    for (const line of customerRoutes) {
      expect(line.accountId, JSON.stringify(line)).toBe(accountId);
      // Every other line of that request (e-mails, Stripe calls, errors) says the same.
      for (const other of byRequest.get(String(line.requestId)) ?? []) {
        expect(other.accountId, JSON.stringify(other)).toBe(accountId);
      }
    }
    const signupLines =
      byRequest.get(String(requests.find((l) => l.url === '/api/v1/auth/signup')?.requestId)) ?? [];
    expect(signupLines.find((line) => line.msg === 'request')?.accountId).toBe(accountId);
    // A line written for the request by another room (the purchase's Stripe customer, an
    // e-mail sent after commit) carries the request's ids too.
    const purchaseRequest = requests.find((l) => l.url === '/api/v1/purchases' && l.method === 'POST');
    expect(purchaseRequest?.accountId).toBe(accountId);
    const mailLines = parsed.filter((line) => line.msg === 'e-mail sent');
    expect(mailLines.length).toBeGreaterThan(0);
    for (const line of mailLines) expect(line.requestId, JSON.stringify(line)).toMatch(/^req_/);
  });
});
