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
// No credentials: 401 unauthenticated. The wrong role: 403 forbidden.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { identifyRequest } from '../logger.js';
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
  };
}

type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Any logged-in user, customer or admin. */
export function requireUser(ctx: AppContext): Hook {
  return async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    req.auth = auth;
    identifyRequest(auth.accountId, auth.userId);
  };
}

/** A customer (session or API key) acting on their own account. */
export function requireCustomer(ctx: AppContext): Hook {
  return async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    if (auth.role !== 'owner' || auth.accountId === null) {
      throw new AppError('forbidden', 'This route is for customer accounts');
    }
    req.auth = auth;
    identifyRequest(auth.accountId, auth.userId);
  };
}

/** Operator staff only. */
export function requireAdmin(ctx: AppContext): Hook {
  return async (req) => {
    const auth = await authenticate(ctx, req);
    if (!auth) throw unauthenticated();
    if (auth.role !== 'admin') throw new AppError('forbidden', 'This route is for operator admins');
    req.auth = auth;
    identifyRequest(auth.accountId, auth.userId);
  };
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
