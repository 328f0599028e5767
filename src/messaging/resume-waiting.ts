// Messages waiting for credit go out by themselves when it arrives: oldest first, in chunks
// of one transaction each, every chunk reserving holds for as many messages as the available
// credit allows and stopping at the first that does not fit (a later, cheaper message never
// jumps the queue). Reserved messages become queued (or scheduled, if their time is ahead).
// Called when a purchase is credited and, as a safety net, by a periodic worker job.
import type { AppContext } from '../context.js';
import { LedgerError } from '../ledger/types.js';
import { countMessages } from '../metrics.js';
import { recordEvents } from './events.js';
import { holdTransferId } from './ids.js';
import { holdRequest } from './send-message.js';

export interface ResumeResult {
  reserved: number;
  reservedMicros: bigint;
  /** Messages still waiting for this account after the run. */
  stillWaiting: boolean;
}

const CHUNK = 1_000;
const RACE_RETRIES = 5;

export async function resumeWaiting(
  ctx: AppContext,
  accountId: string,
  { chunk = CHUNK } = {},
): Promise<ResumeResult> {
  const total: ResumeResult = { reserved: 0, reservedMicros: 0n, stillWaiting: false };
  let races = 0;
  for (;;) {
    let step: { reserved: number; micros: bigint; more: boolean; scheduled: number };
    try {
      step = await reserveChunk(ctx, accountId, chunk);
    } catch (error) {
      // Credit spent by a concurrent send between reading the balance and reserving: read again.
      if (error instanceof LedgerError && error.code === 'insufficient_credit' && ++races < RACE_RETRIES)
        continue;
      throw error;
    }
    total.reserved += step.reserved;
    total.reservedMicros += step.micros;
    countMessages('queued', step.reserved - step.scheduled);
    countMessages('scheduled', step.scheduled);
    if (!step.more) break;
  }
  total.stillWaiting = await hasWaiting(ctx, accountId);
  if (total.reserved > 0) ctx.messaging.wake();
  return total;
}

async function hasWaiting(ctx: AppContext, accountId: string): Promise<boolean> {
  const { rows } = await ctx.db.query(
    `select 1 from messages where account_id = $1 and status = 'waiting_credit' limit 1`,
    [accountId],
  );
  return rows.length > 0;
}

async function reserveChunk(
  ctx: AppContext,
  accountId: string,
  chunk: number,
): Promise<{ reserved: number; micros: bigint; more: boolean; scheduled: number }> {
  return ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      to_number: string;
      credits: bigint;
      schedule_at: Date | null;
    }>(
      `select id, to_number, credits, schedule_at from messages
        where account_id = $1 and status = 'waiting_credit'
        order by created_at, id limit $2 for update skip locked`,
      [accountId, chunk],
    );
    if (rows.length === 0) return { reserved: 0, micros: 0n, more: false, scheduled: 0 };
    const balance = await ctx.ledger.balance(accountId, tx);
    let available = balance?.available ?? 0n;
    const fits: typeof rows = [];
    for (const row of rows) {
      if (row.credits > available) break;
      available -= row.credits;
      fits.push(row);
    }
    if (fits.length === 0) return { reserved: 0, micros: 0n, more: false, scheduled: 0 };
    await ctx.ledger.apply(
      fits.map((row) => holdRequest({ id: row.id, accountId, credits: row.credits, to: row.to_number })),
      tx,
    );
    const now = ctx.now();
    const statuses = fits.map((row) => (row.schedule_at && row.schedule_at > now ? 'scheduled' : 'queued'));
    await tx.query(
      `update messages m set status = v.status, hold_id = v.hold_id,
              next_attempt_at = greatest(coalesce(m.schedule_at, $3), $3), updated_at = $3
         from unnest($1::text[], $2::text[], $4::text[]) as v(id, status, hold_id)
        where m.id = v.id`,
      [fits.map((r) => r.id), statuses, now.toISOString(), fits.map((r) => holdTransferId(r.id))],
    );
    await recordEvents(
      tx,
      fits.map((row, i) => ({
        messageId: row.id,
        status: statuses[i] === 'scheduled' ? ('scheduled' as const) : ('queued' as const),
        at: now,
        detail: 'credit arrived: reserved',
      })),
    );
    const micros = fits.reduce((sum, row) => sum + row.credits, 0n);
    return {
      reserved: fits.length,
      micros,
      more: fits.length === rows.length && rows.length === chunk,
      scheduled: statuses.filter((status) => status === 'scheduled').length,
    };
  });
}

/** Accounts with messages waiting, for the periodic job. */
export async function accountsWithWaiting(ctx: AppContext, limit = 1_000): Promise<string[]> {
  const { rows } = await ctx.db.query<{ account_id: string }>(
    `select distinct account_id from messages where status = 'waiting_credit' limit $1`,
    [limit],
  );
  return rows.map((r) => r.account_id);
}

/** The periodic safety net: every account with waiting messages and some available credit. */
export async function resumeAllWaiting(ctx: AppContext): Promise<number> {
  let reserved = 0;
  for (const accountId of await accountsWithWaiting(ctx)) {
    const balance = await ctx.ledger.balance(accountId);
    if (!balance || balance.available <= 0n) continue;
    reserved += (await resumeWaiting(ctx, accountId)).reserved;
  }
  return reserved;
}
