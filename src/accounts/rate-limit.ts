// Rate limits on the doors attackers knock on: login, sign-up, password reset, token and code
// checks. Counters live in the database (fixed windows, one row per rule and subject), so any
// number of API processes share them. Subjects (addresses, IPs) are stored hashed.
import type { Queryable } from '../db/types.js';
import { AppError } from '../http/errors.js';
import { sha256 } from './secrets.js';

export interface Limit {
  name: string;
  max: number;
  windowSeconds: number;
}

export const LIMITS = {
  /**
   * Logins for one e-mail address from one client address. There is deliberately no limit per
   * e-mail address alone (anyone could then lock its owner out): login-throttle.ts slows that.
   */
  loginPerAccountAndIp: { name: 'login:address-ip', max: 10, windowSeconds: 15 * 60 },
  loginPerIp: { name: 'login:ip', max: 100, windowSeconds: 15 * 60 },
  signupPerIp: { name: 'signup:ip', max: 20, windowSeconds: 60 * 60 },
  signupPerAddress: { name: 'signup:address', max: 5, windowSeconds: 60 * 60 },
  /** Password reset and verification-e-mail requests. */
  emailPerAddress: { name: 'email:address', max: 5, windowSeconds: 60 * 60 },
  emailPerIp: { name: 'email:ip', max: 30, windowSeconds: 60 * 60 },
  /** Checks of e-mailed tokens (verify-email, reset confirm). */
  tokenPerIp: { name: 'token:ip', max: 30, windowSeconds: 15 * 60 },
  codeCheckPerAccount: { name: 'code:account', max: 10, windowSeconds: 15 * 60 },
  codeCheckPerIp: { name: 'code:ip', max: 50, windowSeconds: 15 * 60 },
  codeSendPerAccount: { name: 'code-send:account', max: 5, windowSeconds: 60 * 60 },
  /** Passwords and codes checked to change two-factor settings, per user. */
  securityCheckPerUser: { name: 'security:user', max: 10, windowSeconds: 15 * 60 },
  /** Codes given for a login's second step, per user (each challenge also allows five). */
  twoFactorPerUser: { name: 'two-factor:user', max: 20, windowSeconds: 15 * 60 },
} satisfies Record<string, Limit>;

export function rateLimited(
  retryAfterSeconds: number,
  message = 'Too many attempts; try again later',
): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError('rate_limited', message, { retryAfter: seconds }, { 'retry-after': String(seconds) });
}

export class RateLimiter {
  constructor(
    private readonly db: Queryable,
    private readonly options: { multiplier: number; now: () => Date },
  ) {}

  /**
   * Counts one attempt against each rule and throws rate_limited (with the longest wait) when
   * any of them is over its limit. Every rule is counted, so an attacker cannot spread
   * attempts over the rules to go unnoticed.
   */
  async hit(checks: [Limit, string][]): Promise<void> {
    const now = this.options.now();
    let wait = 0;
    for (const [limit, subject] of checks) {
      const windowMs = limit.windowSeconds * 1000;
      const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
      const { rows } = await this.db.query<{ hits: number }>(
        `insert into rate_limit_counters (key, window_start, hits) values ($1, $2, 1)
         on conflict (key) do update set
           hits = case when rate_limit_counters.window_start = excluded.window_start
                       then rate_limit_counters.hits + 1 else 1 end,
           window_start = excluded.window_start
         returning hits`,
        [`${limit.name}:${sha256(subject.toLowerCase()).slice(0, 32)}`, windowStart],
      );
      const hits = rows[0]?.hits ?? 0;
      if (hits > limit.max * this.options.multiplier) {
        wait = Math.max(wait, (windowStart.getTime() + windowMs - now.getTime()) / 1000);
      }
    }
    if (wait > 0) throw rateLimited(wait);
  }
}

/** Forgets windows that ended long ago. */
export async function pruneRateLimits(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('delete from rate_limit_counters where window_start < $1', [
    new Date(now.getTime() - 24 * 3_600_000),
  ]);
  return rowCount;
}
