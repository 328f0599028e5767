// A customer cancels an order they will not pay: only while it awaits payment. The provider is
// told afterwards (a card checkout page is closed); if the money arrives anyway, settlePaid
// still credits it, because it is the customer's money.
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';
import { AppError, notFound } from '../http/errors.js';
import { lockPurchase, type Purchase, type PurchaseRow, toPurchase } from './purchase.js';
import { providerById } from './providers/registry.js';

export async function cancelPurchase(
  ctx: AppContext,
  accountId: string,
  purchaseId: string,
): Promise<Purchase> {
  const canceled = await ctx.db.transaction(async (tx) => {
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase || purchase.accountId !== accountId) throw notFound('purchase');
    if (purchase.status !== 'awaiting_payment') {
      throw new AppError(
        'conflict',
        `A purchase can be canceled only while it awaits payment; this one is ${purchase.status}`,
        {
          status: purchase.status,
        },
      );
    }
    const now = ctx.now();
    const { rows } = await tx.query<PurchaseRow>(
      `update purchases set status = 'canceled', canceled_at = $2, updated_at = $2 where id = $1 returning *`,
      [purchaseId, now],
    );
    const row = rows[0];
    if (!row) throw new Error(`purchase ${purchaseId} disappeared`);
    return toPurchase(row);
  });
  metrics.purchases.inc({ method: canceled.paymentMethod, outcome: 'canceled' });
  const provider = providerById(ctx, canceled.provider);
  await provider
    ?.cancelPayment(ctx, canceled)
    .catch((err: unknown) =>
      ctx.logger.warn({ err, purchaseId }, 'the payment provider could not cancel the payment'),
    );
  return canceled;
}

/** How old an open order is before the portal offers to cancel it with the others. */
export const STALE_ORDER_MS = 24 * 60 * 60 * 1000;
const STALE_BATCH = 500;

/**
 * Cancels the account's orders still awaiting payment that were made before `before` (by default
 * a day ago), each as cancelPurchase does; one that changed meanwhile (paid, or canceled by
 * another request) is left as it is. Answers the ids canceled.
 */
export async function cancelStaleOrders(
  ctx: AppContext,
  accountId: string,
  before = new Date(ctx.now().getTime() - STALE_ORDER_MS),
): Promise<string[]> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `select id from purchases where account_id = $1 and status = 'awaiting_payment' and created_at < $2
      order by created_at limit $3`,
    [accountId, before, STALE_BATCH],
  );
  const canceled: string[] = [];
  for (const { id } of rows) {
    try {
      canceled.push((await cancelPurchase(ctx, accountId, id)).id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'conflict') continue;
      throw error;
    }
  }
  return canceled;
}
