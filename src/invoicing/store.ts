// Reading issued invoices: lists (an account's, or every account's for operators), one with its
// lines, the runs, and the document a renderer needs (loadInvoiceDocument).
import type { Queryable } from '../db/types.js';
import { decodeCursor, encodeCursor } from '../http/pagination.js';
import type { InvoiceDocument } from './document.js';
import {
  type InvoiceKind,
  type InvoiceRecord,
  type InvoiceRow,
  type LineRecord,
  type LineRow,
  toInvoiceRecord,
  toLineRecord,
} from './records.js';
import { type InvoiceStatus, statusOf } from './views.js';

const COLUMNS = `i.id, i.kind, i.series, i.year, i.seq, i.number, i.account_id, i.currency, i.month,
  i.period_start::text as period_start, i.period_end::text as period_end, i.issue_date::text as issue_date,
  i.issued_at, i.language, i.issuer, i.customer, i.subtotal, i.tax_amount, i.total, i.vat_breakdown,
  i.corrects_invoice_id, i.refund_id, i.run_id`;
const EXTRA = `coalesce((select -sum(c.total) from invoices c where c.corrects_invoice_id = i.id), 0)::bigint as credited,
  (select o.number from invoices o where o.id = i.corrects_invoice_id) as corrects_number,
  (select o.issue_date::text from invoices o where o.id = i.corrects_invoice_id) as corrects_issue_date`;

export interface ListedInvoice {
  invoice: InvoiceRecord;
  credited: bigint;
  correctsNumber: string | null;
  correctsIssueDate: string | null;
}

type ListedRow = InvoiceRow & {
  credited: bigint;
  corrects_number: string | null;
  corrects_issue_date: string | null;
};

function listed(row: ListedRow): ListedInvoice {
  return {
    invoice: toInvoiceRecord(row),
    credited: BigInt(row.credited),
    correctsNumber: row.corrects_number,
    correctsIssueDate: row.corrects_issue_date,
  };
}

export interface ListFilters {
  accountId?: string;
  year?: number;
  kind?: InvoiceKind;
  status?: InvoiceStatus;
  /** Operators: a number, an account id, or part of the customer's name. */
  q?: string;
  limit: number;
  cursor?: string;
}

