// An operator attaches an unmatched statement entry to the bank-transfer order it pays (the
// customer forgot the reference, mistyped it, or paid an order that had expired): the order is
// credited from the entry, and the entry is resolved, naming the order. Exactly once: the entry's
// row is locked first, then the order's, so two attaches of one entry queue and the second finds
// it resolved (409); two entries attached to one order queue on the order and the second finds
// it credited (409), its entry left open. The ledger transfer `purchase:<id>` stands behind both.
//
// The entry must be booked money coming in, in the order's currency and for exactly its total:
// a different amount is for a person to settle otherwise (resolve it with a note).
import type { AppContext } from '../../../context.js';
import { AppError, notFound } from '../../../http/errors.js';
import { metrics } from '../../../metrics.js';
import { getPurchase, lockPurchase, type Purchase } from '../../purchase.js';
import { announceCredited, creditLockedPurchases } from '../../settle.js';
import { type EntryRow, type StatementEntry, toEntry } from './unmatched.js';

export async function attachEntry(
  ctx: AppContext,
  entryId: string,
  { purchaseId, note, attachedBy }: { purchaseId: string; note: string | null; attachedBy: string },
): Promise<{ entry: StatementEntry; purchase: Purchase }> {
  const result = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<EntryRow>(
      'select * from bank_statement_entries where id = $1 and review_status is not null for update',
      [entryId],
    );
    const row = rows[0];
    if (!row) throw notFound('unmatched statement entry');
    const entry = toEntry(row);
    if (entry.reviewStatus === 'resolved') {
      throw new AppError('conflict', 'This entry was dealt with already; nothing was changed', {
        resolvedAt: entry.resolvedAt?.toISOString() ?? null,
        purchaseId: entry.purchaseId,
      });
    }
    if (entry.direction !== 'CRDT' || entry.status !== 'BOOK' || entry.amount === null) {
      throw new AppError('conflict', 'Only booked money coming in can pay an order', {
        direction: entry.direction,
        status: entry.status,
      });
    }
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase) throw notFound('purchase');
    if (purchase.paymentMethod !== 'bank_transfer') {
      throw new AppError('conflict', 'Only a bank-transfer order can be paid by a statement entry', {
        paymentMethod: purchase.paymentMethod,
      });
    }
    if (purchase.status === 'credited') {
      throw new AppError('conflict', 'This order is paid and credited already; nothing was changed', {
        status: purchase.status,
        paidVia: purchase.paidVia,
      });
    }
    if (entry.currency !== purchase.currency || entry.amount !== purchase.total) {
      throw new AppError('conflict', 'The entry’s amount is not the order’s total; nothing was changed', {
        entryAmount: { amount: Number(entry.amount), currency: entry.currency },
        orderTotal: { amount: Number(purchase.total), currency: purchase.currency },
      });
    }
    const now = ctx.now();
    await creditLockedPurchases(ctx, tx, [
      {
        purchase,
        paid: { paidAt: entry.bookedAt ?? now, method: 'bank_statement', providerRef: entry.bankRef },
      },
    ]);
    const named =
      entry.purchaseId && entry.purchaseId !== purchaseId ? ` (its reference named ${entry.purchaseId})` : '';
    const { rows: updated } = await tx.query<EntryRow>(
      `update bank_statement_entries
          set review_status = 'resolved', resolved_at = $2, resolved_by = $3, resolution_note = $4, purchase_id = $5
        where id = $1
        returning *`,
      [entryId, now, attachedBy, `Attached to ${purchaseId}${named}${note ? `: ${note}` : ''}`, purchaseId],
    );
    const credited = await getPurchase(tx, purchaseId);
    if (!updated[0] || !credited) throw new Error(`attaching ${entryId} to ${purchaseId} lost a row`);
    return { entry: toEntry(updated[0]), purchase: credited };
  });
  metrics.purchases.inc({ method: result.purchase.paymentMethod, outcome: 'credited' });
  announceCredited(ctx, [result.purchase]);
  return result;
}
