// Reconciliation of messages whose dispatcher stopped owning them: still `sending` after their
// lease (the worker was killed mid-batch, or its settlement could not be written). The carrier
// they were claimed for is asked whether it has them:
//
//   it has it        -> post the hold, `sent` (and its delivery status, if it knows one, is
//                       applied like a receipt)
//   it does not      -> `queued` again, the hold kept: the next attempt sends it once
//   it cannot tell   -> `failed` and the hold voided: never charged for something unknown,
//                       never sent twice
//
// Every step names the claim (attempt number, lease run out), so it is safe with several
// workers reconciling, and with a late settlement from the original dispatcher.
import type { AppContext } from '../context.js';
import { countMessages } from '../metrics.js';
import type { LookupResult } from './carriers/types.js';
import { requeueMessages, type Requeue } from './requeue.js';
import { postRequest, voidRequest } from './settle.js';

export interface ReconcileReport {
  sent: number;
  requeued: number;
  failed: number;
  /** The carrier could not be asked this time (it errored); tried again on the next run. */
  skipped: number;
}

const LIMIT = 500;

export async function reconcileExpiredLeases(ctx: AppContext): Promise<ReconcileReport> {
  const messaging = ctx.messaging;
  const now = ctx.now();
  const report: ReconcileReport = { sent: 0, requeued: 0, failed: 0, skipped: 0 };
  const { rows } = await ctx.db.query<{
    id: string;
    account_id: string;
    carrier: string | null;
    attempts: number;
  }>(
    `select id, account_id, carrier, attempts from messages
      where status = 'sending' and lease_until <= $1 order by lease_until limit $2`,
    [now.toISOString(), LIMIT],
  );
  const requeue: Requeue[] = [];
  const settlements: Promise<unknown>[] = [];
  for (const row of rows) {
    const carrier = row.carrier === null ? undefined : messaging.carriers.byId(row.carrier);
    const base = { messageId: row.id, attempt: row.attempts, at: now, onlyIfLeaseExpired: true };
    let found: LookupResult | null = null;
    if (carrier?.lookup) {
      try {
        found = await carrier.lookup(row.id);
      } catch (err) {
        ctx.logger.warn(
          { err, messageId: row.id, carrier: carrier.id },
          'the carrier could not be asked about a message',
        );
        report.skipped++;
        continue;
      }
    }
    if (carrier && found?.found) {
      const { carrierMessageId, status } = found;
      settlements.push(
        messaging.settle
          .submit(postRequest(row.id), row.account_id, {
            ...base,
            outcome: 'sent',
            carrier: carrier.id,
            carrierMessageId,
            detail: `reconciled: ${carrier.id} has it as ${carrierMessageId}`,
          })
          .then((result) => {
            if (!result.ok) return;
            report.sent++;
            if (!result.replayed) countMessages('sent', 1, carrier.id);
            if (status !== 'accepted') {
              messaging.receipts.accept(carrier.id, {
                messageId: row.id,
                carrierMessageId,
                status,
                at: now,
                ...(found?.found && found.reason ? { reason: found.reason } : {}),
              });
            }
          }),
      );
    } else if (carrier && found && !found.found) {
      if (row.attempts >= ctx.config.messaging.maxAttempts) {
        settlements.push(
          fail(ctx, row.id, row.account_id, base, `gave up after ${row.attempts} attempts`, report),
        );
      } else {
        requeue.push({
          messageId: row.id,
          attempt: row.attempts,
          nextAttemptAt: now,
          reason: `reconciled: ${carrier.id} never received it`,
        });
      }
    } else {
      const why = carrier
        ? `${carrier.id} cannot tell whether it received it`
        : `its carrier ${row.carrier ?? '(none)'} is not configured any more`;
      settlements.push(
        fail(
          ctx,
          row.id,
          row.account_id,
          base,
          `outcome unknown: the dispatcher stopped and ${why}; not charged`,
          report,
        ),
      );
    }
  }
  await Promise.all(settlements);
  report.requeued += await requeueMessages(ctx.db, requeue, now, { onlyIfLeaseExpired: true });
  if (report.sent > 0) await messaging.receipts.drain();
  return report;
}

async function fail(
  ctx: AppContext,
  messageId: string,
  accountId: string,
  base: { messageId: string; attempt: number; at: Date; onlyIfLeaseExpired: boolean },
  reason: string,
  report: ReconcileReport,
): Promise<void> {
  const result = await ctx.messaging.settle.submit(voidRequest(messageId), accountId, {
    ...base,
    outcome: 'failed',
    reason,
  });
  if (result.ok) {
    report.failed++;
    if (!result.replayed) countMessages('failed');
  }
}
