// The operator's desk and account status: search, verify, suspend, reactivate; the guards
// other domains call; creating admins from the CLI and at start-up.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminSetupError,
  assertCanPurchase,
  assertCanTransact,
  bootstrapAdmin,
  createAdmin,
} from '../../src/accounts/index.js';
import { openDb } from '../../src/db/index.js';
import { AppError } from '../../src/http/errors.js';
import {
  adminSession,
  BILLING,
  type Customer,
  logIn,
  randomIp,
  readyCustomer,
  type Session,
  signUpVerified,
  uniqueEmail,
  uniqueMobile,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDbKind } from '../helpers/db.js';

async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('the operator’s account desk', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;

  beforeAll(async () => {
    t = await createTestApp();
    ops = await adminSession(t);
    alice = await readyCustomer(t, { name: 'Alice Wonder', email: uniqueEmail('alice') });
  });
  afterAll(() => t.close());

  const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: ops.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('finds accounts by name, legal name, e-mail or id, case-insensitively', async () => {
    const byName = await admin('GET', '/api/v1/admin/accounts?q=wONDER');
    expect(byName.statusCode).toBe(200);
    expect(byName.json().data.map((a: { id: string }) => a.id)).toEqual([alice.accountId]);
    expect(byName.json().data[0]).toEqual({
      id: alice.accountId,
      name: 'Alice Wonder',
      email: alice.email,
      status: 'active',
      legalName: BILLING.legalName,
      vatId: BILLING.vatId,
      country: 'ES',
      emailVerified: true,
      mobileVerified: true,
      createdAt: expect.any(String),
    });
    const byEmail = await admin(
      'GET',
      `/api/v1/admin/accounts?q=${encodeURIComponent(alice.email.slice(0, 12))}`,
    );
    expect(byEmail.json().data.map((a: { id: string }) => a.id)).toContain(alice.accountId);
    const byLegal = await admin('GET', '/api/v1/admin/accounts?q=trading%20s.l');
    expect(byLegal.json().data.map((a: { id: string }) => a.id)).toContain(alice.accountId);
    const byId = await admin('GET', `/api/v1/admin/accounts?q=${alice.accountId}`);
    expect(byId.json().data.map((a: { id: string }) => a.id)).toEqual([alice.accountId]);
    const none = await admin('GET', '/api/v1/admin/accounts?q=%25');
    expect(none.json().data).toEqual([]);
  });

  it('finds an account by its VAT id however the operator writes it', async () => {
    const carla = await readyCustomer(t, { name: 'Carla Vat', email: uniqueEmail('carla') });
    const billing = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: carla.headers,
      payload: { ...BILLING, vatId: 'FR40303265045', mobile: carla.mobile },
    });
    expect(billing.statusCode, billing.body).toBe(200);
    for (const q of ['FR40303265045', 'fr 403 032 650 45', '303265045', 'fr40-3032']) {
      const res = await admin('GET', `/api/v1/admin/accounts?q=${encodeURIComponent(q)}`);
      expect(res.statusCode).toBe(200);
      expect(
        res.json().data.map((a: { id: string }) => a.id),
        q,
      ).toEqual([carla.accountId]);
      expect(res.json().data[0].vatId).toBe('FR40303265045');
    }
    // Another account's VAT id (every other test customer's) is not this one.
    const other = await admin('GET', `/api/v1/admin/accounts?q=${BILLING.vatId}`);
    expect(other.json().data.map((a: { id: string }) => a.id)).not.toContain(carla.accountId);
    expect(other.json().data.map((a: { id: string }) => a.id)).toContain(alice.accountId);
  });

  it('pages through every account, newest first, without repeats', async () => {
    for (let i = 0; i < 4; i++) await signUpVerified(t, { name: `Pager ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/admin/accounts?q=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await admin('GET', url);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.data.map((a: { name: string }) => a.name));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(['Pager 3', 'Pager 2', 'Pager 1', 'Pager 0']);
  });

  it('shows one account with its owner and verification', async () => {
    const res = await admin('GET', `/api/v1/admin/accounts/${alice.accountId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: alice.accountId,
      status: 'active',
      verifiedBy: 'mobile',
      suspendedAt: null,
      owner: { id: alice.userId, email: alice.email, name: 'Alice Wonder', emailVerified: true },
      balance: { credits: '0', held: '0', available: '0' },
    });
  });

  it('suspends: the customer can still log in and read, but neither buy nor send', async () => {
    const res = await admin('POST', `/api/v1/admin/accounts/${alice.accountId}/suspend`, {
      reason: 'chargeback',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'suspended',
      suspendedReason: 'chargeback',
      canPurchase: false,
    });
    const again = await admin('POST', `/api/v1/admin/accounts/${alice.accountId}/suspend`);
    expect(again.statusCode).toBe(200);
    expect(again.json().suspendedReason).toBe('chargeback');

    const session = await logIn(t, alice.email, alice.password);
    const account = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: session.headers });
    expect(account.statusCode).toBe(200);
    expect(account.json()).toMatchObject({
      status: 'suspended',
      canPurchase: false,
      canSend: false,
      purchaseBlockers: ['account_suspended'],
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/balance', headers: session.headers })).statusCode,
    ).toBe(200);

    const transact = await appError(assertCanTransact(t.ctx.db, alice.accountId));
    expect(transact.code).toBe('forbidden');
    expect(transact.details).toEqual({ reason: 'account_suspended' });
    const purchase = await appError(assertCanPurchase(t.ctx.db, alice.accountId));
    expect(purchase.code).toBe('forbidden');
  });

  it('reactivates a suspended account, and refuses to reactivate one that is not', async () => {
    const res = await admin('POST', `/api/v1/admin/accounts/${alice.accountId}/reactivate`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'active',
      suspendedAt: null,
      suspendedReason: null,
      canPurchase: true,
    });
    await expect(assertCanTransact(t.ctx.db, alice.accountId)).resolves.toMatchObject({
      id: alice.accountId,
    });
    await expect(assertCanPurchase(t.ctx.db, alice.accountId)).resolves.toMatchObject({
      id: alice.accountId,
    });
    const again = await admin('POST', `/api/v1/admin/accounts/${alice.accountId}/reactivate`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('sends an unverified account back to pending when its suspension ends', async () => {
    const pending = await signUpVerified(t);
    await admin('POST', `/api/v1/admin/accounts/${pending.accountId}/suspend`);
    const res = await admin('POST', `/api/v1/admin/accounts/${pending.accountId}/reactivate`);
    expect(res.json().status).toBe('pending_verification');
  });

  it('tells other domains what a purchase still needs', async () => {
    const bare = await signUpVerified(t);
    const none = await appError(assertCanPurchase(t.ctx.db, bare.accountId));
    expect(none.code).toBe('billing_data_incomplete');
    expect(none.status).toBe(409);
    expect(none.details).toEqual({ missing: ['billing_data', 'mobile_verification'] });
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: bare.headers,
      payload: { ...BILLING, mobile: uniqueMobile() },
    });
    const mobileOnly = await appError(assertCanPurchase(t.ctx.db, bare.accountId));
    expect(mobileOnly.details).toEqual({ missing: ['mobile_verification'] });
    const notVerified = await appError(assertCanTransact(t.ctx.db, bare.accountId));
    expect(notVerified.details).toEqual({ reason: 'account_not_verified' });
    const unknown = await appError(assertCanPurchase(t.ctx.db, 'acc_nothere'));
    expect(unknown.code).toBe('not_found');
  });
});

