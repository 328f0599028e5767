// Password reset by an e-mailed link. The request answers the same whether or not the
// address has an account; the link works once, within an hour. A new password ends every
// session, and the owner is told by e-mail.
import type { AppContext } from '../context.js';
import { validationFailed } from '../http/errors.js';
import { type Language, passwordChanged, resetPassword } from '../notifications/templates.js';
import { activateIfReady } from './account.js';
import { revokeAllApiKeys } from './api-keys.js';
import { consumeToken, issueToken, revokeTokens, TOKEN_LIFETIME_MS } from './email-tokens.js';
import { salutationName } from './names.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { deleteUserSessions } from './sessions.js';
import { findUserByEmail, getUser } from './users.js';

async function languageOf(ctx: AppContext, accountId: string | null): Promise<Language> {
  if (!accountId) return 'en';
  const { rows } = await ctx.db.query<{ language: Language }>('select language from accounts where id = $1', [
    accountId,
  ]);
  return rows[0]?.language ?? 'en';
}

export async function requestPasswordReset(ctx: AppContext, email: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user) return;
  const language = await languageOf(ctx, user.accountId);
  const outbox = await ctx.db.transaction(async (tx) => {
    const token = await issueToken(tx, user.id, 'reset_password', ctx.now());
    const mail = resetPassword(language, {
      // An address not proved yet gets the name only if it is short and link-free.
      name: user.emailVerified ? user.name : salutationName(user.name),
      link: `${ctx.config.publicUrl}/reset-password?token=${token}`,
      minutes: TOKEN_LIFETIME_MS.reset_password / 60_000,
    });
    return ctx.mailer.enqueue(tx, { ...mail, template: 'reset-password', to: user.email });
  });
  ctx.mailer.sendSoon([outbox]);
}

/**
 * Sets the new password, ends every session, and — when the owner asks, since whoever knew the
 * old password may have made keys — revokes every API key of the account. Answers how many keys
 * were revoked.
 */
export async function confirmPasswordReset(
  ctx: AppContext,
  token: string,
  password: string,
  options: { revokeApiKeys?: boolean } = {},
): Promise<{ apiKeysRevoked: number }> {
  const early = passwordProblem(password);
  if (early) throw validationFailed([{ path: 'body.password', message: early }]);
  const passwordHash = await hashPassword(password);
  const done = await ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const userId = await consumeToken(tx, token, 'reset_password', now);
    const user = await getUser(tx, userId);
    if (!user) throw validationFailed([{ path: 'body.token', message: 'is not valid' }]);
    // Throwing here rolls the transaction back, so the link still works for a better password.
    const problem = passwordProblem(password, { email: user.email, name: user.name });
    if (problem) throw validationFailed([{ path: 'body.password', message: problem }]);
    // The link reached the inbox, which proves the address as well as a verification link would.
    await tx.query(
      `update users set password_hash = $2, password_changed_at = $3,
              email_verified_at = coalesce(email_verified_at, $3)
        where id = $1`,
      [userId, passwordHash, now],
    );
    await deleteUserSessions(tx, userId);
    await revokeTokens(tx, userId, 'reset_password', now);
    const { rows } = await tx.query<{ language: Language }>('select language from accounts where id = $1', [
      user.accountId,
    ]);
    const mail = passwordChanged(rows[0]?.language ?? 'en', {
      name: user.name,
      portalUrl: `${ctx.config.publicUrl}/`,
    });
    const ids = [await ctx.mailer.enqueue(tx, { ...mail, template: 'password-changed', to: user.email })];
    if (user.accountId) ids.push(...(await activateIfReady(ctx, tx, user.accountId)));
    const revoked =
      options.revokeApiKeys && user.accountId ? await revokeAllApiKeys(tx, user.accountId, now) : 0;
    return { ids, revoked };
  });
  ctx.mailer.sendSoon(done.ids);
  return { apiKeysRevoked: done.revoked };
}
