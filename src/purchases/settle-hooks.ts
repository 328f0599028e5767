// Other rooms' work that must commit with a purchase's outcome: written inside the transaction
// that credits or fails it, so a rolled-back settlement leaves none of it and a committed one
// all of it (an automatic refill's rule, e-mail and webhook event, for example). A hook returns
// the ids of the e-mails it queued; they are sent once the transaction has committed. A credited
// hook whose e-mail is a purchase's receipt says so, and the core writes no receipt of its own
// for that purchase: the customer gets one e-mail, not two.
//
//   onSettled(ctx, {
//     credited: async (tx, purchaseIds) => ({ emails: [...], receipted: [...] }),
//     failed: async (tx, purchase) => [...],
//   });
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import type { Purchase } from './purchase.js';

/** What a credited hook wrote to the mail outbox. */
export interface CreditedMail {
  /** The e-mails queued. */
  emails: string[];
  /** Purchases whose receipt one of these e-mails is (it carries the receipt's figures). */
  receipted?: string[];
}

export interface SettleHook {
  /** In the transaction that credits these purchases, before the ledger transfer (ids only: read what you need). */
  credited?(tx: Queryable, purchaseIds: readonly string[]): Promise<CreditedMail>;
  /** In the transaction that marked this purchase failed. */
  failed?(tx: Queryable, purchase: Purchase): Promise<string[]>;
}

const hooks = new WeakMap<AppContext, Set<SettleHook>>();

/** Registers a hook for this context; returns the function that removes it. */
export function onSettled(ctx: AppContext, hook: SettleHook): () => void {
  let set = hooks.get(ctx);
  if (!set) {
    set = new Set();
    hooks.set(ctx, set);
  }
  set.add(hook);
  return () => set.delete(hook);
}

export async function runCreditedHooks(
  ctx: AppContext,
  tx: Queryable,
  purchaseIds: readonly string[],
): Promise<{ emails: string[]; receipted: Set<string> }> {
  const emails: string[] = [];
  const receipted = new Set<string>();
  for (const hook of hooks.get(ctx) ?? []) {
    if (!hook.credited) continue;
    const wrote = await hook.credited(tx, purchaseIds);
    emails.push(...wrote.emails);
    for (const id of wrote.receipted ?? []) receipted.add(id);
  }
  return { emails, receipted };
}

export async function runFailedHooks(ctx: AppContext, tx: Queryable, purchase: Purchase): Promise<string[]> {
  const emails: string[] = [];
  for (const hook of hooks.get(ctx) ?? []) if (hook.failed) emails.push(...(await hook.failed(tx, purchase)));
  return emails;
}
