// Sign-up and e-mail verification. A new account, its owner, its ledger account and the
// verification e-mail are written in one transaction; the e-mail leaves after it commits.
// Nobody is ever sent a password: the e-mail carries a single-use link that expires.
//
// Sign-up answers alike whether or not the address has an account, so it cannot be used to find
// out who has one: an address with an account gets an e-mail instead ("someone tried to sign up
// with your address; log in or reset your password") and the caller the same 201 with ids that
// name nothing. Both paths hash the password and write one transaction first, so the time taken
// does not tell either.
import type { AppContext } from '../context.js';
import { constraintName, type Queryable, SQLSTATE, sqlState } from '../db/types.js';
import { validationFailed } from '../http/errors.js';
import { type Language, verifyEmail as verifyEmailTemplate } from '../notifications/templates.js';
import { signupAttempted } from '../notifications/templates-accounts.js';
import { activateIfReady, languageOf } from './account.js';
import { consumeToken, issueToken, TOKEN_LIFETIME_MS } from './email-tokens.js';
import { nameProblem, salutationName } from './names.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { newId } from './secrets.js';
import { findUserByEmail, normaliseEmail, type User } from './users.js';

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

async function queueVerificationEmail(
  ctx: AppContext,
  tx: Queryable,
  user: { id: string; email: string; name: string },
  language: Language,
): Promise<string> {
  const token = await issueToken(tx, user.id, 'verify_email', ctx.now());
  // The address is not proved yet: the e-mail repeats the name only if it is short and link-free.
  const mail = verifyEmailTemplate(language, {
    name: salutationName(user.name),
    link: `${ctx.config.publicUrl}/verify-email?token=${token}`,
    hours: TOKEN_LIFETIME_MS.verify_email / 3_600_000,
  });
  return ctx.mailer.enqueue(tx, { ...mail, template: 'verify-email', to: user.email });
}

/** What a sign-up answers, and the e-mail it wrote (the default mode's mailbox shows it to that browser). */
export interface SignupResult {
  accountId: string;
  userId: string;
  mailId: string;
}

export async function signUp(ctx: AppContext, input: SignupInput, language: Language): Promise<SignupResult> {
  const email = normaliseEmail(input.email);
  const name = input.name.trim();
  const invalidName = nameProblem(name);
  if (invalidName) throw validationFailed([{ path: 'body.name', message: invalidName }]);
  const problem = passwordProblem(input.password, { email, name });
  if (problem) throw validationFailed([{ path: 'body.password', message: problem }]);
  // Hashed before anything is looked up: the slowest step costs the same on both paths.
  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(ctx.db, email);
  const fresh = { accountId: newId('acc'), userId: newId('usr'), email, name, passwordHash };
  if (existing) return tellOwner(ctx, existing, fresh, language);
  let outbox: string;
  try {
    outbox = await ctx.db.transaction(async (tx) => {
      await insertAccount(ctx, tx, fresh, language);
      return queueVerificationEmail(ctx, tx, { id: fresh.userId, email, name }, language);
    });
  } catch (error) {
    // Another sign-up with this address won the race: answer as for any address with an account.
    if (sqlState(error) === SQLSTATE.uniqueViolation && constraintName(error) === 'users_email_key') {
      const winner = await findUserByEmail(ctx.db, email);
      if (winner) return tellOwner(ctx, winner, fresh, language);
    }
    throw error;
  }
  ctx.mailer.sendSoon([outbox]);
  return { accountId: fresh.accountId, userId: fresh.userId, mailId: outbox };
}

interface NewAccount {
  accountId: string;
  userId: string;
  email: string;
  name: string;
  passwordHash: string;
}

/** The account, its ledger account and its owner. */
async function insertAccount(
  ctx: AppContext,
  tx: Queryable,
  v: NewAccount,
  language: Language,
): Promise<void> {
  const now = ctx.now();
  await ctx.ledger.openCustomerAccount(v.accountId, tx);
  await tx.query('insert into accounts (id, name, language, created_at) values ($1, $2, $3, $4)', [
    v.accountId,
    v.name,
    language,
    now,
  ]);
  await tx.query(
    `insert into users (id, account_id, role, email, name, password_hash, password_changed_at, created_at)
     values ($1, $2, 'owner', $3, $4, $5, $6, $6)`,
    [v.userId, v.accountId, v.email, v.name, v.passwordHash, now],
  );
}

/**
 * A sign-up with an address that has a user: its owner is told by e-mail (in the account's
 * language), and the caller gets the ids made for the attempt, which name nothing. The writes a
 * new account makes are made too and rolled back (to a savepoint), so that this answer takes
 * the same time as a real sign-up's.
 */
async function tellOwner(
  ctx: AppContext,
  user: User,
  attempt: NewAccount,
  language: Language,
): Promise<SignupResult> {
  const outbox = await ctx.db.transaction(async (tx) => {
    await tx.query('savepoint same_work');
    await insertAccount(ctx, tx, { ...attempt, email: `${attempt.userId}@signup.invalid` }, language);
    await issueToken(tx, attempt.userId, 'verify_email', ctx.now());
    await tx.query('rollback to savepoint same_work');
    const mail = signupAttempted(await languageOf(tx, user.accountId), {
      loginUrl: `${ctx.config.publicUrl}/login`,
      resetUrl: `${ctx.config.publicUrl}/forgot-password`,
    });
    return ctx.mailer.enqueue(tx, { ...mail, template: 'signup-attempted', to: user.email });
  });
  ctx.mailer.sendSoon([outbox]);
  return { accountId: attempt.accountId, userId: attempt.userId, mailId: outbox };
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
    return queueVerificationEmail(ctx, tx, user, await languageOf(tx, user.accountId));
  });
  ctx.mailer.sendSoon([outbox]);
}
