// The worker's job: bank-transfer orders still unpaid after their due date become expired
// (BANK_TRANSFER_DAYS). Safe with several workers: rows are claimed with SKIP LOCKED, and a
// purchase being settled holds its row lock, so it is either credited or expired, never both.
// A transfer that arrives later still matches its expired order (import-statement.ts).
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';

const BATCH = 1000;

/** Expires what is overdue now; returns how many. */
export async function expireOverduePurchases(ctx: AppContext): Promise<number> {
  let total = 0;
  for (;;) {
    const now = ctx.now();
    const { rows } = await ctx.db.query<{ id: string }>(
      `update purchases set status = 'expired', expired_at = $1, updated_at = $1
        where id in (select id from purchases
                      where status = 'awaiting_payment' and due_at is not null and due_at <= $1
                      order by due_at limit $2 for update skip locked)
          and status = 'awaiting_payment'
        returning id`,
      [now, BATCH],
    );
    total += rows.length;
    if (rows.length > 0) metrics.purchases.inc({ method: 'bank_transfer', outcome: 'expired' }, rows.length);
    if (rows.length < BATCH) return total;
  }
}
