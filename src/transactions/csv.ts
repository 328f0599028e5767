// GET /transactions.csv: the same list as CSV, streamed page by page from the ledger (never the
// whole file in memory). RFC 4180 quoting; a text cell that a spreadsheet would run as a
// formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, while
// our own signed numbers ("-5", "1000.5") stay numbers.
import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { historyQuery, type Transaction, type TransactionQuery, toTransaction } from './list-transactions.js';

export const CSV_HEADER = [
  'id',
  'at',
  'type',
  'credits',
  'balance_after',
  'reference',
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

/**
 * The rows as a stream. The query is checked before the stream is made, so a bad parameter is a
 * 400 and not a broken download.
 */
export function transactionsCsv(ctx: AppContext, accountId: string, query: TransactionQuery): Readable {
  const filters = historyQuery({ ...query, cursor: undefined, limit: PAGE });
  async function* rows(): AsyncGenerator<string> {
    yield csvRow(CSV_HEADER);
    let cursor: string | null = null;
    do {
      const page = await ctx.ledger.history(accountId, { ...filters, cursor });
      let chunk = '';
      for (const entry of page.entries) chunk += transactionRow(toTransaction(entry));
      if (chunk) yield chunk;
      cursor = page.nextCursor;
    } while (cursor);
  }
  return Readable.from(rows());
}
