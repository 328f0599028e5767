// Security of every accounts route: credentials, roles, CSRF, other accounts' objects,
// single-use and expiring tokens and codes, rate limits, and secrets kept out of the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/accounts/email-tokens.js';
import {
  adminSession,
  type Customer,
  lastCode,
  newApiKey,
  randomIp,
  readyCustomer,
  type Session,
  sessionCookie,
  signUpVerified,
  uniqueEmail,
  uniqueMobile,
  BILLING,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Route {
  method: Method;
  url: string;
  payload?: Record<string, unknown>;
}

const ID = 'acc_aaaaaaaaaaaaaaaaaaaaaaaa';
const CUSTOMER_ROUTES: Route[] = [
  { method: 'GET', url: '/api/v1/account' },
  { method: 'PUT', url: '/api/v1/account/billing', payload: { ...BILLING, mobile: '+34612000001' } },
  {
    method: 'PUT',
    url: '/api/v1/account/preferences',
    payload: { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'es' },
  },
  { method: 'PUT', url: '/api/v1/account/language', payload: { language: 'es' } },
  { method: 'POST', url: '/api/v1/account/mobile-verification' },
  { method: 'POST', url: '/api/v1/account/mobile-verification/confirm', payload: { code: '123456' } },
  { method: 'GET', url: '/api/v1/balance' },
  { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'x' } },
  { method: 'GET', url: '/api/v1/api-keys' },
  { method: 'DELETE', url: '/api/v1/api-keys/key_aaaaaaaaaaaaaaaaaaaaaaaa' },
  { method: 'GET', url: '/api/v1/simulator/messages' },
];
const USER_ROUTES: Route[] = [
  { method: 'GET', url: '/api/v1/auth/session' },
  { method: 'POST', url: '/api/v1/auth/logout' },
];
const ADMIN_ROUTES: Route[] = [
  { method: 'GET', url: '/api/v1/admin/accounts?q=a' },
  { method: 'GET', url: `/api/v1/admin/accounts/${ID}` },
  { method: 'POST', url: `/api/v1/admin/accounts/${ID}/verify` },
  { method: 'POST', url: `/api/v1/admin/accounts/${ID}/suspend`, payload: { reason: 'fraud' } },
  { method: 'POST', url: `/api/v1/admin/accounts/${ID}/reactivate` },
  { method: 'GET', url: '/api/v1/admin/simulator/messages?to=%2B34612000001' },
];
const ALL_GUARDED = [...CUSTOMER_ROUTES, ...USER_ROUTES, ...ADMIN_ROUTES];
const label = (r: Route) => `${r.method} ${r.url}`;

