// Login and logout. A login always starts a fresh session (and ends the one the browser had),
// so a session id planted before login is worthless afterwards. Guessing is slowed per e-mail
// address, except from addresses the user has logged in from before (login-throttle.ts). A user
// with two-factor authentication (or an operator admin who must have it) gets a challenge
// instead of a session, and the session once a code answers it (two-factor.ts).
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { claimLoginSlot, isKnownAddress, rememberAddress, returnLoginSlot } from './login-throttle.js';
import { verifyNothing, verifyPassword } from './passwords.js';
import { rateLimited } from './rate-limit.js';
import { createSession, deleteSession } from './sessions.js';
import { answerChallenge, type Challenge, isEnabled, isRequiredFor, issueChallenge } from './two-factor.js';
import { findUserByEmail, getUser, normaliseEmail, type User } from './users.js';

export interface LoginResult {
  user: User;
  token: string;
  csrfToken: string;
}

export interface LoginMeta {
  ip: string;
  userAgent: string | undefined;
  previousToken: string | undefined;
}

const wrongCredentials = () => new AppError('unauthenticated', 'Wrong e-mail address or password');

/** A session, or the challenge of the second factor. */
export async function logIn(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: LoginMeta,
): Promise<({ kind: 'session' } & LoginResult) | ({ kind: 'challenge' } & Challenge)> {
  const email = normaliseEmail(input.email);
  const found = await findUserByEmail(ctx.db, email);
  const known = found !== null && (await isKnownAddress(ctx.db, found.id, meta.ip));
  if (!known) {
    const wait = await claimLoginSlot(ctx.db, email, ctx.now(), ctx.config.accounts.rateLimitMultiplier);
    if (wait !== null) {
      throw rateLimited(wait, `Many failed logins for this address: try again in ${wait} seconds`);
    }
  }
  if (!found) {
    await verifyNothing(input.password);
    throw wrongCredentials();
  }
  if (!(await verifyPassword(found.passwordHash, input.password))) throw wrongCredentials();
  if (!known) await returnLoginSlot(ctx.db, email);
  const { passwordHash: _hash, ...user } = found;
  if (!user.emailVerified) {
    throw new AppError('forbidden', 'Confirm your e-mail address first: follow the link we sent you', {
      reason: 'email_not_verified',
    });
  }
  const enabled = await isEnabled(ctx.db, user.id);
  if (enabled || isRequiredFor(ctx, user)) {
    return { kind: 'challenge', ...(await issueChallenge(ctx, user, meta, !enabled)) };
  }
  return { kind: 'session', ...(await startSession(ctx, user, meta, false)) };
}

/** The second step: a code for the challenge gives the session (and new recovery codes, once). */
export async function logInWithCode(
  ctx: AppContext,
  input: { challenge: string; code: string },
  meta: LoginMeta,
): Promise<LoginResult & { recoveryCodes: string[] | null }> {
  const { userId, recoveryCodes } = await answerChallenge(ctx, input.challenge, input.code);
  const user = await getUser(ctx.db, userId);
  if (!user) throw wrongCredentials();
  return { ...(await startSession(ctx, user, meta, true)), recoveryCodes };
}

async function startSession(
  ctx: AppContext,
  user: User,
  meta: LoginMeta,
  twoFactor: boolean,
): Promise<LoginResult> {
  const session = await ctx.db.transaction(async (tx) => {
    if (meta.previousToken) await deleteSession(tx, meta.previousToken);
    await rememberAddress(tx, user.id, meta.ip, ctx.now());
    return createSession(tx, {
      userId: user.id,
      now: ctx.now(),
      idleHours: ctx.config.accounts.sessionIdleHours,
      ip: meta.ip,
      userAgent: meta.userAgent,
      twoFactor,
    });
  });
  return { user, token: session.token, csrfToken: session.csrfToken };
}

export async function logOut(ctx: AppContext, token: string): Promise<void> {
  await deleteSession(ctx.db, token);
}
