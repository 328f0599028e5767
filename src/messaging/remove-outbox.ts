// Remove outbox: cancels every message of an account (or of one campaign) not yet handed to a
// carrier, and releases what their holds reserved, in chunks of one transaction each. A
// chunk locks only rows it can lock at once (SKIP LOCKED) and still in the outbox: a row the
// dispatcher is claiming becomes `sending` and is left to it, so no message is both canceled
// and sent. Rows skipped because another transaction held them (a chunk of credit being
// reserved, say) are looked at again until none is left or only the dispatcher's remain.
// A campaign's reserved chunks not yet fed to the dispatcher (campaigns/materialise.ts) are
// canceled whole: the chunk's hold is voided and its rows dropped.
import { type Db, SQLSTATE, sqlState } from '../db/types.js';
import { executeBatch } from '../ledger/engine.js';
import { countMessages } from '../metrics.js';
import { chunkVoidRequest } from './campaigns/materialise.js';
import { recordEvents } from './events.js';
import { voidRequest } from './settle.js';

export interface RemoveOutboxResult {
  canceled: number;
  /** Micro-credits the canceled messages' holds had reserved and now returned. */
  releasedMicros: bigint;
}

const CHUNK = 1_000;
const ROUNDS = 20;
const ATTEMPTS = 4;
// Another transaction on the same account (the dispatcher settling, a receipt's refund) may
// meet a chunk in a deadlock; PostgreSQL then aborts one of them, and a chunk is safe to redo.
const TRANSIENT: readonly string[] = [
  SQLSTATE.deadlockDetected,
  SQLSTATE.serializationFailure,
  SQLSTATE.uniqueViolation,
];

/** Runs one chunk's transaction again after a deadlock or another transient failure. */
async function retryingTransient<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= ATTEMPTS || !state || !TRANSIENT.includes(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/**
 * A campaign's reserved chunks not yet fed (materialise.ts): each chunk's hold is voided and its
 * staged rows dropped, in one transaction. A chunk being fed is waited for; it is then no
 * longer reserved, and its messages are canceled as any others.
 */
async function cancelReservedChunks(
  db: Db,
  accountId: string,
  campaignId: string | null,
  now: Date,
): Promise<RemoveOutboxResult> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      campaign_id: string;
      first_row: number;
      last_row: number;
      rows: number;
      credits: bigint;
    }>(
      `select campaign_id, first_row, last_row, rows, credits from campaign_chunks
        where account_id = $1 and ($2::text is null or campaign_id = $2) and status = 'reserved'
        order by campaign_id, first_row for update`,
      [accountId, campaignId],
    );
    if (rows.length === 0) return { canceled: 0, releasedMicros: 0n };
    await executeBatch(
      tx,
      rows.map((chunk) => chunkVoidRequest(chunk, `campaign ${chunk.campaign_id}: removed from the outbox`)),
      true,
    );
    await tx.query(
      `update campaign_chunks k set status = 'canceled', updated_at = $3
         from unnest($1::text[], $2::int[]) as v(campaign_id, first_row)
        where k.campaign_id = v.campaign_id and k.first_row = v.first_row`,
      [rows.map((r) => r.campaign_id), rows.map((r) => r.first_row), now.toISOString()],
    );
    await tx.query(
      `delete from campaign_rows r using unnest($1::text[], $2::int[], $3::int[]) as v(campaign_id, first_row, last_row)
        where r.campaign_id = v.campaign_id and r.row_no between v.first_row and v.last_row`,
      [rows.map((r) => r.campaign_id), rows.map((r) => r.first_row), rows.map((r) => r.last_row)],
    );
    return {
      canceled: rows.reduce((sum, r) => sum + r.rows, 0),
      releasedMicros: rows.reduce((sum, r) => sum + r.credits, 0n),
    };
  });
}

export async function removeOutbox(
  db: Db,
  accountId: string,
  now: () => Date,
  { campaignId = null as string | null } = {},
): Promise<RemoveOutboxResult> {
  const total: RemoveOutboxResult = { canceled: 0, releasedMicros: 0n };
  for (let round = 0; round < ROUNDS; round++) {
    // Reserved campaign chunks not fed yet first: a chunk fed meanwhile is messages by then.
    const chunks = await retryingTransient(() => cancelReservedChunks(db, accountId, campaignId, now()));
    total.canceled += chunks.canceled;
    total.releasedMicros += chunks.releasedMicros;
    for (;;) {
      const chunk = await retryingTransient(() => cancelChunk(db, accountId, campaignId, now()));
      total.canceled += chunk.canceled;
      total.releasedMicros += chunk.releasedMicros;
      if (chunk.locked < CHUNK || chunk.canceled === 0) break;
    }
    const { rows } = await db.query<{ n: bigint }>(
      `select (select count(*) from messages
                where account_id = $1 and ($2::text is null or campaign_id = $2)
                  and status in ('scheduled', 'queued', 'waiting_credit'))
            + (select count(*) from campaign_chunks
                where account_id = $1 and ($2::text is null or campaign_id = $2) and status = 'reserved')
              as n`,
      [accountId, campaignId],
    );
    if ((rows[0]?.n ?? 0n) === 0n) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  countMessages('canceled', total.canceled);
  return total;
}

async function cancelChunk(
  db: Db,
  accountId: string,
  campaignId: string | null,
  now: Date,
): Promise<RemoveOutboxResult & { locked: number }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; hold_id: string | null; credits: bigint }>(
      `select id, hold_id, credits from messages
        where account_id = $1 and ($2::text is null or campaign_id = $2)
          and status in ('scheduled', 'queued', 'waiting_credit')
        order by id limit $3 for update skip locked`,
      [accountId, campaignId, CHUNK],
    );
    if (rows.length === 0) return { canceled: 0, releasedMicros: 0n, locked: 0 };
    const held = rows.filter((r) => r.hold_id !== null);
    const results = await executeBatch(
      tx,
      held.map((r) => voidRequest(r.id)),
      false,
    );
    let releasedMicros = 0n;
    const cancel: string[] = rows.filter((r) => r.hold_id === null).map((r) => r.id);
    held.forEach((row, i) => {
      const result = results[i];
      if (result?.ok) {
        cancel.push(row.id);
        if (!result.replayed) releasedMicros += row.credits;
      } else if (
        result?.error.code === 'pending_already_resolved' &&
        result.error.details.resolution !== 'post'
      ) {
        // Released already (a void or an expiry): cancel it, nothing more to return.
        cancel.push(row.id);
      }
      // A hold already posted means a carrier took the message: it is not canceled.
    });
    if (cancel.length > 0) {
      await tx.query(
        `update messages set status = 'canceled', next_attempt_at = null, updated_at = $2
          where id = any($1::text[])`,
        [cancel, now.toISOString()],
      );
      await recordEvents(
        tx,
        cancel.map((id) => ({
          messageId: id,
          status: 'canceled' as const,
          at: now,
          detail: 'removed from the outbox',
        })),
      );
    }
    return { canceled: cancel.length, releasedMicros, locked: rows.length };
  });
}
