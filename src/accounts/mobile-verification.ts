// Mobile verification: a 6-digit code by SMS through the configured carrier. The code is
// stored as an argon2id hash, expires after 10 minutes and allows 5 attempts; a new code
// may be asked for once a minute (and a few times an hour, by the rate limits).
import { randomInt } from 'node:crypto';
import type { AppContext } from '../context.js';
import { AppError, notFound, validationFailed } from '../http/errors.js';
import { mobileCodeSms } from '../notifications/templates.js';
import { type Account, activateIfReady, getAccount } from './account.js';
import { rateLimited } from './rate-limit.js';
import { hashPassword as hashCode, verifyPassword as verifyCode } from './passwords.js';
import { newSecret } from './secrets.js';

export const CODE_LIFETIME_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_RESEND_AFTER_MS = 60_000;

export interface CodeSent {
  to: string;
  expiresAt: string;
  resendAfter: string;
}

export async function sendMobileCode(ctx: AppContext, accountId: string): Promise<CodeSent> {
  const account = await getAccount(ctx.db, accountId);
  if (!account) throw notFound('account');
  const mobile = account.billing?.mobile;
  if (!mobile) throw new AppError('conflict', 'Add a mobile number to the billing data first');
  if (account.mobileVerified) throw new AppError('conflict', 'This mobile number is already verified');
  const now = ctx.now();
  const { rows } = await ctx.db.query<{ sent_at: Date; mobile: string }>(
    'select sent_at, mobile from mobile_verifications where account_id = $1',
    [accountId],
  );
  const previous = rows[0];
  if (previous && previous.mobile === mobile) {
    const wait = previous.sent_at.getTime() + CODE_RESEND_AFTER_MS - now.getTime();
    if (wait > 0)
      throw rateLimited(wait / 1000, 'A code was sent a moment ago; wait before asking for another');
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const codeHash = await hashCode(code);
  const expiresAt = new Date(now.getTime() + CODE_LIFETIME_MS);
  await ctx.db.query(
    `insert into mobile_verifications (account_id, mobile, code_hash, sent_at, expires_at, attempts)
     values ($1, $2, $3, $4, $5, 0)
     on conflict (account_id) do update set mobile = excluded.mobile, code_hash = excluded.code_hash,
       sent_at = excluded.sent_at, expires_at = excluded.expires_at, attempts = 0`,
    [accountId, mobile, codeHash, now, expiresAt],
  );
  const result = await ctx.carrier.submit({
    id: `mvc_${newSecret(12)}`,
    to: mobile,
    from: ctx.config.sms.sender,
    text: mobileCodeSms(account.preferences.language, { code, minutes: CODE_LIFETIME_MS / 60_000 }),
    accountId,
  });
  if (!result.ok) {
    await ctx.db.query('delete from mobile_verifications where account_id = $1 and code_hash = $2', [
      accountId,
      codeHash,
    ]);
    if (result.permanent) {
      throw new AppError(
        'conflict',
        'The SMS carrier refused this number; check the mobile in the billing data',
        {
          reason: result.reason,
        },
      );
    }
    throw new AppError('internal', 'The SMS could not be sent just now; try again in a minute');
  }
  return {
    to: mobile,
    expiresAt: expiresAt.toISOString(),
    resendAfter: new Date(now.getTime() + CODE_RESEND_AFTER_MS).toISOString(),
  };
}

function wrongCode(message: string, details: Record<string, unknown> = {}): AppError {
  const error = validationFailed([{ path: 'body.code', message }], 'The code is not valid');
  Object.assign(error.details, details);
  return error;
}

/** Checks a code; the right one verifies the account's current mobile number. */
export async function confirmMobileCode(ctx: AppContext, accountId: string, code: string): Promise<Account> {
  const now = ctx.now();
  // Count the attempt before checking it, in its own statement, so parallel guesses all count.
  const { rows } = await ctx.db.query<{ code_hash: string; mobile: string; attempts: number }>(
    `update mobile_verifications set attempts = attempts + 1
      where account_id = $1 and attempts < $2 and expires_at > $3
      returning code_hash, mobile, attempts`,
    [accountId, CODE_MAX_ATTEMPTS, now],
  );
  const pending = rows[0];
  if (!pending) {
    const { rows: dead } = await ctx.db.query<{ attempts: number }>(
      'select attempts from mobile_verifications where account_id = $1',
      [accountId],
    );
    const row = dead[0];
    if (!row) throw wrongCode('has no code waiting for it: ask for a new code');
    if (row.attempts >= CODE_MAX_ATTEMPTS) throw wrongCode('was tried too many times: ask for a new code');
    throw wrongCode('has expired: ask for a new code');
  }
  if (!(await verifyCode(pending.code_hash, code))) {
    throw wrongCode('is wrong', { attemptsLeft: CODE_MAX_ATTEMPTS - pending.attempts });
  }
  const { account, outbox } = await ctx.db.transaction(async (tx) => {
    // The code belongs to the number it was sent to, and is used once.
    const { rowCount } = await tx.query(
      'delete from mobile_verifications where account_id = $1 and code_hash = $2',
      [accountId, pending.code_hash],
    );
    if (rowCount === 0) throw wrongCode('was already used: ask for a new code');
    const { rowCount: updated } = await tx.query(
      'update accounts set mobile_verified_at = $3 where id = $1 and mobile = $2',
      [accountId, pending.mobile, now],
    );
    if (updated === 0) throw wrongCode('was sent to a number that is no longer the account’s mobile');
    if (ctx.config.accounts.verification === 'mobile') {
      await tx.query(
        `update accounts set verified_at = $2, verified_by = 'mobile' where id = $1 and verified_at is null`,
        [accountId, now],
      );
    }
    const ids = await activateIfReady(ctx, tx, accountId);
    const current = await getAccount(tx, accountId);
    if (!current) throw notFound('account');
    return { account: current, outbox: ids };
  });
  ctx.mailer.sendSoon(outbox);
  return account;
}
