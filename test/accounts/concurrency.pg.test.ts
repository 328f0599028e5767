// Several API processes on one PostgreSQL: the database, not process memory, decides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_BURST } from '../../src/accounts/login-throttle.js';
import { loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/context.js';
import type { Db } from '../../src/db/types.js';
import { type App, buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import {
  BILLING,
  lastCode,
  randomIp,
  signUpVerified,
  uniqueEmail,
  uniqueMobile,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('accounts across API processes', () => {
  let t: TestApp;
  let otherDb: Db;
  let other: App;
  let otherCtx: AppContext;

  beforeAll(async () => {
    t = await createTestApp();
    otherDb = await t.testDb.openAnother(10);
    const config = loadConfig({ DATA_DIR: '/tmp/tollgate-test', LOG_LEVEL: 'silent' });
    otherCtx = createContext(config, otherDb, createLogger(config));
    other = await buildApp(otherCtx, ROUTE_MODULES);
    await other.ready();
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const apps = () => [t.app, other];

  it('shares login limits between processes', async () => {
    // Both processes' clocks pinned inside one window of the fixed-window counters.
    const window = 15 * 60_000;
    const pinned = new Date(Math.ceil(Date.now() / window) * window + 1000);
    const [realA, realB] = [t.ctx.now, otherCtx.now];
    t.ctx.now = () => pinned;
    otherCtx.now = () => pinned;
    const email = uniqueEmail('shared');
    const answers = await Promise.all(
      Array.from({ length: LOGIN_BURST + 4 }, (_, i) =>
        (apps()[i % 2] as App).inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email, password: 'a guessed password' },
          remoteAddress: randomIp(),
        }),
      ),
    );
    t.ctx.now = realA;
    otherCtx.now = realB;
    const codes = answers.map((a) => a.statusCode).sort();
    // The throttle of one e-mail address lets its burst through, shared by both processes.
    expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_BURST);
    expect(codes.filter((c) => c === 429)).toHaveLength(4);
  });

  it('lets one of simultaneous sign-ups with the same address win, answering all alike', async () => {
    const email = uniqueEmail('race');
    const answers = await Promise.all(
      apps().flatMap((app) =>
        [1, 2].map(() =>
          app.inject({
            method: 'POST',
            url: '/api/v1/auth/signup',
            payload: { email, password: 'racing to sign up', name: 'Racer' },
            remoteAddress: randomIp(),
          }),
        ),
      ),
    );
    // Every caller gets the same answer; only one account exists, and its owner is e-mailed.
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201]);
    const { rows } = await t.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from users where email = $1',
      [email],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('counts every one of many simultaneous code guesses, across processes', async () => {
    const s = await signUpVerified(t);
    const mobile = uniqueMobile();
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: s.headers,
      payload: { ...BILLING, mobile },
    });
    await t.app.inject({ method: 'POST', url: '/api/v1/account/mobile-verification', headers: s.headers });
    const code = await lastCode(t, s.accountId, mobile);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (apps()[i % 2] as App).inject({
          method: 'POST',
          url: '/api/v1/account/mobile-verification/confirm',
          headers: s.headers,
          payload: { code: wrong },
          remoteAddress: randomIp(),
        }),
      ),
    );
    const left = answers.map((a) => a.json().error.details.attemptsLeft).filter((n) => n !== undefined);
    expect(left.sort()).toEqual([0, 1, 2, 3, 4]);
    const right = await other.inject({
      method: 'POST',
      url: '/api/v1/account/mobile-verification/confirm',
      headers: s.headers,
      payload: { code },
    });
    expect(right.statusCode).toBe(400);
  });

  it('revokes an API key for every process at once', async () => {
    const s = await signUpVerified(t);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: s.headers,
      payload: { name: 'k' },
    });
    const { id, key } = created.json();
    const bearer = { authorization: `Bearer ${key}` };
    expect((await other.inject({ method: 'GET', url: '/api/v1/balance', headers: bearer })).statusCode).toBe(
      200,
    );
    await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: s.headers });
    expect((await other.inject({ method: 'GET', url: '/api/v1/balance', headers: bearer })).statusCode).toBe(
      401,
    );
  });
});
