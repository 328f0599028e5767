// What a purchase looks like to Stripe: the amount (its total, tax included, in minor units),
// the currency, the words on the statement and our ids in metadata. Derived from the stored
// purchase alone, so a retried call sends exactly the same parameters under the same key.
import type { AppContext } from '../../../context.js';
import type { Purchase } from '../../purchase.js';

export function stripeAmount(purchase: Purchase): number {
  if (purchase.total <= 0n || purchase.total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`purchase ${purchase.id} has a total Stripe cannot take: ${purchase.total}`);
  }
  return Number(purchase.total);
}

export function stripeCurrency(purchase: Purchase): string {
  return purchase.currency.toLowerCase();
}

export function itemName(purchase: Purchase): string {
  return `${purchase.credits.toLocaleString('en')} SMS credits`;
}

export function purchaseMetadata(purchase: Purchase): Record<string, string> {
  return { purchase_id: purchase.id, account_id: purchase.accountId };
}

/** The portal's page of the purchase, where Stripe sends the customer back. */
export function purchasePageUrl(
  ctx: AppContext,
  purchase: Purchase,
  outcome: 'success' | 'cancel' | 'return',
): string {
  return `${ctx.config.publicUrl}/purchases/${encodeURIComponent(purchase.id)}?checkout=${outcome}`;
}
