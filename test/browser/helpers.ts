// What the browser tests share beyond the server harness: finding things on a page the way a
// person does (headings, labels, visible text), screenshots on demand, and a customer made ready
// to buy through the API (sign-up, the e-mailed link, billing data, the mobile code from the
// sandbox phone), for tests whose subject comes after that set-up.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { APIRequestContext, BrowserContext, Locator, Page } from 'playwright-core';
import { linkIn, type Portal, waitForMail } from './harness.js';

/** Waits until the locator shows text matching `pattern` (and is visible). */
export async function seeText(locator: Locator, pattern: RegExp | string, timeout = 10_000): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'visible', timeout });
}

export async function heading(p: Page, name: RegExp | string): Promise<void> {
  await p.getByRole('heading', { level: 1, name }).waitFor({ timeout: 10_000 });
}

/** The error shown under a labelled field. */
export function fieldError(p: Page, label: string): Locator {
  return p.locator('.field', { has: p.getByLabel(label) }).locator('.field-error');
}

/** A link in the portal's side navigation. */
export function navLink(p: Page, name: string): Locator {
  return p.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name, exact: true });
}

/** A full-page screenshot into `dir` (nothing when `dir` is unset). */
export function screenshots(dir: string | undefined) {
  return async (p: Page, name: string): Promise<void> => {
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    // A full-page picture of a scrolled page draws the sticky top bar mid-page.
    await p.evaluate('window.scrollTo(0, 0)');
    await p.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  };
}

export async function logIn(p: Page, url: string, email: string, password: string): Promise<void> {
  await p.goto(`${url}/login`);
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
}

export interface ApiSession {
  request: APIRequestContext;
  csrfToken: string;
  accountId: string;
}

async function json<T>(response: Awaited<ReturnType<APIRequestContext['get']>>, what: string): Promise<T> {
  if (!response.ok()) throw new Error(`${what}: ${response.status()} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Logs in through the API in `context`: its cookie serves the context's pages too. */
export async function apiLogin(
  portal: Portal,
  context: BrowserContext,
  email: string,
  password: string,
): Promise<ApiSession> {
  const answer = await json<{ csrfToken: string; account: { id: string } | null }>(
    await context.request.post(`${portal.url}/api/v1/auth/login`, { data: { email, password } }),
    'login',
  );
  return { request: context.request, csrfToken: answer.csrfToken, accountId: answer.account?.id ?? '' };
}

/** A write with the session's CSRF token. */
export async function apiWrite<T>(
  portal: Portal,
  s: ApiSession,
  method: 'POST' | 'PUT' | 'DELETE',
  pathname: string,
  data?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await s.request.fetch(`${portal.url}/api/v1${pathname}`, {
    method,
    headers: { 'x-csrf-token': s.csrfToken, ...headers },
    data: data ?? {},
  });
  return json<T>(response, `${method} ${pathname}`);
}

/** The code the simulator carrier delivered to the account's mobile (the sandbox phone). */
async function mobileCode(portal: Portal, s: ApiSession, after: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const messages = await json<{ text: string; at: string }[]>(
      await s.request.get(`${portal.url}/api/v1/simulator/messages`),
      'simulator messages',
    );
    const fresh = messages.find((m) => new Date(m.at).getTime() >= after - 1000 && /\b\d{6}\b/.test(m.text));
    const code = fresh ? /\b(\d{6})\b/.exec(fresh.text)?.[1] : undefined;
    if (code) return code;
    if (Date.now() > deadline) throw new Error('no verification code reached the virtual phone');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sends a code by SMS and confirms it, as the mobile page does. */
export async function verifyMobile(portal: Portal, s: ApiSession): Promise<void> {
  const sentAt = Date.now();
  await apiWrite(portal, s, 'POST', '/account/mobile-verification');
  const code = await mobileCode(portal, s, sentAt);
  await apiWrite(portal, s, 'POST', '/account/mobile-verification/confirm', { code });
}

export interface CustomerData {
  name: string;
  email: string;
  password: string;
  legalName: string;
  vatId?: string;
  country: string;
  mobile: string;
}

/** The operator the portal is started with (TOLLGATE_ADMIN_EMAIL and its password). */
export const OPERATOR = { email: 'desk@tollgate.test', password: 'operator-passphrase-9' };

/** The customer of the buying and sending walk-throughs (a Spanish company). */
export const LUMEN_TRAVEL: CustomerData = {
  name: 'Lumen Travel',
  email: 'ana@lumen-travel.test',
  password: 'correct horse battery 8',
  legalName: 'Lumen Travel S.L.',
  country: 'ES',
  mobile: '+34612345679',
};

/**
 * A customer who may buy: signed up, e-mail confirmed from the link, billing data complete,
 * preferences set, mobile verified. Logged in within `context`.
 */
export async function readyCustomer(
  portal: Portal,
  context: BrowserContext,
  c: CustomerData,
): Promise<ApiSession> {
  const signup = await context.request.post(`${portal.url}/api/v1/auth/signup`, {
    data: { email: c.email, password: c.password, name: c.name },
  });
  if (signup.status() !== 201) throw new Error(`signup: ${signup.status()} ${await signup.text()}`);
  const mail = await waitForMail(portal.dataDir, c.email, (m) => m.text.includes('/verify-email?token='));
  const token = new URL(linkIn(mail.text, `${portal.url}/verify-email?token=`)).searchParams.get('token');
  const verified = await context.request.post(`${portal.url}/api/v1/auth/verify-email`, { data: { token } });
  if (!verified.ok()) throw new Error(`verify-email: ${verified.status()} ${await verified.text()}`);
  const s = await apiLogin(portal, context, c.email, c.password);
  await apiWrite(portal, s, 'PUT', '/account/billing', {
    legalName: c.legalName,
    ...(c.vatId ? { vatId: c.vatId } : {}),
    address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: c.country },
    invoiceEmail: c.email,
    mobile: c.mobile,
  });
  await apiWrite(portal, s, 'PUT', '/account/preferences', {
    country: c.country,
    currency: 'EUR',
    timezone: 'Europe/Madrid',
    language: 'en',
  });
  await verifyMobile(portal, s);
  return s;
}

/** The operator verifies an account (so it may send). `admin` is an operator's ApiSession. */
export async function verifyAccount(portal: Portal, admin: ApiSession, accountId: string): Promise<void> {
  await apiWrite(portal, admin, 'POST', `/admin/accounts/${accountId}/verify`);
}

/** The operator's adjustment: credits added (or, negative, taken) with a reason. */
export async function adjustCredits(
  portal: Portal,
  admin: ApiSession,
  accountId: string,
  credits: number,
  reason: string,
): Promise<{ balance: { credits: string; held: string; available: string } }> {
  return apiWrite(
    portal,
    admin,
    'POST',
    `/admin/accounts/${accountId}/adjustments`,
    { credits: String(credits), reason },
    { 'idempotency-key': `browser-${accountId}-${reason}`.replace(/[^\w-]/g, '-').slice(0, 200) },
  );
}