/** Newest first (issue date, then number), a page at a time. */
export async function listInvoices(
  q: Queryable,
  filters: ListFilters,
): Promise<{ items: ListedInvoice[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filters.accountId) add((n) => `i.account_id = ${n}`, filters.accountId);
  if (filters.year) add((n) => `i.year = ${n}`, filters.year);
  if (filters.kind) add((n) => `i.kind = ${n}`, filters.kind);
  if (filters.q) {
    const text = filters.q.trim();
    add(
      (
        n,
      ) => `(i.number ilike ${n} || '%' or i.account_id = ${n} or i.customer->>'name' ilike '%' || ${n} || '%'
              or i.customer->>'vatId' = upper(${n}))`,
      text,
    );
  }
  if (filters.cursor) {
    const decoded = decodeCursor(filters.cursor);
    if (decoded) {
      params.push(decoded.at, decoded.id);
      where.push(`(i.issued_at, i.id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
  }
  // The status is derived (credit notes against the invoice): filtered after reading, so read more.
  const limit = filters.limit;
  params.push(filters.status ? limit * 4 + 1 : limit + 1);
  const { rows } = await q.query<ListedRow>(
    `select ${COLUMNS}, ${EXTRA} from invoices i
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by i.issued_at desc, i.id desc limit $${params.length}`,
    params,
  );
  let items = rows.map(listed);
  const more = rows.length >= Number(params[params.length - 1]);
  if (filters.status) items = items.filter((l) => statusOf(l.invoice, l.credited) === filters.status);
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    (items.length > limit || more) && last ? encodeCursor(last.invoice.issuedAt, last.invoice.id) : null;
  return { items: page, nextCursor };
}

export interface InvoiceWithLines extends ListedInvoice {
  lines: LineRecord[];
  creditNotes: { id: string; number: string; issueDate: string }[];
}

/** One invoice with its lines; `accountId` given: only that account's (else null, as if absent). */
export async function getInvoice(
  q: Queryable,
  id: string,
  accountId?: string,
): Promise<InvoiceWithLines | null> {
  const { rows } = await q.query<ListedRow>(`select ${COLUMNS}, ${EXTRA} from invoices i where i.id = $1`, [
    id,
  ]);
  const row = rows[0];
  if (!row || (accountId !== undefined && row.account_id !== accountId)) return null;
  const lines = await q.query<LineRow>(
    'select * from invoice_lines where invoice_id = $1 order by position',
    [id],
  );
  const notes = await q.query<{ id: string; number: string; issue_date: string }>(
    `select id, number, issue_date::text as issue_date from invoices where corrects_invoice_id = $1
      order by issued_at, id`,
    [id],
  );
  return {
    ...listed(row),
    lines: lines.rows.map(toLineRecord),
    creditNotes: notes.rows.map((n) => ({ id: n.id, number: n.number, issueDate: n.issue_date })),
  };
}

/** The invoice as issued, for the renderers; null when there is none. */
export async function loadInvoiceDocument(q: Queryable, id: string): Promise<InvoiceDocument | null> {
  const found = await getInvoice(q, id);
  if (!found) return null;
  return toDocument(found);
}

export function toDocument(found: InvoiceWithLines): InvoiceDocument {
  const { invoice } = found;
  return {
    id: invoice.id,
    kind: invoice.kind,
    number: invoice.number,
    issueDate: invoice.issueDate,
    period: { month: invoice.month, start: invoice.periodStart, end: invoice.periodEnd },
    currency: invoice.currency,
    language: invoice.language,
    accountId: invoice.accountId,
    issuer: invoice.issuer,
    customer: invoice.customer,
    lines: found.lines.map((l) => ({
      position: l.position,
      purchaseId: l.purchaseId,
      paidAt: l.paidAt,
      credits: l.credits,
      net: l.net,
      vat: l.vat,
      vatRateBasisPoints: l.vatRateBasisPoints,
      vatTreatment: l.vatTreatment,
      paymentMethod: l.paymentMethod,
      paymentReference: l.paymentReference,
    })),
    vatBreakdown: invoice.vatBreakdown.map((v) => ({
      vatRateBasisPoints: v.rate,
      vatTreatment: v.treatment,
      taxableAmount: v.base,
      vatAmount: v.amount,
    })),
    totals: { net: invoice.subtotal, vat: invoice.taxAmount, total: invoice.total },
    corrects:
      invoice.correctsInvoiceId && found.correctsNumber
        ? {
            id: invoice.correctsInvoiceId,
            number: found.correctsNumber,
            issueDate: found.correctsIssueDate ?? invoice.issueDate,
          }
        : null,
    paid: true,
  };
}

/** Invoice ids of purchases (a purchase names its invoice once issued). */
export async function invoiceIdsOfPurchases(
  q: Queryable,
  purchaseIds: readonly string[],
): Promise<Map<string, string>> {
  if (purchaseIds.length === 0) return new Map();
  const { rows } = await q.query<{ purchase_id: string; invoice_id: string }>(
    'select purchase_id, invoice_id from invoice_lines where purchase_id = any($1::text[]) and refund_id is null',
    [purchaseIds],
  );
  return new Map(rows.map((r) => [r.purchase_id, r.invoice_id]));
}

export interface InvoiceRun {
  id: string;
  month: string;
  trigger: string;
  startedBy: string | null;
  status: 'running' | 'completed' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  issued: number;
  creditNotes: number;
  skipped: number;
  failed: number;
  failures: { accountId: string; currency: string; reason: string }[];
  error: string | null;
}

export async function listRuns(
  q: Queryable,
  { month, limit }: { month?: string; limit: number },
): Promise<InvoiceRun[]> {
  const { rows } = await q.query<{
    id: string;
    month: string;
    trigger: string;
    started_by: string | null;
    status: InvoiceRun['status'];
    started_at: Date;
    finished_at: Date | null;
    issued: number;
    credit_notes: number;
    skipped: number;
    failed: number;
    failures: InvoiceRun['failures'];
    error: string | null;
  }>(
    `select * from invoice_runs ${month ? 'where month = $2' : ''} order by started_at desc, id desc limit $1`,
    month ? [limit, month] : [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    trigger: r.trigger,
    startedBy: r.started_by,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    issued: r.issued,
    creditNotes: r.credit_notes,
    skipped: r.skipped,
    failed: r.failed,
    failures: r.failures,
    error: r.error,
  }));
}
