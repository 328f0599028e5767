// A started campaign's staged rows are reserved in large chunks, then become messages:
//
// 1. Reserve (one transaction): the rows not yet in a chunk are cut, in row order, into chunks
//    of CAMPAIGN_CHUNK_ROWS rows, and as many chunks as the available credit covers get one
//    ledger hold each (the first that does not fit whole is split at the last row it
//    covers). Nothing is reserved while older messages of the account wait for credit.
// 2. The rows beyond the reserved ones become waiting_credit messages, a chunk per
//    transaction, for the outbox to resume when credit arrives.
// 3. Feed: a reserved chunk becomes messages in one transaction (feedChunk): its hold is
//    voided and each row gets a hold of its own for its price; the sums are equal, so the
//    available credit does not move, and from there a message is settled as a single send is.
//    The start feeds the first chunk itself; the dispatcher feeds the rest as it
//    runs short of due messages, so a million rows are reserved in a hundred holds at once and
//    turned into messages no faster than the carriers take them.
// Staged rows move inside the database in one statement per chunk: deleted from campaign_rows,
// inserted as messages with their first status in the history. Only a row's number, recipient
// and price come out to Node, for its hold.
// A transaction-scoped advisory lock keeps two reservers (the request and the worker's
// safety-net job after a crash) off the same campaign; a chunk's row lock keeps two feeders
// (and Remove outbox) off the same chunk.
import type { AppContext } from '../../context.js';
import type { Queryable } from '../../db/types.js';
import { LedgerError, type LedgerRequest } from '../../ledger/types.js';
import { countMessages } from '../../metrics.js';
import { holdTransferId, newMessageId } from '../ids.js';
import { holdRequest } from '../send-message.js';

// Rows per chunk (CAMPAIGN_CHUNK_ROWS, 10,000 by default): per reserved hold, and per
// transaction that moves rows into messages. A move holds the account's ledger row until it
// commits (sends of the same account wait that long); 10,000 moves as fast as 20,000 did and
// holds half as long. A start feeds the first chunk itself, so a campaign of up to a chunk has
// all its messages when the start answers.
const RACE_RETRIES = 5;
/** How far ahead of a scheduled campaign's time the dispatcher feeds its chunks. */
const FEED_AHEAD_MS = 60_000;