describe('verification by an operator (ACCOUNT_VERIFICATION=staff, the default)', () => {
  let t: TestApp;
  let ops: Session;
  beforeAll(async () => {
    t = await createTestApp({ env: { ACCOUNT_VERIFICATION: 'staff' } });
    ops = await adminSession(t);
  });
  afterAll(() => t.close());

  it('keeps a verified mobile pending until an operator verifies the account', async () => {
    const bob = await readyCustomer(t);
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: bob.headers });
    expect(before.json()).toMatchObject({
      status: 'pending_verification',
      mobileVerified: true,
      canPurchase: true,
      canSend: false,
      verification: 'staff',
    });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/accounts/${bob.accountId}/verify`,
      headers: ops.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'active', verifiedBy: 'operator', canSend: true });
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/accounts/${bob.accountId}/verify`,
      headers: ops.headers,
    });
    expect(again.json().status).toBe('active');
    const { rows } = await t.ctx.db.query<{ n: number }>(
      `select count(*)::int as n from email_outbox where template = 'account-verified' and to_address = $1`,
      [bob.email],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('activates an operator-verified account once its e-mail is verified', async () => {
    const email = uniqueEmail();
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'waiting for the link', name: 'Early' },
      remoteAddress: randomIp(),
    });
    const { accountId, userId } = signup.json();
    const verified = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/accounts/${accountId}/verify`,
      headers: ops.headers,
    });
    expect(verified.json()).toMatchObject({ status: 'pending_verification', emailVerified: false });
    const { issueToken } = await import('../../src/accounts/email-tokens.js');
    const token = await issueToken(t.ctx.db, userId, 'verify_email', t.ctx.now());
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/admin/accounts/${accountId}`,
      headers: ops.headers,
    });
    expect(after.json().status).toBe('active');
  });
});

