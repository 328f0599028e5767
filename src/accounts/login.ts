// Login and logout. A login always starts a fresh session (and ends the one the browser had),
// so a session id planted before login is worthless afterwards.
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { verifyNothing, verifyPassword } from './passwords.js';
import { createSession, deleteSession } from './sessions.js';
import { findUserByEmail, type User } from './users.js';

export interface LoginResult {
  user: User;
  token: string;
  csrfToken: string;
}

const wrongCredentials = () => new AppError('unauthenticated', 'Wrong e-mail address or password');

export async function logIn(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: { ip: string; userAgent: string | undefined; previousToken: string | undefined },
): Promise<LoginResult> {
  const found = await findUserByEmail(ctx.db, input.email);
  if (!found) {
    await verifyNothing(input.password);
    throw wrongCredentials();
  }
  if (!(await verifyPassword(found.passwordHash, input.password))) throw wrongCredentials();
  const { passwordHash: _hash, ...user } = found;
  if (!user.emailVerified) {
    throw new AppError('forbidden', 'Confirm your e-mail address first: follow the link we sent you', {
      reason: 'email_not_verified',
    });
  }
  const session = await ctx.db.transaction(async (tx) => {
    if (meta.previousToken) await deleteSession(tx, meta.previousToken);
    return createSession(tx, {
      userId: user.id,
      now: ctx.now(),
      idleHours: ctx.config.accounts.sessionIdleHours,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  });
  return { user, token: session.token, csrfToken: session.csrfToken };
}

export async function logOut(ctx: AppContext, token: string): Promise<void> {
  await deleteSession(ctx.db, token);
}
