// Single-use links sent by e-mail. The link carries a random token; the database keeps its
// SHA-256, the purpose and an expiry. Using one marks it used in the same statement that
// checks it, so two clicks cannot both succeed.
import type { Queryable } from '../db/types.js';
import { validationFailed } from '../http/errors.js';
import { newSecret, sha256 } from './secrets.js';

export type TokenPurpose = 'verify_email' | 'reset_password';

export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 48 * 3_600_000,
  reset_password: 60 * 60_000,
};

export async function issueToken(
  q: Queryable,
  userId: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<string> {
  const token = newSecret();
  await q.query(
    `insert into email_tokens (token_hash, user_id, purpose, expires_at, created_at) values ($1, $2, $3, $4, $5)`,
    [sha256(token), userId, purpose, new Date(now.getTime() + TOKEN_LIFETIME_MS[purpose]), now],
  );
  return token;
}

/** Uses the token once and returns its user; an unknown, used or expired token is a 400. */
export async function consumeToken(
  q: Queryable,
  token: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<string> {
  const { rows } = await q.query<{ user_id: string }>(
    `update email_tokens set used_at = $3
      where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3
      returning user_id`,
    [sha256(token), purpose, now],
  );
  const row = rows[0];
  if (!row) {
    throw validationFailed(
      [{ path: 'body.token', message: 'is not valid: it may have expired or been used already' }],
      'The link is not valid any more',
    );
  }
  return row.user_id;
}

/** Ends every other unused token of that purpose (after a password reset, say). */
export async function revokeTokens(
  q: Queryable,
  userId: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<void> {
  await q.query(
    'update email_tokens set used_at = $3 where user_id = $1 and purpose = $2 and used_at is null',
    [userId, purpose, now],
  );
}

export async function pruneTokens(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('delete from email_tokens where expires_at < $1', [
    new Date(now.getTime() - 7 * 24 * 3_600_000),
  ]);
  return rowCount;
}
