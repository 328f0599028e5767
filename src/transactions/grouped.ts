// The transactions list as people read it (GET /transactions?group=campaign_day): one row per
// campaign and day for what messages cost (single sends: one row per day), with the count and
// the total, and one row for each purchase, refund, adjustment or grant. Worked out by the
// database: the account's movements are grouped by (the account's calendar day, what they
// belong to) with GROUP BY, and only the page's rows come back.
//
// Cost. The history indexes run by (account, seq), not by time, so a page is built over a
// window of days walked back from the newest movement: the seq where the window starts is found
// by walking the index back from the top (a movement's seq and its time agree to within a
// transaction's length; MARGIN absorbs that, and the answer is exact as long as they do), the
// window is grouped, and when it does not fill
// the page it grows to where the rows per day seen so far say the page fills. A page reads
// the days it shows and a little more; a large account's first page never reads its whole
// history. The cursor carries the last row's
// (day, seq) and the seq below which everything of the days still to come lies.
//
// Messages belong to a group through the message the movement names (`post:<msg>` and
// `refund:<msg>` carry the message id as reference), so consumption of another account can
// never join in: the join also requires the message's account.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { validationFailed } from '../http/errors.js';
import { formatCredits } from '../ledger/amounts.js';
import type { TransferCode } from '../ledger/types.js';
import {
  type GroupFacts,
  groupDescription,
  type PurchaseFacts,
  purchaseDescription,
  refundDescription,
} from './describe.js';

export const GROUPINGS = ['campaign_day'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** How far a movement's time may run behind the order of its seq (a transaction's length). */
const MARGIN = "interval '1 hour'";
const MAX_SEQ = '9223372036854775807';
const GROUP_CURSOR = /^(\d{4}-\d{2}-\d{2})\.(\d{1,19})\.(\d{1,19})$/;

export interface RowFilters {
  from?: Date | undefined;
  to?: Date | undefined;
  codes?: TransferCode[] | undefined;
}

export interface ListedRow {
  id: string;
  at: string;
  type: TransferCode;
  credits: string;
  balanceAfter: string;
  reference: string | null;
  description: string | null;
  count: number;
  group: GroupFacts | null;
  purchase: PurchaseFacts | null;
  /** The API address of the movements a grouped row folds together. */
  detail: string | null;
}

/**
 * The account's movements of the balance (posted, and holds posted) as two selects, one per side
 * of the transfer, each able to walk its partial history index.
 */
function movementSides(
  p: (value: unknown) => string,
  account: string,
  filters: RowFilters,
  lo: string,
  hi: string,
): [string, string] {
  const extra: string[] = [`seq > ${lo}`, `seq < ${hi}`, "kind in ('posted', 'post')"];
  if (filters.from) extra.push(`created_at >= ${p(filters.from)}`);
  if (filters.to) extra.push(`created_at < ${p(filters.to)}`);
  if (filters.codes?.length) extra.push(`code = any(${p(filters.codes)}::text[])`);
  const where = extra.join(' and ');
  const side = (column: string, out: boolean) =>
    `select seq, id, code, reference, created_at, ${out ? '-amount' : 'amount'} as delta
       from ledger_transfers where ${column} = ${account} and ${column} not like 'sys\\_%' and ${where}`;
  return [side('debit_account_id', true), side('credit_account_id', false)];
}

function movementsSql(...args: Parameters<typeof movementSides>): string {
  return movementSides(...args).join(' union all ');
}

interface GroupRow {
  day: string;
  key: string;
  n: number;
  delta: bigint;
  top: bigint;
  bottom: bigint;
  campaign_id: string | null;
  day_start: Date;
  day_end: Date;
  id: string;
  code: TransferCode;
  created_at: Date;
  reference: string | null;
  description: string | null;
  balance_after: bigint;
  campaign_name: string | null;
  p_id: string | null;
  p_credits: bigint | null;
  p_pack: string | null;
  p_method: 'card' | 'bank_transfer' | null;
  p_last4: string | null;
  p_source: string | null;
}

function purchaseFacts(row: {
  p_id: string | null;
  p_credits: bigint | null;
  p_pack: string | null;
  p_method: 'card' | 'bank_transfer' | null;
  p_last4: string | null;
  p_source: string | null;
}): PurchaseFacts | null {
  if (!row.p_id || row.p_credits === null || !row.p_method) return null;
  return {
    id: row.p_id,
    credits: row.p_credits.toString(),
    pack: row.p_pack !== null,
    paymentMethod: row.p_method,
    cardLast4: row.p_last4,
    source: row.p_source,
  };
}

