// Back to `queued` for another attempt later: a transient carrier failure, or reconciliation
// finding that the carrier never received the message. The hold stays: the credits remain
// reserved for the next attempt. Like a settlement, the update names the claim it ends. What
// the carrier reported of a message it sent in part (a long message cut short) is kept with
// it for the next attempt; a requeue that brings no such report keeps the last one.
import type { Db } from '../db/types.js';
import { recordEvents } from './events.js';

export interface Requeue {
  messageId: string;
  attempt: number;
  nextAttemptAt: Date;
  reason: string;
  /** SubmitResult.progress of the attempt that ended. */
  progress?: string | undefined;
}

export async function requeueMessages(
  db: Db,
  items: readonly Requeue[],
  now: Date,
  { onlyIfLeaseExpired = false } = {},
): Promise<number> {
  if (items.length === 0) return 0;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `update messages m set status = 'queued', next_attempt_at = v.next_attempt_at, lease_until = null,
              error = v.reason, updated_at = $5, carrier_progress = coalesce(v.progress, m.carrier_progress)
         from unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[], $7::text[])
              as v(id, attempt, next_attempt_at, reason, progress)
        where m.id = v.id and m.status = 'sending' and m.attempts = v.attempt
          and (not $6::boolean or m.lease_until <= $5)
        returning m.id`,
      [
        items.map((i) => i.messageId),
        items.map((i) => i.attempt),
        items.map((i) => i.nextAttemptAt.toISOString()),
        items.map((i) => i.reason),
        now.toISOString(),
        onlyIfLeaseExpired,
        items.map((i) => i.progress ?? null),
      ],
    );
    const done = new Set(rows.map((r) => r.id));
    await recordEvents(
      tx,
      items
        .filter((i) => done.has(i.messageId))
        .map((i) => ({
          messageId: i.messageId,
          status: 'queued' as const,
          at: now,
          detail: `retry at ${i.nextAttemptAt.toISOString()}: ${i.reason}`,
        })),
    );
    return done.size;
  });
}

/** The delay before attempt `attempt + 1`: the base, doubled per attempt made, at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
}
