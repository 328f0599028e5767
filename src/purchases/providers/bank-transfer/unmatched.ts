// Statement entries that paid nothing, kept for a person: list them (open first by default)
// and mark one resolved with a note once someone has dealt with it (refunded the payer, marked
// the right purchase paid by hand, …), or attach it to the order it pays (attach-entry.ts).
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { decodeCursor, encodeCursor } from '../../../http/pagination.js';

export interface StatementEntry {
  id: string;
  importId: string;
  statementId: string | null;
  bankRef: string | null;
  bookedAt: Date | null;
  direction: string;
  status: string | null;
  amount: bigint | null;
  currency: string | null;
  reference: string | null;
  remittance: string | null;
  debtorName: string | null;
  purchaseId: string | null;
  reason: string | null;
  reviewStatus: 'open' | 'resolved' | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  createdAt: Date;
}

export interface EntryRow {
  id: string;
  import_id: string;
  statement_id: string | null;
  bank_ref: string | null;
  booked_at: Date | null;
  direction: string;
  entry_status: string | null;
  amount: bigint | null;
  currency: string | null;
  reference: string | null;
  remittance: string | null;
  debtor_name: string | null;
  purchase_id: string | null;
  reason: string | null;
  review_status: 'open' | 'resolved' | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  created_at: Date;
}

export function toEntry(row: EntryRow): StatementEntry {
  return {
    id: row.id,
    importId: row.import_id,
    statementId: row.statement_id,
    bankRef: row.bank_ref,
    bookedAt: row.booked_at,
    direction: row.direction,
    status: row.entry_status,
    amount: row.amount,
    currency: row.currency,
    reference: row.reference,
    remittance: row.remittance,
    debtorName: row.debtor_name,
    purchaseId: row.purchase_id,
    reason: row.reason,
    reviewStatus: row.review_status,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    resolutionNote: row.resolution_note,
    createdAt: row.created_at,
  };
}

export async function listUnmatchedEntries(
  ctx: AppContext,
  { status, limit, cursor }: { status: 'open' | 'resolved' | 'all'; limit: number; cursor?: string },
): Promise<{ entries: StatementEntry[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const where = [
    status === 'all'
      ? 'review_status is not null'
      : `review_status = '${status === 'open' ? 'open' : 'resolved'}'`,
  ];
  const after = decodeCursor(cursor);
  if (after) {
    params.push(after.at, after.id);
    where.push('(created_at, id) < ($1, $2)');
  }
  params.push(limit + 1);
  const { rows } = await ctx.db.query<EntryRow>(
    `select * from bank_statement_entries where ${where.join(' and ')}
      order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const entries = rows.slice(0, limit).map(toEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

export async function resolveEntry(
  ctx: AppContext,
  id: string,
  { note, resolvedBy }: { note: string; resolvedBy: string },
): Promise<StatementEntry> {
  const { rows } = await ctx.db.query<EntryRow>(
    `update bank_statement_entries
        set review_status = 'resolved', resolved_at = coalesce(resolved_at, $2), resolved_by = coalesce(resolved_by, $3),
            resolution_note = $4
      where id = $1 and review_status is not null
      returning *`,
    [id, ctx.now(), resolvedBy, note],
  );
  const row = rows[0];
  if (!row) throw notFound('unmatched statement entry');
  return toEntry(row);
}
