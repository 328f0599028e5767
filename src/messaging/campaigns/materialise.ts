// A started campaign's staged rows become messages, in row order, MATERIALISE_CHUNK rows per
// transaction: each chunk reserves holds for as many of its messages as the available credit
// allows (oldest first: it stops at the first that does not fit, and waits whenever older
// messages of the account already wait), then moves the rows inside the database in one
// statement — deleted from campaign_rows, inserted as messages (reserved ones queued or
// scheduled, the rest waiting_credit in the outbox) with their first status in the history.
// Only a row's number, recipient and price come out to Node, for its hold.
// A transaction-scoped advisory lock keeps two materialisers (the request and the worker's
// safety-net job after a crash) off the same campaign.
import type { AppContext } from '../../context.js';
import type { Queryable } from '../../db/types.js';
import { LedgerError, type LedgerRequest } from '../../ledger/types.js';
import { holdTransferId, newMessageId } from '../ids.js';
import { holdRequest } from '../send-message.js';

/**
 * Rows per transaction. Each chunk holds the account's ledger row until it commits (sends of
 * the same account wait that long); 10,000 moves as fast as 20,000 did and holds half as long.
 */
export const MATERIALISE_CHUNK = 10_000;
const RACE_RETRIES = 5;

export interface MaterialiseResult {
  messages: number;
  reserved: number;
  waitingCredit: number;
  /** False when another materialiser holds the campaign. */
  complete: boolean;
}

/** What reserving a staged row needs to know of it. */
interface StagedRow {
  row_no: number;
  to_number: string;
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
  // Rows up to here are moved: each chunk's reads start after them, so the index entries of
  // the rows deleted before (dead until a vacuum) are not walked again by every chunk.
  let after = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof moveChunk>>;
    try {
      step = await ctx.db.transaction((tx) => moveChunk(ctx, tx, campaignId, chunk, waiting, after));
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
    after = step.last;
    if (step.reserved > 0) ctx.messaging.wake();
  }
  return total;
}

type Step =
  | { kind: 'busy' }
  | { kind: 'done' }
  | { kind: 'moved'; messages: number; reserved: number; last: number };

async function moveChunk(
  ctx: AppContext,
  tx: Queryable,
  campaignId: string,
  chunk: number,
  alreadyWaiting: boolean,
  after: number,
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
  // Only what the holds need comes out of the database; the rows themselves move inside it.
  const { rows } = await tx.query<StagedRow>(
    `select row_no, to_number, credits from campaign_rows where campaign_id = $1 and row_no > $3
      order by row_no limit $2`,
    [campaignId, chunk, after],
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
  // Ids in row order (they sort in creation order, and the outbox takes the oldest first);
  // the first rows, as far as the credit goes, are reserved, the rest wait.
  const ids = new Array<string>(rows.length);
  const holds: LedgerRequest[] = [];
  let lastReserved = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as StagedRow;
    const id = newMessageId();
    ids[i] = id;
    if (holds.length === i && row.credits <= available) {
      available -= row.credits;
      lastReserved = row.row_no;
      holds.push(holdRequest({ id, accountId, credits: row.credits, to: row.to_number }));
    }
  }
  if (holds.length > 0) await ctx.ledger.apply(holds, tx);
  const last = rows[rows.length - 1]?.row_no ?? 0;
  // The chunk's staged rows become messages, and their first status goes to the history, in one
  // statement. (A new message is scheduled, queued or waiting_credit: no webhook event.)
  const { rows: moved } = await tx.query<{ n: number }>(
    `with moved as (
       delete from campaign_rows where campaign_id = $1 and row_no > $15 and row_no <= $2
       returning row_no, to_number, country, text, encoding, segments, price_per_segment, price_prefix, credits
     ), inserted as (
       insert into messages (id, account_id, campaign_id, to_number, country, sender, text, encoding, segments,
         price_per_segment, price_prefix, credits, status, hold_id, next_attempt_at, schedule_at, reference,
         created_at, updated_at)
       select v.id, $3, $1, m.to_number, m.country, $4, coalesce(m.text, $5), m.encoding, m.segments,
              m.price_per_segment, m.price_prefix, m.credits,
              case when m.row_no <= $6 then $7 else 'waiting_credit' end,
              case when m.row_no <= $6 then $8 || v.id end,
              case when m.row_no <= $6 then $9::timestamptz end,
              $10::timestamptz, null, $11::timestamptz, $11::timestamptz
         from unnest($12::int[], $13::text[]) as v(row_no, id)
         join moved m on m.row_no = v.row_no
       returning id, status, created_at
     ), recorded as (
       insert into message_events (message_id, status, at, detail)
       select id, status, created_at, $14::text from inserted
       returning 1
     )
     select count(*)::int as n from recorded`,
    [
      campaignId,
      last,
      accountId,
      campaign.sender,
      campaign.text,
      lastReserved,
      scheduled ? 'scheduled' : 'queued',
      holdTransferId(''),
      scheduled && campaign.schedule_at ? campaign.schedule_at.toISOString() : now.toISOString(),
      campaign.schedule_at?.toISOString() ?? null,
      createdAt.toISOString(),
      rows.map((r) => r.row_no),
      ids,
      `campaign ${campaignId}`,
      after,
    ],
  );
  if (moved[0]?.n !== rows.length) {
    throw new Error(`campaign ${campaignId}: ${moved[0]?.n} of ${rows.length} staged rows became messages`);
  }
  return { kind: 'moved', messages: rows.length, reserved: holds.length, last };
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