/** The SQL that reads a purchase's facts beside a movement aliased `lt`. */
const PURCHASE_COLUMNS = `p.id as p_id, p.credits as p_credits, p.pack_id as p_pack, p.payment_method as p_method,
  p.card_last4 as p_last4, p.source as p_source`;
const purchaseJoin = (account: string) =>
  `left join purchases p on lt.code in ('purchase', 'refund') and p.id = lt.reference and p.account_id = ${account}`;

export interface GroupedQuery {
  filters: RowFilters;
  limit: number;
  cursor?: string | undefined;
}

/** One page of the grouped list. */
export async function listGrouped(
  ctx: AppContext,
  accountId: string,
  query: GroupedQuery,
): Promise<{ data: ListedRow[]; nextCursor: string | null }> {
  const { filters, limit } = query;
  let after: { day: string; seq: string } | null = null;
  let hi = MAX_SEQ;
  if (query.cursor) {
    const match = GROUP_CURSOR.exec(query.cursor);
    if (!match) {
      throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
    }
    after = { day: match[1] as string, seq: match[2] as string };
    hi = match[3] as string;
  }
  const { rows: accounts } = await ctx.db.query<{ tz: string }>(
    'select timezone as tz from accounts where id = $1',
    [accountId],
  );
  const tz = accounts[0]?.tz ?? 'UTC';

  // The newest movement the page can show, and its local day: the first window ends there.
  const newest = await newestDay(ctx.db, accountId, tz, filters, hi);
  if (!newest) return { data: [], nextCursor: null };
  const top = after && after.day < newest ? after.day : newest;

  let span = 1;
  for (;;) {
    const { rows: starts } = await ctx.db.query<{ w: Date }>(
      `select (($1::date - $2::int)::timestamp at time zone $3) as w`,
      [top, span - 1, tz],
    );
    const windowStart = (starts[0] as { w: Date }).w;
    const lo = await seqBefore(ctx.db, accountId, hi, windowStart);
    // With nothing older than the window, the window is everything there is: no lower bound
    // but the caller's.
    const lower = lo === null || (filters.from && filters.from > windowStart) ? filters.from : windowStart;
    const rows = await groupWindow(ctx.db, accountId, tz, {
      filters: { ...filters, from: lower },
      lo: lo ?? '0',
      hi,
      after,
      limit: limit + 1,
    });
    const complete = lo === null || (filters.from !== undefined && filters.from >= windowStart);
    if (rows.length > limit || complete || span > 40_000) {
      const page = rows.slice(0, limit);
      let nextCursor: string | null = null;
      const last = page[page.length - 1];
      if (rows.length > limit && last) {
        // Everything of the days still to come lies below this seq.
        const { rows: ends } = await ctx.db.query<{ e: Date }>(
          `select (($1::date + 1)::timestamp at time zone $2) + ${MARGIN} as e`,
          [last.day, tz],
        );
        const below = await seqBefore(ctx.db, accountId, hi, (ends[0] as { e: Date }).e, false);
        nextCursor = `${last.day}.${last.top}.${below === null ? last.top : BigInt(below) + 1n}`;
      }
      return { data: page.map(toListed), nextCursor };
    }
    // Too few rows: widen the window to where, at the rate of rows per day seen so far, the
    // page fills (with some to spare), at least double and at most sixteen times as wide.
    const wanted = Math.ceil((span * (limit + 1) * 1.25) / Math.max(rows.length, 1));
    span = Math.min(span * 16, Math.max(span * 2, wanted));
  }
}

async function newestDay(
  q: Queryable,
  accountId: string,
  tz: string,
  filters: RowFilters,
  hi: string,
): Promise<string | null> {
  const params: unknown[] = [accountId, tz];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const [debits, credits] = movementSides(p, '$1', filters, '0', `${p(hi)}::bigint`);
  const { rows } = await q.query<{ day: string }>(
    `select to_char(created_at at time zone $2, 'YYYY-MM-DD') as day
       from ((${debits} order by seq desc limit 1) union all (${credits} order by seq desc limit 1)) m
      order by seq desc limit 1`,
    params,
  );
  return rows[0]?.day ?? null;
}

