// Server-side sessions. The browser holds a random secret in an HttpOnly, SameSite=Lax cookie
// (Secure behind https); the database holds its SHA-256, the user, the CSRF token and the
// expiry. A session ends after SESSION_IDLE_HOURS unused, and after 30 days regardless.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/types.js';
import { newSecret, sha256 } from './secrets.js';

export const SESSION_COOKIE = 'tollgate_session';
/**
 * Set beside the session cookie, readable by the portal's script and holding no secret: it only
 * says that this browser has a session, so a signed-out visitor's page does not ask the API for
 * one (and log a 401 each time). The session cookie alone decides who is logged in.
 */
export const SIGNED_IN_COOKIE = 'tollgate_signed_in';
export const SESSION_MAX_AGE_MS = 30 * 24 * 3_600_000;
/** How stale last_seen_at may get before a request writes it again (keeps reads read-only). */
const TOUCH_AFTER_MS = 5 * 60_000;

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  accountId: string | null;
  role: 'owner' | 'admin';
  /** The login passed a second factor. */
  twoFactor: boolean;
}

export async function createSession(
  q: Queryable,
  v: {
    userId: string;
    now: Date;
    idleHours: number;
    ip: string;
    userAgent: string | undefined;
    twoFactor?: boolean;
  },
): Promise<{ token: string; csrfToken: string }> {
  const token = newSecret();
  const csrfToken = newSecret();
  const expiresAt = new Date(
    Math.min(v.now.getTime() + v.idleHours * 3_600_000, v.now.getTime() + SESSION_MAX_AGE_MS),
  );
  await q.query(
    `insert into sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent, two_factor)
     values ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
    [
      sha256(token),
      v.userId,
      csrfToken,
      v.now,
      expiresAt,
      v.ip,
      v.userAgent?.slice(0, 300) ?? null,
      v.twoFactor ?? false,
    ],
  );
  return { token, csrfToken };
}

/** The live session a cookie names, sliding its expiry forward now and then. */
export async function findSession(
  q: Queryable,
  token: string,
  now: Date,
  idleHours: number,
): Promise<SessionRecord | null> {
  const idHash = sha256(token);
  const { rows } = await q.query<{
    user_id: string;
    csrf_token: string;
    created_at: Date;
    last_seen_at: Date;
    account_id: string | null;
    role: 'owner' | 'admin';
    two_factor: boolean;
  }>(
    `select s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.two_factor, u.account_id, u.role
       from sessions s join users u on u.id = s.user_id
      where s.id_hash = $1 and s.expires_at > $2`,
    [idHash, now],
  );
  const row = rows[0];
  if (!row) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    const expiresAt = new Date(
      Math.min(now.getTime() + idleHours * 3_600_000, row.created_at.getTime() + SESSION_MAX_AGE_MS),
    );
    await q.query('update sessions set last_seen_at = $2, expires_at = $3 where id_hash = $1', [
      idHash,
      now,
      expiresAt,
    ]);
  }
  return {
    idHash,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    accountId: row.account_id,
    role: row.role,
    twoFactor: row.two_factor,
  };
}

export async function deleteSession(q: Queryable, token: string): Promise<void> {
  await q.query('delete from sessions where id_hash = $1', [sha256(token)]);
}

export async function deleteUserSessions(q: Queryable, userId: string): Promise<void> {
  await q.query('delete from sessions where user_id = $1', [userId]);
}

export async function pruneSessions(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('delete from sessions where expires_at <= $1', [now]);
  return rowCount;
}

// The cookie itself. Parsed and written here rather than through a plugin, so that any
// domain's routes can authenticate whatever order the route modules are registered in.

export function sessionCookieOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookieAttributes(secure: boolean, maxAgeSeconds: number, httpOnly = true): string {
  return `Path=/;${httpOnly ? ' HttpOnly;' : ''} SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  const maxAge = Math.floor(SESSION_MAX_AGE_MS / 1000);
  reply.header('set-cookie', [
    `${SESSION_COOKIE}=${token}; ${cookieAttributes(secure, maxAge)}`,
    `${SIGNED_IN_COOKIE}=1; ${cookieAttributes(secure, maxAge, false)}`,
  ]);
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', [
    `${SESSION_COOKIE}=; ${cookieAttributes(secure, 0)}`,
    `${SIGNED_IN_COOKIE}=; ${cookieAttributes(secure, 0, false)}`,
  ]);
}

export async function deleteSessionByHash(q: Queryable, idHash: string): Promise<void> {
  await q.query('delete from sessions where id_hash = $1', [idHash]);
}
