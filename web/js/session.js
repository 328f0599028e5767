// Who is logged in: the user, their account and the CSRF token, kept in memory. A reload asks
// the server (the cookie is HttpOnly), so nothing about the session is stored in the page.
import { api, setCsrfToken } from './api.js';
import { setTimeZone } from './format.js';

export const session = {
  user: null,
  account: null,
  /** GET /health: {status, database, version, sandbox?}. */
  health: null,
};

const listeners = new Set();

/** Called whenever the account (or the user) changes, so the chrome can redraw. */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const listener of listeners) listener(session);
}

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
  changed();
}

/** Restores a session from the cookie; false when there is none. */
export async function restoreSession() {
  try {
    const data = await api.get('/auth/session', { expect401: true });
    setSession(data);
    return true;
  } catch (error) {
    if (error.status === 401 || error.status === 404) return false;
    throw error;
  }
}

export async function refreshAccount() {
  const account = await api.get('/account');
  session.account = account;
  setTimeZone(account?.preferences?.timezone);
  changed();
  return account;
}

export function updateBalance(balance) {
  if (!session.account) return;
  session.account = { ...session.account, balance };
  changed();
}

export function isAdmin() {
  return session.user?.role === 'admin';
}

export async function loadHealth() {
  try {
    session.health = await api.get('//health');
  } catch {
    session.health = null;
  }
  changed();
}

/** What keeps the account from being verified, in the order a customer fixes it. */
export function missingSteps(account = session.account, user = session.user) {
  const missing = [];
  if (account?.emailVerified === false || user?.emailVerified === false) missing.push('email');
  if (!billingComplete(account)) missing.push('billing');
  if (!account?.mobileVerified) missing.push('mobile');
  return missing;
}

/** The server says whether billing data is complete; older answers are judged field by field. */
export function billingComplete(account) {
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
