// @ts-check
// Who is logged in: the user, their account and the CSRF token, kept in memory. A reload asks
// the server (the cookie is HttpOnly), so nothing about the session is stored in the page.
import { api, setCsrfToken, statusOf } from './api.js';
import { setTimeZone } from './format.js';

/** @typedef {import('./api-types.js').Account} Account */
/** @typedef {import('./api-types.js').User} User */
/** @typedef {import('./api-types.js').Health} Health */
/** @typedef {import('./api-types.js').Balance} Balance */

/** @type {{ user: User | null, account: Account | null, health: Health | null }} */
export const session = {
  user: null,
  account: null,
  /** GET /health: {status, database, version, sandbox?}. */
  health: null,
};

/** @typedef {(s: typeof session) => void} SessionListener */
/** @type {Set<SessionListener>} */
const listeners = new Set();

/** Called whenever the account (or the user) changes, so the chrome can redraw. */
export function onSessionChange(/** @type {SessionListener} */ listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const listener of listeners) listener(session);
}

/** @param {{ user?: User | null, account?: Account | null, csrfToken?: string | null }} data */
export function setSession({ user, account, csrfToken }) {
  session.user = user ?? null;
  session.account = account ?? null;
  if (csrfToken !== undefined) setCsrfToken(csrfToken);
  setTimeZone(session.account?.preferences?.timezone);
  changed();
}

export function clearSession() {
  session.user = null;
  session.account = null;
  setCsrfToken(null);
  forgetSignedIn();
  changed();
}

/** The server's "this browser has a session" cookie (no secret: the session cookie is HttpOnly). */
const SIGNED_IN = 'tollgate_signed_in';

function mayHaveSession() {
  return document.cookie.split(';').some((part) => part.trim().startsWith(`${SIGNED_IN}=1`));
}

function forgetSignedIn() {
  // biome-ignore lint/suspicious/noDocumentCookie: the hint is not a secret and only the page reads it
  document.cookie = `${SIGNED_IN}=; Path=/; Max-Age=0; SameSite=Lax`;
}

/**
 * Restores a session from the cookie; false when there is none. A browser that never logged in
 * (or logged out) has no hint cookie and is not asked about, so its pages log no 401.
 */
export async function restoreSession() {
  if (!mayHaveSession()) return false;
  try {
    const data = /** @type {import('./api-types.js').SessionAnswer} */ (
      await api.get('/auth/session', { expect401: true })
    );
    setSession(data);
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 401 || status === 404) {
      forgetSignedIn();
      return false;
    }
    throw error;
  }
}

export async function refreshAccount() {
  const account = /** @type {Account} */ (await api.get('/account'));
  session.account = account;
  setTimeZone(account?.preferences?.timezone);
  changed();
  return account;
}

export function updateBalance(/** @type {Balance} */ balance) {
  if (!session.account) return;
  session.account = { ...session.account, balance };
  changed();
}

export function isAdmin() {
  return session.user?.role === 'admin';
}

export async function loadHealth() {
  try {
    session.health = /** @type {Health} */ (await api.get('//health'));
  } catch {
    session.health = null;
  }
  changed();
}

/** @typedef {'email' | 'billing' | 'mobile'} Step */

/**
 * What keeps the account from being verified, in the order a customer fixes it.
 * @returns {Step[]}
 */
export function missingSteps(account = session.account, user = session.user) {
  /** @type {Step[]} */
  const missing = [];
  if (account?.emailVerified === false || user?.emailVerified === false) missing.push('email');
  if (!billingComplete(account)) missing.push('billing');
  if (!account?.mobileVerified) missing.push('mobile');
  return missing;
}

/** Who verifies accounts on this server: an operator (`staff`), or the mobile (`mobile`). */
export function verificationPolicy(account = session.account) {
  return account?.verification ?? 'staff';
}

/** Whether the account may send now (only an active account may). */
export function canSend(account = session.account) {
  return account?.status === 'active';
}

/** The server says whether billing data is complete; older answers are judged field by field. */
export function billingComplete(/** @type {Account | null | undefined} */ account) {
  if (typeof account?.billingComplete === 'boolean') return account.billingComplete;
  const billing = account?.billing;
  if (!billing) return false;
  const a = billing.address ?? {};
  return Boolean(
    billing.legalName &&
      billing.invoiceEmail &&
      billing.mobile &&
      a.line1 &&
      a.city &&
      a.postalCode &&
      a.country,
  );
}
