// Housekeeping: forget ended sessions, long-expired links, old rate-limit windows, login
// throttles at rest and login addresses long unused.
import type { AppContext } from '../context.js';
import { pruneTokens } from './email-tokens.js';
import { pruneLoginState } from './login-throttle.js';
import { pruneRateLimits } from './rate-limit.js';
import { pruneSessions } from './sessions.js';
import { pruneChallenges } from './two-factor.js';

export async function pruneAuthState(
  ctx: AppContext,
): Promise<{ sessions: number; tokens: number; counters: number; logins: number }> {
  const now = ctx.now();
  return {
    sessions: await pruneSessions(ctx.db, now),
    tokens: await pruneTokens(ctx.db, now),
    counters: await pruneRateLimits(ctx.db, now),
    logins: (await pruneLoginState(ctx.db, now)) + (await pruneChallenges(ctx.db, now)),
  };
}