/**
 * The seq of the account's newest movement (of any kind) below `hi` made before `at`, less the
 * margin unless `withMargin` is false (then `at` already includes it); null when there is none.
 */
async function seqBefore(
  q: Queryable,
  accountId: string,
  hi: string,
  at: Date,
  withMargin = true,
): Promise<string | null> {
  const bound = withMargin ? `$3::timestamptz - ${MARGIN}` : '$3::timestamptz';
  const side = (column: string) =>
    `(select seq from ledger_transfers
       where ${column} = $1 and ${column} not like 'sys\\_%' and seq < $2::bigint and created_at < ${bound}
       order by seq desc limit 1)`;
  const { rows } = await q.query<{ seq: bigint | null }>(
    `select greatest(${side('debit_account_id')}, ${side('credit_account_id')}) as seq`,
    [accountId, hi, at],
  );
  const seq = rows[0]?.seq;
  return seq === null || seq === undefined ? null : seq.toString();
}

async function groupWindow(
  q: Queryable,
  accountId: string,
  tz: string,
  o: {
    filters: RowFilters;
    lo: string;
    hi: string;
    after: { day: string; seq: string } | null;
    limit: number;
  },
): Promise<GroupRow[]> {
  const params: unknown[] = [accountId, tz];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const sides = movementsSql(p, '$1', o.filters, `${p(o.lo)}::bigint`, `${p(o.hi)}::bigint`);
  const having = o.after
    ? `having (g_day < ${p(o.after.day)}::date
          or (g_day = ${p(o.after.day)}::date and max(t.seq) < ${p(o.after.seq)}::bigint))`
    : '';
  const limit = p(o.limit);
  // Grouped by the local date and plain columns (no text built per row): a message's movements
  // by (code, campaign), anything else by its own id.
  const { rows } = await q.query<GroupRow>(
    `with t as (${sides}),
     k as (
       select t.seq, t.delta, (t.created_at at time zone $2)::date as g_day,
              case when m.id is not null then t.code end as g_code, m.campaign_id,
              case when m.id is null then t.id end as g_id
         from t
         left join messages m on t.code in ('consumption', 'refund') and m.id = t.reference and m.account_id = $1),
     g as (
       select g_day, g_code, campaign_id, g_id,
              count(*)::int as n, sum(t.delta)::bigint as delta, max(t.seq) as top, min(t.seq) as bottom
         from k t
        group by g_day, g_code, campaign_id, g_id
        ${having}
        order by g_day desc, max(t.seq) desc
        limit ${limit})
     select to_char(g.g_day, 'YYYY-MM-DD') as day, case when g.g_id is null then 'group' else 'id' end as key,
            g.n, g.delta, g.top, g.bottom, g.campaign_id,
            g.g_day::timestamp at time zone $2 as day_start,
            (g.g_day + 1)::timestamp at time zone $2 as day_end,
            lt.id, lt.code, lt.created_at, lt.reference, lt.description,
            case when lt.debit_account_id = $1 then lt.debit_balance_after else lt.credit_balance_after end
              as balance_after,
            c.name as campaign_name, ${PURCHASE_COLUMNS}
       from g
       join ledger_transfers lt on lt.seq = g.top
       left join campaigns c on c.id = g.campaign_id and c.account_id = $1
       ${purchaseJoin('$1')}
      order by g.g_day desc, g.top desc`,
    params,
  );
  return rows;
}

function toListed(row: GroupRow): ListedRow {
  const credits = formatCredits(row.delta);
  const purchase = purchaseFacts(row);
  if (row.key === 'id') {
    return {
      id: row.id,
      at: row.created_at.toISOString(),
      type: row.code,
      credits,
      balanceAfter: formatCredits(row.balance_after),
      reference: row.reference,
      description: describeMovement(row.code, credits, row.description, purchase),
      count: 1,
      group: null,
      purchase,
      detail: null,
    };
  }
  const type = row.code === 'refund' ? 'refund' : 'consumption';
  const group: GroupFacts = {
    day: row.day,
    from: row.day_start.toISOString(),
    to: row.day_end.toISOString(),
    count: row.n,
    campaignId: row.campaign_id,
    campaignName: row.campaign_name,
  };
  const detail = new URLSearchParams({
    type,
    campaignId: row.campaign_id ?? 'none',
    from: group.from,
    to: group.to,
    cursor: `${BigInt(row.top) + 1n}-${BigInt(row.bottom) - 1n}`,
  });
  return {
    id: `group:${row.day}:${type}:${row.campaign_id ?? 'single'}`,
    at: row.created_at.toISOString(),
    type,
    credits,
    balanceAfter: formatCredits(row.balance_after),
    reference: row.campaign_id,
    description: groupDescription(type, group),
    count: row.n,
    group,
    purchase: null,
    detail: `/api/v1/transactions?${detail}`,
  };
}

