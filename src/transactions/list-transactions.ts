// An account's transactions: the ledger's posted movements of its balance, newest first, each
// with the balance right after it. Holds are not listed: a hold reserves credits without moving
// the balance (GET /balance shows it as `held`), and its void or expiry moves nothing either.
// When a hold is posted (a message charged), the post is listed, for the amount posted. So
// `type` is the transfer's code: purchase, consumption, refund, adjustment, grant — and release
// only for a posted movement made with that code.
import type { AppContext } from '../context.js';
import { validationFailed } from '../http/errors.js';
import { formatCredits } from '../ledger/amounts.js';
import type { HistoryEntry, HistoryQuery } from '../ledger/ledger.js';
import { TRANSFER_CODES, type TransferCode } from '../ledger/types.js';
import type { GroupFacts, PurchaseFacts } from './describe.js';
import {
  describeMovement,
  GROUPINGS,
  type Grouping,
  listCampaignMovements,
  listGrouped,
  purchasesOf,
  type RowFilters,
} from './grouped.js';

export interface TransactionQuery {
  from?: string;
  to?: string;
  /** One type or several, comma-separated. */
  type?: string;
  limit?: number;
  cursor?: string;
  /** campaign_day: consumption folded into one row per campaign and day; absent: every movement. */
  group?: string;
  /** Only the movements of this campaign's messages ("none": of single sends). */
  campaignId?: string;
}

export interface Transaction {
  id: string;
  at: string;
  type: TransferCode;
  /** Signed: negative when credits left the account. */
  credits: string;
  balanceAfter: string;
  reference: string | null;
  description: string | null;
  /** How many movements the row stands for (1 unless grouped). */
  count: number;
  /** A grouped row: whose messages, which day. */
  group: GroupFacts | null;
  /** The purchase behind a purchase (or a refund of one). */
  purchase: PurchaseFacts | null;
  /** A grouped row: the API address of the movements it folds together. */
  detail: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A date (YYYY-MM-DD, whole days in UTC; `to` includes its day) or an ISO date-time. */
function parseBound(value: string | undefined, name: 'from' | 'to'): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = DATE.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw validationFailed([
      {
        path: `querystring.${name}`,
        message: 'must be a date (2026-11-21) or a date-time (2026-11-21T10:00:00Z)',
      },
    ]);
  }
  return DATE.test(value) && name === 'to' ? new Date(date.getTime() + DAY_MS) : date;
}

/** The row filters of the query; every problem is a 400 naming its parameter. */
export function rowFilters(query: TransactionQuery): RowFilters & { codes: TransferCode[] | undefined } {
  const from = parseBound(query.from, 'from');
  const to = parseBound(query.to, 'to');
  if (from && to && from.getTime() >= to.getTime()) {
    throw validationFailed([{ path: 'querystring.to', message: 'must be after from' }]);
  }
  let codes: TransferCode[] | undefined;
  if (query.type !== undefined && query.type !== '') {
    codes = [];
    for (const type of query.type.split(',').map((t) => t.trim())) {
      const code = TRANSFER_CODES.find((c) => c === type);
      if (!code) {
        throw validationFailed([
          { path: 'querystring.type', message: `must be one or more of ${TRANSFER_CODES.join(', ')}` },
        ]);
      }
      codes.push(code);
    }
  }
  return { from, to, codes };
}

/** The query as ledger history filters; every problem is a 400 naming its parameter. */
export function historyQuery(query: TransactionQuery): HistoryQuery {
  const { from, to, codes } = rowFilters(query);
  if (query.cursor !== undefined && query.cursor !== '' && !/^\d{1,19}$/.test(query.cursor)) {
    throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
  }
  return {
    from,
    to,
    codes,
    kinds: ['posted', 'post'],
    limit: query.limit ?? 50,
    cursor: query.cursor || null,
  };
}

export function toTransaction(entry: HistoryEntry): Transaction {
  const { transfer } = entry;
  return {
    id: transfer.id,
    at: transfer.createdAt.toISOString(),
    type: transfer.code,
    credits: formatCredits(entry.delta),
    balanceAfter: formatCredits(entry.balanceAfter),
    reference: transfer.reference,
    description: transfer.description,
    count: 1,
    group: null,
    purchase: null,
    detail: null,
  };
}

/** Says purchases and their refunds in words, from the purchases the page names. */
export async function withPurchases(
  ctx: AppContext,
  accountId: string,
  rows: Transaction[],
): Promise<Transaction[]> {
  const references = rows
    .filter((t) => (t.type === 'purchase' || t.type === 'refund') && t.reference?.startsWith('pur_'))
    .map((t) => t.reference as string);
  const purchases = await purchasesOf(ctx.db, accountId, references);
  if (purchases.size === 0) return rows;
  return rows.map((t) => {
    const purchase = t.reference ? (purchases.get(t.reference) ?? null) : null;
    if (!purchase) return t;
    return { ...t, purchase, description: describeMovement(t.type, t.credits, t.description, purchase) };
  });
}

export function groupingOf(value: string | undefined): Grouping | null {
  if (value === undefined || value === '' || value === 'none') return null;
  const grouping = GROUPINGS.find((g) => g === value);
  if (!grouping) {
    throw validationFailed([
      { path: 'querystring.group', message: `must be one of ${GROUPINGS.join(', ')}` },
    ]);
  }
  return grouping;
}

const CAMPAIGN_ID = /^(none|cmp_[A-Za-z0-9_-]{1,60})$/;

export async function listTransactions(
  ctx: AppContext,
  accountId: string,
  query: TransactionQuery,
): Promise<{ data: Transaction[]; nextCursor: string | null }> {
  const grouping = groupingOf(query.group);
  const limit = query.limit ?? 50;
  if (query.campaignId !== undefined && query.campaignId !== '') {
    if (!CAMPAIGN_ID.test(query.campaignId)) {
      throw validationFailed([
        { path: 'querystring.campaignId', message: 'must be a campaign id (cmp_…) or none (single sends)' },
      ]);
    }
    if (grouping) {
      throw validationFailed([{ path: 'querystring.group', message: 'cannot be combined with campaignId' }]);
    }
    return listCampaignMovements(ctx, accountId, query.campaignId, rowFilters(query), limit, query.cursor);
  }
  if (grouping === 'campaign_day') {
    return listGrouped(ctx, accountId, { filters: rowFilters(query), limit, cursor: query.cursor });
  }
  const { entries, nextCursor } = await ctx.ledger.history(accountId, historyQuery(query));
  return { data: await withPurchases(ctx, accountId, entries.map(toTransaction)), nextCursor };
}

/**
 * One posted movement of this account's balance, by its id; null for anything else (another
 * account's transfer, a hold, an unknown id), so ids leak nothing.
 */
export async function getTransaction(
  ctx: AppContext,
  accountId: string,
  id: string,
): Promise<Transaction | null> {
  const transfer = await ctx.ledger.transfer(id);
  if (!transfer || (transfer.kind !== 'posted' && transfer.kind !== 'post')) return null;
  const isDebit = transfer.debitAccountId === accountId;
  if (!isDebit && transfer.creditAccountId !== accountId) return null;
  const transaction = toTransaction({
    transfer,
    delta: isDebit ? -transfer.amount : transfer.amount,
    balanceAfter: isDebit ? transfer.debitBalanceAfter : transfer.creditBalanceAfter,
    availableAfter: isDebit ? transfer.debitAvailableAfter : transfer.creditAvailableAfter,
  });
  const [described] = await withPurchases(ctx, accountId, [transaction]);
  return described ?? transaction;
}