export interface MaterialiseResult {
  messages: number;
  /** Reserved: queued or scheduled messages, and rows of reserved chunks not yet fed. */
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

interface ChunkRow {
  campaign_id: string;
  first_row: number;
  last_row: number;
  account_id: string;
  rows: number;
  credits: bigint;
  hold_id: string;
}

const chunkHoldId = (campaignId: string, firstRow: number): string => `hold:chunk:${campaignId}:${firstRow}`;
const chunkVoidId = (campaignId: string, firstRow: number): string => `void:chunk:${campaignId}:${firstRow}`;

/** Ends a reserved chunk's hold, returning all of it: the chunk was fed or canceled. */
export function chunkVoidRequest(
  chunk: { campaign_id: string; first_row: number },
  why: string,
): LedgerRequest {
  return {
    type: 'void',
    id: chunkVoidId(chunk.campaign_id, chunk.first_row),
    pendingId: chunkHoldId(chunk.campaign_id, chunk.first_row),
    code: 'release',
    reference: chunk.campaign_id,
    description: why,
  };
}

export async function materialiseCampaign(
  ctx: AppContext,
  campaignId: string,
  options: { chunk?: number; feedAtStart?: number } = {},
): Promise<MaterialiseResult> {
  const chunk = options.chunk ?? ctx.config.campaigns.chunkRows;
  const feedAtStart = options.feedAtStart ?? chunk;
  const total: MaterialiseResult = { messages: 0, reserved: 0, waitingCredit: 0, complete: true };
  let plan: Plan;
  for (let races = 0; ; races++) {
    try {
      plan = await ctx.db.transaction((tx) => reserveChunks(ctx, tx, campaignId, chunk));
      break;
    } catch (error) {
      // Credit spent by a concurrent send between reading the balance and reserving: read again.
      if (error instanceof LedgerError && error.code === 'insufficient_credit' && races + 1 < RACE_RETRIES)
        continue;
      throw error;
    }
  }
  if (plan.kind === 'busy') return { ...total, complete: false };
  if (plan.kind === 'done') return total;
  total.messages += plan.reservedRows;
  total.reserved += plan.reservedRows;
  // The first rows become messages at once (message ids sort in row order, so first).
  let fed = 0;
  while (fed < feedAtStart) {
    const rows = await feedChunk(ctx, { campaignId });
    if (rows === 0) break;
    fed += rows;
  }
  // Everything after the reserved rows waits for credit, as messages the outbox resumes.
  let after = plan.after;
  for (;;) {
    const step = await ctx.db.transaction((tx) => moveWaiting(ctx, tx, campaignId, chunk, after));
    if (step.kind === 'busy') return { ...total, complete: false };
    if (step.kind === 'done') break;
    total.messages += step.messages;
    total.waitingCredit += step.messages;
    countMessages('waiting_credit', step.messages);
    after = step.last;
  }
  if (plan.reservedRows > 0) ctx.messaging.wake();
  return total;
}

type Plan = { kind: 'busy' } | { kind: 'done' } | { kind: 'planned'; reservedRows: number; after: number };

async function lockCampaign(tx: Queryable, campaignId: string): Promise<CampaignInfo | 'busy' | null> {
  const { rows: locked } = await tx.query<{ locked: boolean }>(
    `select pg_try_advisory_xact_lock(hashtext('campaign-materialise'), hashtext($1)) as locked`,
    [campaignId],
  );
  if (!locked[0]?.locked) return 'busy';
  const { rows: campaigns } = await tx.query<CampaignInfo>(
    `select c.account_id, c.text, c.sender, c.schedule_at, e.started_at
       from campaigns c left join campaign_estimates e on e.campaign_id = c.id
      where c.id = $1 and c.status in ('running', 'scheduled')`,
    [campaignId],
  );
  return campaigns[0] ?? null;
}

/** Step 1: the rows not yet in a chunk are cut into chunks, and the credit reserves a prefix. */
async function reserveChunks(
  ctx: AppContext,
  tx: Queryable,
  campaignId: string,
  chunk: number,
): Promise<Plan> {
  const campaign = await lockCampaign(tx, campaignId);
  if (campaign === 'busy') return { kind: 'busy' };
  if (!campaign) return { kind: 'done' };
  // Rows up to the last chunk's are reserved (or were, and are fed or canceled by now).
  const { rows: chunked } = await tx.query<{ last: number | null }>(
    'select max(last_row) as last from campaign_chunks where campaign_id = $1',
    [campaignId],
  );
  const after = chunked[0]?.last ?? 0;
  const accountId = campaign.account_id;
  if (await olderWaiting(tx, accountId)) return { kind: 'planned', reservedRows: 0, after };
  let available = (await ctx.ledger.balance(accountId, tx))?.available ?? 0n;
  if (available <= 0n) return { kind: 'planned', reservedRows: 0, after };
  const { rows: cuts } = await tx.query<{
    first_row: number;
    last_row: number;
    rows: number;
    credits: bigint;
  }>(
    `select min(row_no)::int as first_row, max(row_no)::int as last_row, count(*)::int as rows,
            sum(credits)::bigint as credits
       from (select row_no, credits, (row_number() over (order by row_no) - 1) / $3 as cut
               from campaign_rows where campaign_id = $1 and row_no > $2) s
      group by cut order by cut`,
    [campaignId, after, chunk],
  );
  const reserved: { first_row: number; last_row: number; rows: number; credits: bigint }[] = [];
  for (const cut of cuts) {
    if (cut.credits <= available) {
      available -= cut.credits;
      reserved.push(cut);
      continue;
    }
    // The first chunk the credit does not cover whole: its rows, in order, as far as it goes.
    const { rows } = await tx.query<{ row_no: number; credits: bigint }>(
      `select row_no, credits from campaign_rows where campaign_id = $1 and row_no between $2 and $3
        order by row_no`,
      [campaignId, cut.first_row, cut.last_row],
    );
    let part: { first_row: number; last_row: number; rows: number; credits: bigint } | null = null;
    for (const row of rows) {
      if (row.credits > available) break;
      available -= row.credits;
      part = part ?? { first_row: cut.first_row, last_row: row.row_no, rows: 0, credits: 0n };
      part.last_row = row.row_no;
      part.rows++;
      part.credits += row.credits;
    }
    if (part) reserved.push(part);
    break;
  }
  if (reserved.length === 0) return { kind: 'planned', reservedRows: 0, after };
  await ctx.ledger.apply(
    reserved.map((r) => ({
      type: 'hold' as const,
      id: chunkHoldId(campaignId, r.first_row),
      debit: accountId,
      credit: { system: 'consumption' as const },
      amount: r.credits,
      code: 'consumption' as const,
      reference: campaignId,
      description: `campaign ${campaignId}: ${r.rows} messages reserved`,
    })),
    tx,
  );
  const now = ctx.now().toISOString();
  await tx.query(
    `insert into campaign_chunks (campaign_id, first_row, last_row, account_id, rows, credits, status,
       hold_id, created_at, updated_at)
     select $1, f, l, $2, n, c, 'reserved', h, $3::timestamptz, $4::timestamptz
       from unnest($5::int[], $6::int[], $7::int[], $8::bigint[], $9::text[]) as v(f, l, n, c, h)`,
    [
      campaignId,
      accountId,
      (campaign.started_at ?? ctx.now()).toISOString(),
      now,
      reserved.map((r) => r.first_row),
      reserved.map((r) => r.last_row),
      reserved.map((r) => r.rows),
      reserved.map((r) => r.credits.toString()),
      reserved.map((r) => chunkHoldId(campaignId, r.first_row)),
    ],
  );
  const last = reserved[reserved.length - 1];
  return {
    kind: 'planned',
    reservedRows: reserved.reduce((sum, r) => sum + r.rows, 0),
    after: last ? last.last_row : after,
  };
}

type Step = { kind: 'busy' } | { kind: 'done' } | { kind: 'moved'; messages: number; last: number };

/** Step 2: the next chunk of rows after `after` becomes waiting_credit messages. */
async function moveWaiting(
  ctx: AppContext,
  tx: Queryable,
  campaignId: string,
  chunk: number,
  after: number,
): Promise<Step> {
  const campaign = await lockCampaign(tx, campaignId);
  if (campaign === 'busy') return { kind: 'busy' };
  if (!campaign) return { kind: 'done' };
  const { rows } = await tx.query<{ row_no: number }>(
    `select row_no from campaign_rows where campaign_id = $1 and row_no > $3 order by row_no limit $2`,
    [campaignId, chunk, after],
  );
  const last = rows[rows.length - 1]?.row_no;
  if (last === undefined) return { kind: 'done' };
  await moveRows(
    ctx,
    tx,
    campaignId,
    campaign,
    rows,
    rows.map(() => newMessageId()),
    after,
    last,
    false,
  );
  return { kind: 'moved', messages: rows.length, last };
}

/**
 * Step 3: feeds the oldest reserved chunk (of one campaign, or of any campaign due within
 * FEED_AHEAD_MS) into messages, each with its own hold, and voids the chunk's hold in the same
 * ledger batch. Returns the rows fed: 0 when no reserved chunk is free.
 */
export async function feedChunk(
  ctx: AppContext,
  { campaignId = null as string | null } = {},
): Promise<number> {
  const fed = await ctx.db.transaction(async (tx) => {
    // The dispatcher's feed skips campaigns scheduled more than FEED_AHEAD_MS ahead: their
    // chunks wait until their messages are nearly due.
    const { rows: chunks } = await tx.query<ChunkRow>(
      `select k.campaign_id, k.first_row, k.last_row, k.account_id, k.rows, k.credits, k.hold_id
         from campaign_chunks k join campaigns c on c.id = k.campaign_id
        where k.status = 'reserved' and ($1::text is null or k.campaign_id = $1)
          and ($1::text is not null or c.schedule_at is null or c.schedule_at <= $2)
        order by k.created_at, k.campaign_id, k.first_row limit 1 for update of k skip locked`,
      [campaignId, new Date(ctx.now().getTime() + FEED_AHEAD_MS)],
    );
    const chunk = chunks[0];
    if (!chunk) return 0;
    const { rows: campaigns } = await tx.query<CampaignInfo>(
      `select c.account_id, c.text, c.sender, c.schedule_at, e.started_at
         from campaigns c left join campaign_estimates e on e.campaign_id = c.id where c.id = $1`,
      [chunk.campaign_id],
    );
    const campaign = campaigns[0];
    if (!campaign) throw new Error(`campaign ${chunk.campaign_id} of a reserved chunk is gone`);
    const { rows } = await tx.query<StagedRow>(
      `select row_no, to_number, credits from campaign_rows
        where campaign_id = $1 and row_no between $2 and $3 order by row_no`,
      [chunk.campaign_id, chunk.first_row, chunk.last_row],
    );
    let credits = 0n;
    for (const row of rows) credits += row.credits;
    if (rows.length !== chunk.rows || credits !== chunk.credits) {
      throw new Error(
        `campaign ${chunk.campaign_id}: the chunk from row ${chunk.first_row} reserved ${chunk.rows} rows and ${chunk.credits} micro-credits, ${rows.length} and ${credits} are staged`,
      );
    }
    // Ids in row order (they sort in creation order, and the outbox takes the oldest first).
    const ids = rows.map(() => newMessageId());
    const accountId = campaign.account_id;
    await ctx.ledger.apply(
      [
        chunkVoidRequest(chunk, `campaign ${chunk.campaign_id}: reserved per message`),
        ...rows.map((row, i) =>
          holdRequest({ id: ids[i] as string, accountId, credits: row.credits, to: row.to_number }),
        ),
      ],
      tx,
    );
    await moveRows(
      ctx,
      tx,
      chunk.campaign_id,
      campaign,
      rows,
      ids,
      chunk.first_row - 1,
      chunk.last_row,
      true,
    );
    await tx.query(
      `update campaign_chunks set status = 'fed', updated_at = $3 where campaign_id = $1 and first_row = $2`,
      [chunk.campaign_id, chunk.first_row, ctx.now().toISOString()],
    );
    return rows.length;
  });
  if (fed > 0) ctx.messaging.wake();
  countMessages('queued', fed);
  return fed;
}

/**
 * Rows (after, last] of a campaign become messages with the given ids, in one statement, with
 * their first status in the history: queued or scheduled when `reserved` (the caller wrote
 * their holds), waiting_credit otherwise.
 */
async function moveRows(
  ctx: AppContext,
  tx: Queryable,
  campaignId: string,
  campaign: CampaignInfo,
  rows: readonly { row_no: number }[],
  ids: readonly string[],
  after: number,
  last: number,
  reserved: boolean,
): Promise<void> {
  const now = ctx.now();
  const createdAt = campaign.started_at ?? now;
  const scheduled = campaign.schedule_at !== null && campaign.schedule_at > now;
  // (A new message is scheduled, queued or waiting_credit: no webhook event.)
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
              case when $6::boolean then $7 else 'waiting_credit' end,
              case when $6::boolean then $8 || v.id end,
              case when $6::boolean then $9::timestamptz end,
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
      campaign.account_id,
      campaign.sender,
      campaign.text,
      reserved,
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
 * Campaigns started before `startedBefore` with staged rows in no chunk (the process that
 * started them stopped mid-way): for the worker job. Rows of reserved chunks stay staged until
 * they are fed, and every chunk's rows come before the rows not yet in one.
 */
export async function campaignsToMaterialise(
  q: Queryable,
  startedBefore: Date,
  limit = 100,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `select c.id from campaigns c join campaign_estimates e on e.campaign_id = c.id
      where c.status in ('running', 'scheduled') and e.started_at < $1
        and exists (select 1 from campaign_rows r where r.campaign_id = c.id
                     and r.row_no > coalesce((select max(k.last_row) from campaign_chunks k
                                               where k.campaign_id = c.id), 0))
      limit $2`,
    [startedBefore, limit],
  );
  return rows.map((r) => r.id);
}
