// Housekeeping: forget ended sessions, long-expired links and old rate-limit windows.
import type { AppContext } from '../context.js';
import { pruneTokens } from './email-tokens.js';
import { pruneRateLimits } from './rate-limit.js';
import { pruneSessions } from './sessions.js';

export async function pruneAuthState(
  ctx: AppContext,
): Promise<{ sessions: number; tokens: number; counters: number }> {
  const now = ctx.now();
  return {
    sessions: await pruneSessions(ctx.db, now),
    tokens: await pruneTokens(ctx.db, now),
    counters: await pruneRateLimits(ctx.db, now),
  };
}
