// The account's language alone, as the portal's language switch changes it: the other
// preferences (a default country may not be chosen yet) are left as they are. E-mails follow it.
import type { AppContext } from '../context.js';
import { notFound } from '../http/errors.js';
import type { Language } from '../notifications/templates.js';
import { type Account, getAccount } from './account.js';

export async function updateLanguage(
  ctx: AppContext,
  accountId: string,
  language: Language,
): Promise<Account> {
  const { rowCount } = await ctx.db.query('update accounts set language = $2 where id = $1', [
    accountId,
    language,
  ]);
  if (rowCount === 0) throw notFound('account');
  const account = await getAccount(ctx.db, accountId);
  if (!account) throw notFound('account');
  return account;
}