describe('creating admins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { TOLLGATE_ADMIN_EMAIL: 'Boot@Example.com', TOLLGATE_ADMIN_PASSWORD: 'bootstrap pass phrase' },
    });
  });
  afterAll(() => t.close());

  it('creates the start-up admin when there is none, once, even when processes start together', async () => {
    const outcomes = await Promise.all([bootstrapAdmin(t.ctx), bootstrapAdmin(t.ctx), bootstrapAdmin(t.ctx)]);
    expect(outcomes.sort()).toEqual(['created', 'exists', 'exists']);
    const { rows } = await t.ctx.db.query<{ email: string }>("select email from users where role = 'admin'");
    expect(rows).toEqual([{ email: 'boot@example.com' }]);
    const session = await logIn(t, 'boot@example.com', 'bootstrap pass phrase');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/accounts',
      headers: session.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(await bootstrapAdmin(t.ctx)).toBe('exists');
  });

  it('refuses a weak password or an address that is taken', async () => {
    await expect(
      createAdmin(t.ctx.db, { email: 'weak@example.com', password: 'password123' }, t.ctx.now()),
    ).rejects.toThrow(AdminSetupError);
    await expect(
      createAdmin(t.ctx.db, { email: 'BOOT@example.com', password: 'another fine phrase' }, t.ctx.now()),
    ).rejects.toThrow(/already has a user/);
    await expect(
      createAdmin(t.ctx.db, { email: 'nope', password: 'another fine phrase' }, t.ctx.now()),
    ).rejects.toThrow(AdminSetupError);
  });

  it('creates an admin from the command line', async () => {
    const env: Record<string, string> = { ...process.env, LOG_LEVEL: 'silent' } as Record<string, string>;
    let check: () => Promise<string[]>;
    if (testDbKind() === 'postgres' && t.testDb.url) {
      env.DATABASE_URL = t.testDb.url;
      check = async () =>
        (
          await t.ctx.db.query<{ email: string }>(
            "select email from users where role = 'admin' order by email",
          )
        ).rows.map((r) => r.email);
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-cli-'));
      env.DATA_DIR = dir;
      delete env.DATABASE_URL;
      check = async () => {
        const db = await openDb({ databaseUrl: undefined, dataDir: dir });
        try {
          return (await db.query<{ email: string }>("select email from users where role = 'admin'")).rows.map(
            (r) => r.email,
          );
        } finally {
          await db.close();
        }
      };
    }
    const bin = path.resolve('bin/tollgate.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'create-admin', '--email', 'Cli@Example.com', '--password', 'command line phrase'],
      { env, timeout: 60_000 },
    );
    expect(stdout).toMatch(/^admin cli@example\.com created \(usr_[a-z2-7]{24}\)/);
    expect(await check()).toContain('cli@example.com');
    const weak = promisify(execFile)(
      process.execPath,
      [bin, 'create-admin', '--email', 'w@example.com', '--password', 'short'],
      {
        env,
        timeout: 60_000,
      },
    );
    await expect(weak).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('at least 10 characters'),
    });
  });
});