describe('accounts security', () => {
  let t: TestApp;
  let alice: Customer;
  let bob: Customer;
  let ops: Session;
  /** Every secret the tests handle, to look for in the logs at the end. */
  const secrets = new Set<string>();
  /** Codes are looked for as JSON strings: a bare 6-digit run may occur in any logged number. */
  const addCode = (code: string) => secrets.add(`"${code}"`);

  beforeAll(async () => {
    t = await createTestApp();
    alice = await readyCustomer(t, { password: 'alice secret passphrase' });
    bob = await readyCustomer(t, { password: 'bob secret passphrase' });
    ops = await adminSession(t, { password: 'operator secret phrase' });
    for (const s of [alice, bob, ops]) {
      secrets.add(s.password);
      secrets.add(s.cookie.split('=')[1] ?? '');
      secrets.add(s.csrfToken);
    }
  });
  afterAll(() => t.close());

  const send = (route: Route, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: route.method,
      url: route.url,
      headers,
      ...(route.payload ? { payload: route.payload } : {}),
    });

  it.each(ALL_GUARDED.map((r) => [label(r), r] as const))(
    '%s without credentials is 401',
    async (_l, route) => {
      const res = await send(route);
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    },
  );

  it.each(ALL_GUARDED.map((r) => [label(r), r] as const))(
    '%s with an unknown API key or session cookie is 401',
    async (_l, route) => {
      const key = await send(route, { authorization: `Bearer tg_${'A'.repeat(43)}` });
      expect(key.statusCode).toBe(401);
      const cookie = await send(route, { cookie: `tollgate_session=${'B'.repeat(43)}`, 'x-csrf-token': 'x' });
      expect(cookie.statusCode).toBe(401);
      const malformed = await send(route, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(malformed.statusCode).toBe(401);
    },
  );

  it.each(ADMIN_ROUTES.map((r) => [label(r), r] as const))(
    '%s is 403 for a customer, by cookie or API key',
    async (_l, route) => {
      const bySession = await send(route, alice.headers);
      expect(bySession.statusCode, bySession.body).toBe(403);
      expect(bySession.json().error.code).toBe('forbidden');
      const key = await newApiKey(t, alice, 'admin probe');
      secrets.add(key.key);
      const byKey = await send(route, key.headers);
      expect(byKey.statusCode).toBe(403);
    },
  );

  it.each(CUSTOMER_ROUTES.map((r) => [label(r), r] as const))('%s is 403 for an admin', async (_l, route) => {
    const res = await send(route, ops.headers);
    expect(res.statusCode, res.body).toBe(403);
  });

  const writes = ALL_GUARDED.filter((r) => r.method !== 'GET');
  it.each(writes.map((r) => [label(r), r] as const))(
    '%s with the cookie but no (or the wrong) CSRF token is refused',
    async (_l, route) => {
      const session = route.url.includes('/admin/') ? ops : alice;
      const none = await send(route, { cookie: session.cookie });
      expect(none.statusCode, none.body).toBe(403);
      expect(none.json().error.details.reason).toBe('csrf_token_missing_or_wrong');
      const wrong = await send(route, { cookie: session.cookie, 'x-csrf-token': bob.csrfToken });
      expect(wrong.statusCode).toBe(403);
    },
  );

  it('changes nothing when a cookie write is refused for its CSRF token', async () => {
    const before = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account',
      headers: { cookie: alice.cookie },
    });
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/preferences',
      headers: { cookie: alice.cookie },
      payload: { country: 'FR', currency: 'GBP', timezone: 'Europe/Paris', language: 'en' },
    });
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account',
      headers: { cookie: alice.cookie },
    });
    expect(after.json().preferences).toEqual(before.json().preferences);
    const session = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: { cookie: alice.cookie },
    });
    expect(session.statusCode).toBe(200);
  });

  it('answers 404 for another account’s API key, and leaves it working', async () => {
    const bobs = await newApiKey(t, bob, 'bob production');
    secrets.add(bobs.key);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${bobs.id}`,
      headers: alice.headers,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const still = await t.app.inject({ method: 'GET', url: '/api/v1/balance', headers: bobs.headers });
    expect(still.statusCode).toBe(200);
    const aliceList = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: alice.headers });
    expect(aliceList.body).not.toContain(bobs.id);
  });

  it('answers 404 for an account id that does not exist, on every admin route', async () => {
    for (const route of ADMIN_ROUTES.filter((r) => r.url.includes(ID))) {
      const res = await send(route, ops.headers);
      expect(res.statusCode, label(route)).toBe(404);
    }
  });

  it('shows a customer only the simulator messages sent to their own mobile by their own account', async () => {
    const mine = await t.app.inject({
      method: 'GET',
      url: '/api/v1/simulator/messages',
      headers: alice.headers,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().length).toBeGreaterThan(0);
    for (const m of mine.json()) expect(m.to).toBe(alice.mobile);
    // Mallory puts Alice's number in her billing data: she still sees none of Alice's messages.
    const mallory = await signUpVerified(t);
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: mallory.headers,
      payload: { ...BILLING, mobile: alice.mobile },
    });
    const theirs = await t.app.inject({
      method: 'GET',
      url: '/api/v1/simulator/messages',
      headers: mallory.headers,
    });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).toEqual([]);
  });

  it('gives a fresh session at login and ends the one the browser brought', async () => {
    const before = await signUpVerified(t, { password: 'fixation test phrase' });
    secrets.add(before.password);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: before.cookie },
      payload: { email: before.email, password: before.password },
    });
    expect(res.statusCode).toBe(200);
    const fresh = sessionCookie(res.headers['set-cookie']);
    expect(fresh).not.toBe(before.cookie);
    expect(res.json().csrfToken).not.toBe(before.csrfToken);
    const old = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account',
      headers: { cookie: before.cookie },
    });
    expect(old.statusCode).toBe(401);
    const now = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { cookie: fresh } });
    expect(now.statusCode).toBe(200);
  });

  it('ends a session after it has been idle too long', async () => {
    const s = await signUpVerified(t);
    const real = t.ctx.now;
    t.ctx.now = () => new Date(Date.now() + 8 * 24 * 3_600_000);
    try {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/account',
        headers: { cookie: s.cookie },
      });
      expect(res.statusCode).toBe(401);
    } finally {
      t.ctx.now = real;
    }
  });

  it('answers a wrong password and an unknown address alike', async () => {
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: alice.email, password: 'not the password at all' },
      remoteAddress: randomIp(),
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: uniqueEmail('nobody'), password: 'not the password at all' },
      remoteAddress: randomIp(),
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
  });

  it('answers a password reset for an unknown address exactly as for a known one, and e-mails nobody', async () => {
    const count = async () =>
      (await t.ctx.db.query<{ n: number }>('select count(*)::int as n from email_outbox')).rows[0]?.n ?? 0;
    const before = await count();
    const nobody = uniqueEmail('nobody');
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: nobody },
    });
    const known = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: bob.email },
    });
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    // The work behind a reset request finishes after the answer: wait for its outbox row.
    await expect.poll(count).toBe(before + 1);
    const { rows } = await t.ctx.db.query('select 1 from email_outbox where to_address = $1', [nobody]);
    expect(rows).toEqual([]);
  });

  describe('e-mailed tokens', () => {
    it('refuses a verification token used twice', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail(), password: 'token reuse phrase', name: 'Reuse' },
      });
      const token = await issueToken(t.ctx.db, res.json().userId, 'verify_email', t.ctx.now());
      secrets.add(token);
      const first = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify-email',
        payload: { token },
      });
      expect(first.statusCode).toBe(200);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify-email',
        payload: { token },
      });
      expect(again.statusCode).toBe(400);
      expect(again.json().error.details.fields[0].path).toBe('body.token');
    });

    it('refuses an expired verification token, and a reset token used to verify', async () => {
      const email = uniqueEmail();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, password: 'token expiry phrase', name: 'Late' },
      });
      const { userId } = res.json();
      const token = await issueToken(t.ctx.db, userId, 'verify_email', t.ctx.now());
      const reset = await issueToken(t.ctx.db, userId, 'reset_password', t.ctx.now());
      secrets.add(token);
      secrets.add(reset);
      const wrongKind = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/verify-email',
        payload: { token: reset },
      });
      expect(wrongKind.statusCode).toBe(400);
      const real = t.ctx.now;
      t.ctx.now = () => new Date(Date.now() + 49 * 3_600_000);
      try {
        const late = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/verify-email',
          payload: { token },
        });
        expect(late.statusCode).toBe(400);
      } finally {
        t.ctx.now = real;
      }
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'token expiry phrase' },
      });
      expect(login.statusCode).toBe(403);
    });

    it('refuses a reset token used twice or after its hour, and keeps it for a better password', async () => {
      const s = await signUpVerified(t, { password: 'reset reuse phrase' });
      const token = await issueToken(t.ctx.db, s.userId, 'reset_password', t.ctx.now());
      secrets.add(token);
      const weak = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, password: 'password123' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().error.details.fields[0].path).toBe('body.password');
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, password: 'reset reuse phrase two' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, password: 'reset reuse phrase three' },
      });
      expect(again.statusCode).toBe(400);

      const later = await issueToken(t.ctx.db, s.userId, 'reset_password', t.ctx.now());
      secrets.add(later);
      const real = t.ctx.now;
      t.ctx.now = () => new Date(Date.now() + 61 * 60_000);
      try {
        const late = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password-reset/confirm',
          payload: { token: later, password: 'reset reuse phrase four' },
        });
        expect(late.statusCode).toBe(400);
      } finally {
        t.ctx.now = real;
      }
    });

    it('stores tokens only as hashes', async () => {
      const s = await signUpVerified(t);
      const token = await issueToken(t.ctx.db, s.userId, 'reset_password', t.ctx.now());
      const { rows } = await t.ctx.db.query<{ token_hash: string }>(
        'select token_hash from email_tokens where user_id = $1',
        [s.userId],
      );
      for (const row of rows) expect(row.token_hash).not.toBe(token);
      const { rows: sessions } = await t.ctx.db.query<{ id_hash: string }>(
        'select id_hash from sessions where user_id = $1',
        [s.userId],
      );
      expect(sessions.map((r) => r.id_hash)).not.toContain(s.cookie.split('=')[1]);
    });
  });

  describe('mobile codes', () => {
    const codeRoute = '/api/v1/account/mobile-verification';
    let carol: Session & { accountId: string };
    let mobile: string;

    beforeAll(async () => {
      carol = await signUpVerified(t);
      mobile = uniqueMobile();
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/account/billing',
        headers: carol.headers,
        payload: { ...BILLING, mobile },
      });
      expect(res.statusCode).toBe(200);
    });

    const ask = () =>
      t.app.inject({ method: 'POST', url: codeRoute, headers: carol.headers, remoteAddress: randomIp() });
    const confirm = (code: string) =>
      t.app.inject({
        method: 'POST',
        url: `${codeRoute}/confirm`,
        headers: carol.headers,
        payload: { code },
        remoteAddress: randomIp(),
      });
    const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    it('stores the code hashed', async () => {
      expect((await ask()).statusCode).toBe(202);
      const code = await lastCode(t, carol.accountId, mobile);
      addCode(code);
      const { rows } = await t.ctx.db.query<{ code_hash: string }>(
        'select code_hash from mobile_verifications where account_id = $1',
        [carol.accountId],
      );
      expect(rows[0]?.code_hash).toMatch(/^\$argon2id\$/);
      expect(rows[0]?.code_hash).not.toContain(code);
    });

    it('limits how soon a new code may be sent', async () => {
      const res = await ask();
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    });

    it('counts wrong codes and refuses even the right one after five', async () => {
      const code = await lastCode(t, carol.accountId, mobile);
      const first = await confirm(otherThan(code));
      expect(first.statusCode).toBe(400);
      expect(first.json().error.details).toMatchObject({ attemptsLeft: 4 });
      for (let i = 0; i < 4; i++) expect((await confirm(otherThan(code))).statusCode).toBe(400);
      const right = await confirm(code);
      expect(right.statusCode).toBe(400);
      expect(right.json().error.details.fields[0].message).toContain('too many');
    });

    it('refuses a code after ten minutes', async () => {
      const real = t.ctx.now;
      t.ctx.now = () => new Date(Date.now() + 2 * 60_000);
      try {
        expect((await ask()).statusCode).toBe(202);
        const code = await lastCode(t, carol.accountId, mobile);
        addCode(code);
        t.ctx.now = () => new Date(Date.now() + 13 * 60_000);
        const late = await confirm(code);
        expect(late.statusCode).toBe(400);
        expect(late.json().error.details.fields[0].message).toContain('expired');
      } finally {
        t.ctx.now = real;
      }
    });

    it('refuses a code used once already', async () => {
      const real = t.ctx.now;
      t.ctx.now = () => new Date(Date.now() + 20 * 60_000);
      try {
        expect((await ask()).statusCode).toBe(202);
        const code = await lastCode(t, carol.accountId, mobile);
        addCode(code);
        expect((await confirm(code)).statusCode).toBe(200);
        const again = await confirm(code);
        expect(again.statusCode).toBe(400);
      } finally {
        t.ctx.now = real;
      }
    });

    it('makes a changed mobile unverified, and voids the code sent to the old one', async () => {
      const real = t.ctx.now;
      t.ctx.now = () => new Date(Date.now() + 30 * 60_000);
      try {
        const newMobile = uniqueMobile();
        const changed = await t.app.inject({
          method: 'PUT',
          url: '/api/v1/account/billing',
          headers: carol.headers,
          payload: { ...BILLING, mobile: newMobile },
        });
        expect(changed.json()).toMatchObject({ mobileVerified: false, canPurchase: false });
        expect(changed.json().purchaseBlockers).toEqual(['mobile_verification']);
        expect((await ask()).statusCode).toBe(202);
        const code = await lastCode(t, carol.accountId, newMobile);
        addCode(code);
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/account/billing',
          headers: carol.headers,
          payload: { ...BILLING, mobile: uniqueMobile() },
        });
        const res = await confirm(code);
        expect(res.statusCode).toBe(400);
        // The same number again keeps its verification.
        const account = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: carol.headers });
        const same = await t.app.inject({
          method: 'PUT',
          url: '/api/v1/account/billing',
          headers: carol.headers,
          payload: { ...BILLING, mobile: account.json().mobile },
        });
        expect(same.json().mobileVerified).toBe(false);
      } finally {
        t.ctx.now = real;
      }
    });
  });

  describe('rate limits', () => {
    // Counters use fixed windows: pin the clock inside one, so no test straddles a boundary.
    let real: () => Date;
    beforeAll(() => {
      real = t.ctx.now;
      const hour = 3_600_000;
      const pinned = new Date(Math.ceil(Date.now() / hour) * hour + 60_000);
      t.ctx.now = () => pinned;
    });
    afterAll(() => {
      t.ctx.now = real;
    });
    const expect429 = (
      res: { statusCode: number; headers: Record<string, unknown>; json: () => { error: { code: string } } },
      windowSeconds: number,
    ) => {
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('rate_limited');
      const retry = Number(res.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(windowSeconds);
    };

    it('limits logins for one address from one IP; from many IPs it slows them (lockout.test.ts)', async () => {
      const email = uniqueEmail('target');
      const ip = randomIp();
      for (let i = 0; i < 10; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email, password: 'guess number one' },
          remoteAddress: ip,
        });
        expect(res.statusCode).toBe(401);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'guess number one' },
        remoteAddress: ip,
      });
      expect429(res, 900);
      const elsewhere = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'guess number one' },
        remoteAddress: randomIp(),
      });
      expect(elsewhere.statusCode).toBe(401);
    });

    it('limits logins per IP, whichever address they try', async () => {
      const ip = randomIp();
      let last = 0;
      for (let i = 0; i < 101; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: `spray-${i}@example.com`, password: 'sprayed password' },
          remoteAddress: ip,
        });
        last = res.statusCode;
        if (i === 100) expect429(res, 900);
      }
      expect(last).toBe(429);
    });

    it('believes X-Forwarded-For only from a trusted proxy (TRUST_PROXY, loopback by default)', async () => {
      const attacker = '203.0.113.7';
      // A refused sign-up (400) that claims a new client address each time.
      const spoofedSignup = (remoteAddress: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/signup',
          headers: { 'x-forwarded-for': randomIp() },
          payload: { email: uniqueEmail(), password: 'too short', name: 'n' },
          remoteAddress,
        });
      for (let i = 0; i < 20; i++) {
        expect((await spoofedSignup(attacker)).statusCode).toBe(400);
      }
      expect((await spoofedSignup(attacker)).statusCode).toBe(429);
      // A proxy on the same machine passes each client's own address on.
      expect((await spoofedSignup('127.0.0.1')).statusCode).toBe(400);
    });

    it('limits sign-ups per IP', async () => {
      const ip = randomIp();
      for (let i = 0; i < 20; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/signup',
          payload: { email: uniqueEmail(), password: 'too short', name: 'n' },
          remoteAddress: ip,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.details.fields[0].path).toBe('body.password');
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail(), password: 'a good long password', name: 'n' },
        remoteAddress: ip,
      });
      expect429(res, 3600);
    });

    it('limits sign-ups per address, whichever IP they come from', async () => {
      const email = uniqueEmail('again');
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/signup',
          payload: { email, password: 'too short', name: 'n' },
          remoteAddress: randomIp(),
        });
        expect(res.statusCode).toBe(400);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email, password: 'a good long password', name: 'n' },
        remoteAddress: randomIp(),
      });
      expect429(res, 3600);
    });

    it('limits password-reset requests per address, known or not', async () => {
      const known = await signUpVerified(t);
      for (const email of [known.email, uniqueEmail('nobody')]) {
        for (let i = 0; i < 5; i++) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/password-reset',
            payload: { email },
            remoteAddress: randomIp(),
          });
          expect(res.statusCode).toBe(202);
        }
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password-reset',
          payload: { email },
          remoteAddress: randomIp(),
        });
        expect429(res, 3600);
      }
    });

    it('limits token checks per IP', async () => {
      const ip = randomIp();
      for (let i = 0; i < 30; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/verify-email',
          payload: { token: `guess${i}` },
          remoteAddress: ip,
        });
        expect(res.statusCode).toBe(400);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token: 'guess', password: 'whatever long enough' },
        remoteAddress: ip,
      });
      expect429(res, 900);
    });

    it('limits code checks per account', async () => {
      const dave = await signUpVerified(t);
      for (let i = 0; i < 10; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/account/mobile-verification/confirm',
          headers: dave.headers,
          payload: { code: '000000' },
          remoteAddress: randomIp(),
        });
        expect(res.statusCode).toBe(400);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/account/mobile-verification/confirm',
        headers: dave.headers,
        payload: { code: '000000' },
        remoteAddress: randomIp(),
      });
      expect429(res, 900);
    });

    it('keeps its counters in the database, shared by every API process', async () => {
      const { rows } = await t.ctx.db.query<{ key: string }>('select key from rate_limit_counters');
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.key).not.toContain('@');
    });
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const secure = await createTestApp({ env: { PUBLIC_URL: 'https://sms.example.com' } });
    try {
      const s = await signUpVerified(secure);
      const res = await secure.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: s.email, password: s.password },
      });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await secure.close();
    }
  });

  it('never writes a password, token, cookie, CSRF token, API key or code to the log', async () => {
    await t.ctx.mailer.drain();
    const log = t.logs.join('\n');
    expect(log.length).toBeGreaterThan(1000);
    secrets.delete('');
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets)
      expect(log, `a secret leaked: ${secret.slice(0, 4)}…`).not.toContain(secret);
  });
});
