// Sign-up and e-mail verification. A new account, its owner, its ledger account and the
// verification e-mail are written in one transaction; the e-mail leaves after it commits.
// Nobody is ever sent a password: the e-mail carries a single-use link that expires.
import type { AppContext } from '../context.js';
import { constraintName, type Queryable, SQLSTATE, sqlState } from '../db/types.js';
import { AppError, validationFailed } from '../http/errors.js';
import { type Language, verifyEmail as verifyEmailTemplate } from '../notifications/templates.js';
import { activateIfReady } from './account.js';
import { consumeToken, issueToken, TOKEN_LIFETIME_MS } from './email-tokens.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { newId } from './secrets.js';
import { findUserByEmail, normaliseEmail } from './users.js';

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

function emailTaken(): AppError {
  return new AppError(
    'conflict',
    'An account with this e-mail address exists; log in or reset the password',
    {
      field: 'email',
    },
  );
}

async function queueVerificationEmail(
  ctx: AppContext,
  tx: Queryable,
  user: { id: string; email: string; name: string },
  language: Language,
): Promise<string> {
  const token = await issueToken(tx, user.id, 'verify_email', ctx.now());
  const mail = verifyEmailTemplate(language, {
    name: user.name,
    link: `${ctx.config.publicUrl}/verify-email?token=${token}`,
    hours: TOKEN_LIFETIME_MS.verify_email / 3_600_000,
  });
  return ctx.mailer.enqueue(tx, { ...mail, template: 'verify-email', to: user.email });
}

export async function signUp(
  ctx: AppContext,
  input: SignupInput,
  language: Language,
): Promise<{ accountId: string; userId: string }> {
  const email = normaliseEmail(input.email);
  const name = input.name.trim();
  if (name === '') throw validationFailed([{ path: 'body.name', message: 'is required' }]);
  const problem = passwordProblem(input.password, { email, name });
  if (problem) throw validationFailed([{ path: 'body.password', message: problem }]);
  if (await findUserByEmail(ctx.db, email)) throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  const accountId = newId('acc');
  const userId = newId('usr');
  const now = ctx.now();
  let outbox: string;
  try {
    outbox = await ctx.db.transaction(async (tx) => {
      await ctx.ledger.openCustomerAccount(accountId, tx);
      await tx.query('insert into accounts (id, name, language, created_at) values ($1, $2, $3, $4)', [
        accountId,
        name,
        language,
        now,
      ]);
      await tx.query(
        `insert into users (id, account_id, role, email, name, password_hash, password_changed_at, created_at)
         values ($1, $2, 'owner', $3, $4, $5, $6, $6)`,
        [userId, accountId, email, name, passwordHash, now],
      );
      return queueVerificationEmail(ctx, tx, { id: userId, email, name }, language);
    });
  } catch (error) {
    if (sqlState(error) === SQLSTATE.uniqueViolation && constraintName(error) === 'users_email_key') {
      throw emailTaken();
    }
    throw error;
  }
  ctx.mailer.sendSoon([outbox]);
  return { accountId, userId };
}

/** Marks the owner's address verified (and activates the account if that was all it lacked). */
export async function verifyEmail(ctx: AppContext, token: string): Promise<void> {
  const outbox = await ctx.db.transaction(async (tx) => {
    const userId = await consumeToken(tx, token, 'verify_email', ctx.now());
    const { rows } = await tx.query<{ account_id: string | null }>(
      `update users set email_verified_at = coalesce(email_verified_at, $2) where id = $1 returning account_id`,
      [userId, ctx.now()],
    );
    const accountId = rows[0]?.account_id;
    return accountId ? activateIfReady(ctx, tx, accountId) : [];
  });
  ctx.mailer.sendSoon(outbox);
}

/** Sends a fresh verification link to an unverified address; says nothing either way. */
export async function resendVerification(ctx: AppContext, email: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.emailVerified) return;
  const outbox = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ language: Language }>('select language from accounts where id = $1', [
      user.accountId,
    ]);
    return queueVerificationEmail(ctx, tx, user, rows[0]?.language ?? 'en');
  });
  ctx.mailer.sendSoon([outbox]);
}