/** A movement's words: the purchase's when there is one, else what the ledger kept. */
export function describeMovement(
  code: TransferCode,
  credits: string,
  stored: string | null,
  purchase: PurchaseFacts | null,
): string | null {
  if (purchase && code === 'purchase') return purchaseDescription(purchase);
  if (purchase && code === 'refund') return refundDescription(credits.replace(/^-/, ''), purchase);
  return stored;
}

/** The purchases behind a page's purchase and refund movements, by purchase id. */
export async function purchasesOf(
  q: Queryable,
  accountId: string,
  references: readonly string[],
): Promise<Map<string, PurchaseFacts>> {
  const ids = [...new Set(references)];
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<Parameters<typeof purchaseFacts>[0]>(
    `select ${PURCHASE_COLUMNS} from purchases p where p.id = any($1::text[]) and p.account_id = $2`,
    [ids, accountId],
  );
  const found = new Map<string, PurchaseFacts>();
  for (const row of rows) {
    const facts = purchaseFacts(row);
    if (facts) found.set(facts.id, facts);
  }
  return found;
}

const DETAIL_CURSOR = /^(\d{1,19})(?:-(\d{1,19}))?$/;

/**
 * The movements of one campaign's messages (or of the single sends: `campaignId` "none"), the
 * rows a grouped row folds together, newest first. The cursor may carry a lower seq bound as
 * well ("<below>-<above>"), as a grouped row's `detail` link does, so the walk stops at the
 * group's first movement.
 */
export async function listCampaignMovements(
  ctx: AppContext,
  accountId: string,
  campaignId: string,
  filters: RowFilters,
  limit: number,
  cursor: string | undefined,
): Promise<{ data: ListedRow[]; nextCursor: string | null }> {
  let hi = MAX_SEQ;
  let lo = '0';
  let bounded = false;
  if (cursor) {
    const match = DETAIL_CURSOR.exec(cursor);
    if (!match) {
      throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
    }
    hi = match[1] as string;
    if (match[2] !== undefined) {
      lo = match[2];
      bounded = true;
    }
  }
  const codes = (filters.codes ?? ['consumption', 'refund']).filter(
    (c) => c === 'consumption' || c === 'refund',
  );
  if (codes.length === 0) return { data: [], nextCursor: null };
  const params: unknown[] = [accountId];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const sides = movementsSql(p, '$1', { ...filters, codes }, `${p(lo)}::bigint`, `${p(hi)}::bigint`);
  const campaign = campaignId === 'none' ? 'm.campaign_id is null' : `m.campaign_id = ${p(campaignId)}`;
  const { rows } = await ctx.db.query<{
    seq: bigint;
    id: string;
    code: TransferCode;
    reference: string | null;
    created_at: Date;
    delta: bigint;
    description: string | null;
    balance_after: bigint;
    to_number: string;
  }>(
    `select t.seq, t.id, t.code, t.reference, t.created_at, t.delta, lt.description, m.to_number,
            case when lt.debit_account_id = $1 then lt.debit_balance_after else lt.credit_balance_after end
              as balance_after
       from (${sides}) t
       join messages m on m.id = t.reference and m.account_id = $1 and ${campaign}
       join ledger_transfers lt on lt.seq = t.seq
      order by t.seq desc limit ${p(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map((row) => ({
      id: row.id,
      at: row.created_at.toISOString(),
      type: row.code,
      credits: formatCredits(row.delta),
      balanceAfter: formatCredits(row.balance_after),
      reference: row.reference,
      description:
        row.code === 'refund'
          ? `Refunded, not delivered: SMS to ${row.to_number}`
          : `SMS to ${row.to_number}`,
      count: 1,
      group: null,
      purchase: null,
      detail: null,
    })),
    nextCursor: rows.length > limit && last ? `${last.seq}${bounded ? `-${lo}` : ''}` : null,
  };
}
