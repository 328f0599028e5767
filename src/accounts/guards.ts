// What other domains call before money or messages move.
//
//   await assertCanPurchase(tx, accountId);  // purchases: billing data, verified mobile, not suspended
//   await assertCanTransact(tx, accountId);  // sending: the account must be active
//
// Both throw AppErrors the HTTP layer turns into the public error shape.
import type { Queryable } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import { type Account, type AccountStatus, getAccount, purchaseBlockers } from './account.js';

async function load(q: Queryable, accountId: string): Promise<Account> {
  const account = await getAccount(q, accountId);
  if (!account) throw notFound('account');
  return account;
}

function suspended(): AppError {
  return new AppError('forbidden', 'The account is suspended; contact support', {
    reason: 'account_suspended',
  });
}

/**
 * A purchase needs complete billing data and a verified mobile, and an account that is not
 * suspended. Throws `billing_data_incomplete` with `details.missing` (e.g. ["mobile_verification"]).
 */
export async function assertCanPurchase(q: Queryable, accountId: string): Promise<Account> {
  const account = await load(q, accountId);
  const blockers = purchaseBlockers(account);
  if (blockers.includes('account_suspended')) throw suspended();
  if (blockers.length > 0) {
    throw new AppError(
      'billing_data_incomplete',
      'A purchase needs complete billing data and a verified mobile number',
      { missing: blockers },
    );
  }
  return account;
}

/**
 * Sending (and anything else that spends credits) needs an active account: a suspended
 * account may log in and read, and a pending one is not verified yet.
 */
export async function assertCanTransact(q: Queryable, accountId: string): Promise<Account> {
  const account = await load(q, accountId);
  assertActive(account.status);
  return account;
}

/** assertCanTransact's rule, for a status already read (e.g. with the request's API key). */
export function assertActive(status: AccountStatus): void {
  if (status === 'suspended') throw suspended();
  if (status !== 'active') {
    throw new AppError('forbidden', 'The account is not verified yet', { reason: 'account_not_verified' });
  }
}
