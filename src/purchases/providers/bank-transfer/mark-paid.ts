// An operator saw a bank transfer arrive and marks its purchase paid by hand (with the bank's
// reference of the transfer). Credits exactly once: the row lock orders concurrent clicks, and
// the second one meets a credited purchase and is told so (409), crediting nothing.
// Allowed for an expired or canceled order too: the money arrived, and the operator decides.
import type { AppContext } from '../../../context.js';
import { metrics } from '../../../metrics.js';
import { AppError, notFound, validationFailed } from '../../../http/errors.js';
import { getPurchase, lockPurchase, type Purchase } from '../../purchase.js';
import { announceCredited, creditLockedPurchases } from '../../settle.js';

/** How far in the future a paidAt may lie (clock skew between the operator and us). */
const FUTURE_SLACK_MS = 5 * 60 * 1000;
/**
 * How far before the order's creation a paidAt may lie: a booking date entered as midnight of
 * the day the order was made, in any time zone, is still that day.
 */
const BOOKING_DAY_SLACK_MS = 24 * 60 * 60 * 1000;

export async function markPaidByOperator(
  ctx: AppContext,
  purchaseId: string,
  { paidAt, bankReference }: { paidAt: Date; bankReference: string },
): Promise<Purchase> {
  if (Number.isNaN(paidAt.getTime())) {
    throw validationFailed([{ path: 'body.paidAt', message: 'is not a valid time' }]);
  }
  if (paidAt.getTime() > ctx.now().getTime() + FUTURE_SLACK_MS) {
    throw validationFailed([{ path: 'body.paidAt', message: 'must not be in the future' }]);
  }
  const credited = await ctx.db.transaction(async (tx) => {
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase) throw notFound('purchase');
    const earliest = purchase.createdAt.getTime() - BOOKING_DAY_SLACK_MS;
    if (paidAt.getTime() < earliest) {
      throw validationFailed(
        [
          {
            path: 'body.paidAt',
            message: `must not be before the order was made (${purchase.createdAt.toISOString()})`,
          },
        ],
        'The money cannot have arrived before the order was made',
      );
    }
    if (purchase.paymentMethod !== 'bank_transfer') {
      throw new AppError('conflict', 'Card purchases are settled by the card provider, not by hand', {
        paymentMethod: purchase.paymentMethod,
      });
    }
    if (purchase.status === 'credited') {
      throw new AppError('conflict', 'This purchase is paid and credited already; nothing was changed', {
        status: purchase.status,
        paidAt: purchase.paidAt?.toISOString() ?? null,
        paidVia: purchase.paidVia,
      });
    }
    await creditLockedPurchases(ctx, tx, [
      { purchase, paid: { paidAt, method: 'operator', providerRef: bankReference } },
    ]);
    const done = await getPurchase(tx, purchaseId);
    if (!done) throw new Error(`purchase ${purchaseId} was not credited`);
    return done;
  });
  metrics.purchases.inc({ method: credited.paymentMethod, outcome: 'credited' });
  announceCredited(ctx, [credited]);
  return credited;
}
