// Customers and admins for tests of any domain, made through the real routes.
//
//   const alice = await readyCustomer(t);              // active, billing complete, mobile verified
//   await t.app.inject({ method: 'POST', url: '/api/v1/…', headers: alice.headers, payload });
//   const key = await newApiKey(t, alice);             // { authorization: 'Bearer …' } in key.headers
//   const ops = await adminSession(t);
//
// Each helper call comes from its own made-up IP address, so the per-IP rate limits of
// sign-up and login never get in the way of a test that needs many accounts.
import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'vitest';
import { createAdmin } from '../../src/accounts/admin.js';
import { issueToken } from '../../src/accounts/email-tokens.js';
import { listSimulatedMessages } from '../../src/messaging/carriers/simulator.js';
import type { TestApp } from './app.js';

export interface Session {
  userId: string;
  accountId: string | null;
  email: string;
  password: string;
  /** `tollgate_session=…` */
  cookie: string;
  csrfToken: string;
  /** Cookie and CSRF header: what the portal sends on a write. */
  headers: Record<string, string>;
}

export interface Customer extends Session {
  accountId: string;
  mobile: string;
}

export function randomIp(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.com`;
}

/** A Spanish mobile number no other test uses (the simulator delivers to it). */
export function uniqueMobile(): string {
  return `+346${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith('tollgate_session=') && !c.startsWith('tollgate_session=;'));
  if (!found) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return found.split(';')[0] ?? '';
}

export async function logIn(t: TestApp, email: string, password: string): Promise<Session> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: randomIp(),
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  const cookie = sessionCookie(res.headers['set-cookie']);
  return {
    userId: body.user.id,
    accountId: body.account?.id ?? null,
    email,
    password,
    cookie,
    csrfToken: body.csrfToken,
    headers: { cookie, 'x-csrf-token': body.csrfToken },
  };
}

/** Signs up through the API and confirms the address with a link issued for the test. */
export async function signUpVerified(
  t: TestApp,
  { email = uniqueEmail(), password = 'correct horse battery', name = 'Test Customer' } = {},
): Promise<Session & { accountId: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password, name },
    remoteAddress: randomIp(),
  });
  expect(res.statusCode, res.body).toBe(201);
  const { accountId, userId } = res.json();
  const token = await issueToken(t.ctx.db, userId, 'verify_email', t.ctx.now());
  const verified = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/verify-email',
    payload: { token },
    remoteAddress: randomIp(),
  });
  expect(verified.statusCode, verified.body).toBe(200);
  const session = await logIn(t, email, password);
  return { ...session, accountId };
}

export const BILLING = {
  legalName: 'Example Trading S.L.',
  vatId: 'ESB12345674',
  address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' },
  invoiceEmail: 'invoices@example.com',
};

/** The last code the simulator delivered to this account's mobile. */
export async function lastCode(t: TestApp, accountId: string, mobile: string): Promise<string> {
  const [latest] = await listSimulatedMessages(t.ctx.db, { to: mobile, accountId, limit: 1 });
  const code = latest && /\b(\d{6})\b/.exec(latest.text)?.[1];
  if (!code) throw new Error(`no code was sent to ${mobile}`);
  return code;
}

/** Complete billing data and a verified mobile: with the tests' ACCOUNT_VERIFICATION=mobile, an active account. */
export async function readyCustomer(
  t: TestApp,
  options: { email?: string; password?: string; name?: string; mobile?: string } = {},
): Promise<Customer> {
  const session = await signUpVerified(t, options);
  const mobile = options.mobile ?? uniqueMobile();
  const billing = await t.app.inject({
    method: 'PUT',
    url: '/api/v1/account/billing',
    headers: session.headers,
    payload: { ...BILLING, mobile },
  });
  expect(billing.statusCode, billing.body).toBe(200);
  const sent = await t.app.inject({
    method: 'POST',
    url: '/api/v1/account/mobile-verification',
    headers: session.headers,
  });
  expect(sent.statusCode, sent.body).toBe(202);
  const confirmed = await t.app.inject({
    method: 'POST',
    url: '/api/v1/account/mobile-verification/confirm',
    headers: session.headers,
    payload: { code: await lastCode(t, session.accountId, mobile) },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { ...session, mobile };
}

export async function newApiKey(
  t: TestApp,
  session: Session,
  name = 'test key',
): Promise<{ id: string; key: string; headers: Record<string, string> }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: session.headers,
    payload: { name },
  });
  expect(res.statusCode, res.body).toBe(201);
  const { id, key } = res.json();
  return { id, key, headers: { authorization: `Bearer ${key}` } };
}

export async function adminSession(
  t: TestApp,
  { email = uniqueEmail('ops'), password = 'operator pass phrase' } = {},
): Promise<Session> {
  await createAdmin(t.ctx.db, { email, password }, t.ctx.now());
  return logIn(t, email, password);
}
