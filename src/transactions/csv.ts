// GET /transactions.csv: the same list as CSV, streamed page by page from the ledger (never the
// whole file in memory). RFC 4180 quoting; a text cell that a spreadsheet would run as a
// formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, while
// our own signed numbers ("-5", "1000.5") stay numbers.
import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import {
  groupingOf,
  historyQuery,
  listTransactions,
  rowFilters,
  type Transaction,
  type TransactionQuery,
  toTransaction,
  withPurchases,
} from './list-transactions.js';

export const CSV_HEADER = [
  'id',
  'at',
  'type',
  'credits',
  'balance_after',
  'reference',
  'description',
] as const;
/** The grouped file (group=campaign_day): a row per campaign and day, with how many movements. */
export const GROUPED_CSV_HEADER = [
  'id',
  'at',
  'day',
  'type',
  'count',
  'credits',
  'balance_after',
  'reference',
  'campaign',
  'description',
] as const;
const PAGE = 500;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** One CSV cell: neutralised against formula injection, then quoted when it must be. */
export function csvCell(value: string | null): string {
  let text = value ?? '';
  if (/^[\t\r]|^\s*[=+\-@]/.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: readonly (string | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function transactionRow(t: Transaction): string {
  return csvRow([t.id, t.at, t.type, t.credits, t.balanceAfter, t.reference, t.description]);
}

function groupedRow(t: Transaction): string {
  return csvRow([
    t.id,
    t.at,
    t.group?.day ?? null,
    t.type,
    String(t.count),
    t.credits,
    t.balanceAfter,
    t.reference,
    t.group?.campaignName ?? null,
    t.description,
  ]);
}

/**
 * The rows as a stream. The query is checked before the stream is made, so a bad parameter is a
 * 400 and not a broken download.
 */
export function transactionsCsv(ctx: AppContext, accountId: string, query: TransactionQuery): Readable {
  if (groupingOf(query.group)) {
    rowFilters(query);
    const grouped = { ...query, cursor: undefined, campaignId: undefined, limit: PAGE };
    return Readable.from(
      (async function* (): AsyncGenerator<string> {
        yield csvRow(GROUPED_CSV_HEADER);
        let page = await listTransactions(ctx, accountId, grouped);
        for (;;) {
          const chunk = page.data.map(groupedRow).join('');
          if (chunk) yield chunk;
          if (!page.nextCursor) return;
          page = await listTransactions(ctx, accountId, { ...grouped, cursor: page.nextCursor });
        }
      })(),
    );
  }
  const filters = historyQuery({ ...query, cursor: undefined, limit: PAGE });
  async function* rows(): AsyncGenerator<string> {
    yield csvRow(CSV_HEADER);
    let cursor: string | null = null;
    do {
      const page = await ctx.ledger.history(accountId, { ...filters, cursor });
      let chunk = '';
      const described = await withPurchases(ctx, accountId, page.entries.map(toTransaction));
      for (const transaction of described) chunk += transactionRow(transaction);
      if (chunk) yield chunk;
      cursor = page.nextCursor;
    } while (cursor);
  }
  return Readable.from(rows());
}
