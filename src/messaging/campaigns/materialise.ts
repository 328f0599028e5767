// A started campaign's staged rows become messages, in row order, MATERIALISE_CHUNK rows per
// transaction: each chunk reserves holds for as many of its messages as the available credit
// allows (oldest first: it stops at the first that does not fit, and waits whenever older
// messages of the account already wait), inserts them all in one statement — reserved ones
// queued (or scheduled), the rest waiting_credit in the outbox — and deletes the rows it moved.
// A transaction-scoped advisory lock keeps two materialisers (the request and the worker's
// safety-net job after a crash) off the same campaign.
import type { AppContext } from '../../context.js';
import type { Queryable } from '../../db/types.js';
import { LedgerError } from '../../ledger/types.js';
import { holdTransferId, newMessageId } from '../ids.js';
import { holdRequest } from '../send-message.js';
import { insertMessages, type NewMessage } from '../store.js';
import type { SmsEncoding } from '../../pricing/segments.js';

export const MATERIALISE_CHUNK = 5_000;
const RACE_RETRIES = 5;

export interface MaterialiseResult {
  messages: number;
  reserved: number;
  waitingCredit: number;
  /** False when another materialiser holds the campaign. */
  complete: boolean;
}

interface StagedRow {
  row_no: number;
  to_number: string;
  country: string;
  text: string | null;
  encoding: SmsEncoding;
  segments: number;
  price_per_segment: bigint;
  price_prefix: string | null;
  credits: bigint;
}

interface CampaignInfo {
  account_id: string;
  text: string;
  sender: string | null;
  schedule_at: Date | null;
  started_at: Date | null;
}

export async function materialiseCampaign(
  ctx: AppContext,
  campaignId: string,
  { chunk = MATERIALISE_CHUNK } = {},
): Promise<MaterialiseResult> {
  const total: MaterialiseResult = { messages: 0, reserved: 0, waitingCredit: 0, complete: true };
  // Once one message of the campaign waits, every later one waits too (they are younger).
  let waiting = false;
  let races = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof moveChunk>>;
    try {
      step = await ctx.db.transaction((tx) => moveChunk(ctx, tx, campaignId, chunk, waiting));
    } catch (error) {
      // Credit spent by a concurrent send between reading the balance and reserving: read again.
      if (error instanceof LedgerError && error.code === 'insufficient_credit' && ++races < RACE_RETRIES)
        continue;
      throw error;
    }
    if (step.kind === 'busy') return { ...total, complete: false };
    if (step.kind === 'done') break;
    total.messages += step.messages;
    total.reserved += step.reserved;
    total.waitingCredit += step.messages - step.reserved;
    if (step.messages > step.reserved) waiting = true;
    if (step.reserved > 0) ctx.messaging.wake();
  }
  return total;
}

type Step = { kind: 'busy' } | { kind: 'done' } | { kind: 'moved'; messages: number; reserved: number };

async function moveChunk(
  ctx: AppContext,
  tx: Queryable,
  campaignId: string,
  chunk: number,
  alreadyWaiting: boolean,
): Promise<Step> {
  const { rows: locked } = await tx.query<{ locked: boolean }>(
    `select pg_try_advisory_xact_lock(hashtext('campaign-materialise'), hashtext($1)) as locked`,
    [campaignId],
  );
  if (!locked[0]?.locked) return { kind: 'busy' };
  const { rows: campaigns } = await tx.query<CampaignInfo>(
    `select c.account_id, c.text, c.sender, c.schedule_at, e.started_at
       from campaigns c left join campaign_estimates e on e.campaign_id = c.id
      where c.id = $1 and c.status in ('running', 'scheduled')`,
    [campaignId],
  );
  const campaign = campaigns[0];
  if (!campaign) return { kind: 'done' };
  const { rows } = await tx.query<StagedRow>(
    `select row_no, to_number, country, text, encoding, segments, price_per_segment, price_prefix, credits
       from campaign_rows where campaign_id = $1 order by row_no limit $2`,
    [campaignId, chunk],
  );
  if (rows.length === 0) return { kind: 'done' };
  const accountId = campaign.account_id;
  const now = ctx.now();
  let available = 0n;
  if (!alreadyWaiting && !(await olderWaiting(tx, accountId))) {
    available = (await ctx.ledger.balance(accountId, tx))?.available ?? 0n;
  }
  const createdAt = campaign.started_at ?? now;
  const scheduled = campaign.schedule_at !== null && campaign.schedule_at > now;
  const messages: NewMessage[] = [];
  let fitting = true;
  for (const row of rows) {
    const id = newMessageId();
    fitting = fitting && row.credits <= available;
    if (fitting) available -= row.credits;
    messages.push({
      id,
      accountId,
      campaignId,
      to: row.to_number,
      country: row.country,
      sender: campaign.sender,
      text: row.text ?? campaign.text,
      encoding: row.encoding,
      segments: row.segments,
      pricePerSegment: row.price_per_segment,
      pricePrefix: row.price_prefix,
      credits: row.credits,
      scheduleAt: campaign.schedule_at,
      reference: null,
      status: fitting ? (scheduled ? 'scheduled' : 'queued') : 'waiting_credit',
      holdId: fitting ? holdTransferId(id) : null,
      nextAttemptAt: fitting ? (scheduled && campaign.schedule_at ? campaign.schedule_at : now) : null,
      createdAt,
    });
  }
  const reserved = messages.filter((m) => m.holdId !== null);
  if (reserved.length > 0) await ctx.ledger.apply(reserved.map(holdRequest), tx);
  await insertMessages(tx, messages, `campaign ${campaignId}`);
  const last = rows[rows.length - 1]?.row_no ?? 0;
  await tx.query('delete from campaign_rows where campaign_id = $1 and row_no <= $2', [campaignId, last]);
  return { kind: 'moved', messages: messages.length, reserved: reserved.length };
}

/** Whether messages of the account already wait for credit: they go first. */
async function olderWaiting(tx: Queryable, accountId: string): Promise<boolean> {
  const { rows } = await tx.query(
    `select 1 from messages where account_id = $1 and status = 'waiting_credit' limit 1`,
    [accountId],
  );
  return rows.length > 0;
}

/**
 * Campaigns started before `startedBefore` with rows still staged (the process that started
 * them stopped mid-way): for the worker job.
 */
export async function campaignsToMaterialise(
  q: Queryable,
  startedBefore: Date,
  limit = 100,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `select c.id from campaigns c join campaign_estimates e on e.campaign_id = c.id
      where c.status in ('running', 'scheduled') and e.started_at < $1
        and exists (select 1 from campaign_rows r where r.campaign_id = c.id)
      limit $2`,
    [startedBefore, limit],
  );
  return rows.map((r) => r.id);
}
