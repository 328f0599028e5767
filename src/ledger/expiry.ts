// Applies hold timeouts. Several workers may run this at once: the expiry's transfer id is
// derived from the hold's, and a hold ends once, so each overdue hold expires exactly once.
import type { BatchedWriter } from './batched-writer.js';
import type { Ledger } from './ledger.js';

export function expiryTransferId(holdId: string): string {
  return `expire:${holdId}`.slice(0, 128);
}

export async function expireOverdueHolds(
  ledger: Ledger,
  writer: BatchedWriter,
  now = new Date(),
): Promise<number> {
  const overdue = await ledger.overdueHolds(now);
  const results = await Promise.all(
    overdue.map((hold) =>
      writer.submit(
        {
          type: 'expire',
          id: expiryTransferId(hold.id),
          pendingId: hold.id,
          code: 'release',
          description: 'hold expired',
        },
        hold.debitAccountId,
      ),
    ),
  );
  return results.filter((result) => result.ok && !result.replayed).length;
}
