// The auth layer every domain puts in front of its routes.
//
//   import { customerOf, requireCustomer } from '../accounts/index.js';
//
//   app.get('/api/v1/purchases', { onRequest: requireCustomer(ctx) }, async (req) => {
//     const { accountId } = customerOf(req);           // the caller's account, never another's
//     …
//   });
//   app.post('/api/v1/admin/…', { onRequest: requireAdmin(ctx) }, async (req) => { adminOf(req) … });
//
// A request authenticates with `Authorization: Bearer <API key>` (customers) or with the
// session cookie. Cookie-authenticated writes (anything but GET, HEAD, OPTIONS) must carry the
// session's CSRF token in `X-CSRF-Token`, or they are refused with 403 before the handler runs.
// Use these hooks as `onRequest` so that credentials are checked before the body is read.
// No credentials: 401 unauthenticated. The wrong role, or an API key whose scope does not
// cover the route (api-key-scopes.ts): 403 forbidden. Each hook is marked with what it demands
// (`guardOf`), from which security.ts declares every route's `security` in the OpenAPI document.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { identifyRequest } from '../logger.js';
import { type ApiKeyScope, assertScope } from './api-key-scopes.js';
import { type AccountStanding, findApiKey } from './api-keys.js';
import { findSession, sessionCookieOf } from './sessions.js';
import { sameSecret } from './secrets.js';

export type Role = 'owner' | 'admin';

export interface Auth {
  userId: string;
  /** The customer account; null for operator admins. */
  accountId: string | null;
  role: Role;
  via: 'session' | 'apiKey';
  /** The session's CSRF token (sessions only), for GET /auth/session. */
  csrfToken: string | null;
  /** SHA-256 of the session cookie (sessions only), so logout can end it. */
  sessionIdHash: string | null;
  apiKeyId: string | null;
  /** What the API key may do (API keys only). */
  apiKeyScope: ApiKeyScope | null;
  /** The session's login passed a second factor (sessions only). */
  twoFactor: boolean;
  /**
   * The account's status and default country, read in the statement that checked the API key
   * (API keys only), so a send need not read them again.
   */
  account?: AccountStanding;
}

export interface CustomerAuth extends Auth {
  accountId: string;
  role: 'owner';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireCustomer / requireAdmin / requireUser; read it through customerOf or adminOf. */
    auth?: Auth;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const unauthenticated = (message = 'Log in, or send an API key as Authorization: Bearer <key>') =>
  new AppError('unauthenticated', message);

/** Who is calling, or null when the request carries no credentials at all. */
export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Auth | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <API key>"');
    const key = await findApiKey(ctx, match[1]);
    if (!key) throw unauthenticated('The API key is not valid or was revoked');
    return {
      userId: key.userId,
      accountId: key.accountId,
      role: 'owner',
      via: 'apiKey',
      csrfToken: null,
      sessionIdHash: null,
      apiKeyId: key.id,
      apiKeyScope: key.scope,
      twoFactor: false,
      account: key.account,
    };
  }
  const token = sessionCookieOf(req);
  if (token === undefined) return null;
  const session = await findSession(ctx.db, token, ctx.now(), ctx.config.accounts.sessionIdleHours);
  if (!session) throw unauthenticated('The session has ended; log in again');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
      throw new AppError('forbidden', 'This write needs the X-CSRF-Token header of your session', {
        reason: 'csrf_token_missing_or_wrong',
      });
    }
  }
  return {
    userId: session.userId,
    accountId: session.accountId,
    role: session.role,
    via: 'session',
    csrfToken: session.csrfToken,
    sessionIdHash: session.idHash,
    apiKeyId: null,
    apiKeyScope: null,
    twoFactor: session.twoFactor,
  };
}

type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Who a guard lets in: a customer (session or API key), any user, a session only, or staff. */
export type GuardKind = 'customer' | 'user' | 'session' | 'admin';
const GUARDS = new WeakMap<object, GuardKind>();

function guard(kind: GuardKind, hook: Hook): Hook {
  GUARDS.set(hook, kind);
  return hook;
}

/** What a route's onRequest hook demands, when it is one of these guards. */
export function guardOf(hook: unknown): GuardKind | undefined {
  return typeof hook === 'function' ? GUARDS.get(hook) : undefined;
}

/** Checks an API key's scope against the route (sessions have no scope). */
function withinScope(req: FastifyRequest, auth: Auth): Auth {
  if (auth.apiKeyScope !== null) assertScope(req, auth.apiKeyScope);
  return auth;
}

/** Any logged-in user, customer or admin. */
export function requireUser(ctx: AppContext): Hook {
  return guard('user', async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    req.auth = withinScope(req, auth);
    identifyRequest(auth.accountId, auth.userId);
  });
}

/** A user logged in with the session cookie (an API key is refused): security settings. */
export function requireSession(ctx: AppContext): Hook {
  return guard('session', async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    if (auth.via !== 'session') {
      throw new AppError('forbidden', 'This needs you logged in to the portal; an API key cannot do it', {
        reason: 'session_required',
      });
    }
    req.auth = auth;
    identifyRequest(auth.accountId, auth.userId);
  });
}

/** A customer (session or API key) acting on their own account. */
export function requireCustomer(ctx: AppContext): Hook {
  return guard('customer', async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    if (auth.role !== 'owner' || auth.accountId === null) {
      throw new AppError('forbidden', 'This route is for customer accounts');
    }
    req.auth = withinScope(req, auth);
    identifyRequest(auth.accountId, auth.userId);
  });
}

/** Operator staff only. */
export function requireAdmin(ctx: AppContext): Hook {
  return guard('admin', async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    if (auth.role !== 'admin') throw new AppError('forbidden', 'This route is for operator admins');
    // A session from before two-factor was required does not do: log in again, with a code.
    if (ctx.config.accounts.adminTwoFactor === 'required' && !auth.twoFactor) {
      throw new AppError('forbidden', 'Operator admins must log in with two-factor authentication here', {
        reason: 'two_factor_required',
      });
    }
    req.auth = auth;
    identifyRequest(auth.accountId, auth.userId);
  });
}

/** The authenticated customer of a route guarded by requireCustomer. */
export function customerOf(req: FastifyRequest): CustomerAuth {
  const auth = req.auth;
  if (auth?.role !== 'owner' || auth.accountId === null) throw unauthenticated();
  return { ...auth, accountId: auth.accountId, role: 'owner' };
}

/** The authenticated admin of a route guarded by requireAdmin. */
export function adminOf(req: FastifyRequest): Auth {
  const auth = req.auth;
  if (auth?.role !== 'admin') throw unauthenticated();
  return auth;
}

/** The authenticated user of a route guarded by requireUser. */
export function userOf(req: FastifyRequest): Auth {
  if (!req.auth) throw unauthenticated();
  return req.auth;
}
