// An issued invoice or credit note as stored: its row, written once (the database refuses any
// change), and how rows are inserted many at a time.
import type { Queryable } from '../db/types.js';
import type { Currency } from '../pricing/money.js';
import type { Party, VatTreatment } from './document.js';
import type { IssuerParty } from './parties.js';

export type InvoiceKind = 'invoice' | 'credit_note';

export interface VatRow {
  rate: number;
  treatment: VatTreatment;
  base: bigint;
  amount: bigint;
}

export interface InvoiceRecord {
  id: string;
  kind: InvoiceKind;
  series: string;
  year: number;
  seq: number;
  number: string;
  accountId: string;
  currency: Currency;
  month: string;
  periodStart: string;
  periodEnd: string;
  issueDate: string;
  issuedAt: Date;
  language: 'en' | 'es';
  issuer: IssuerParty;
  customer: Party;
  subtotal: bigint;
  taxAmount: bigint;
  total: bigint;
  vatBreakdown: VatRow[];
  correctsInvoiceId: string | null;
  refundId: string | null;
  runId: string | null;
}

export interface LineRecord {
  invoiceId: string;
  position: number;
  purchaseId: string;
  refundId: string | null;
  paidAt: Date;
  credits: bigint;
  net: bigint;
  vat: bigint;
  vatRateBasisPoints: number;
  vatTreatment: VatTreatment;
  paymentMethod: string;
  paymentReference: string | null;
}

export interface InvoiceRow {
  id: string;
  kind: InvoiceKind;
  series: string;
  year: number;
  seq: number;
  number: string;
  account_id: string;
  currency: Currency;
  month: string;
  period_start: string | Date;
  period_end: string | Date;
  issue_date: string | Date;
  issued_at: Date;
  language: 'en' | 'es';
  issuer: IssuerParty;
  customer: Party;
  subtotal: bigint;
  tax_amount: bigint;
  total: bigint;
  vat_breakdown: { rate: number; treatment: VatTreatment; base: string; amount: string }[];
  corrects_invoice_id: string | null;
  refund_id: string | null;
  run_id: string | null;
}

export interface LineRow {
  invoice_id: string;
  position: number;
  purchase_id: string;
  refund_id: string | null;
  paid_at: Date;
  credits: bigint;
  net: bigint;
  vat: bigint;
  vat_rate_bp: number;
  vat_treatment: VatTreatment;
  payment_method: string;
  payment_reference: string | null;
}

/** A `date` column as YYYY-MM-DD, whichever way the driver returned it. */
export function dateText(value: string | Date): string {
  if (typeof value === 'string') return value.slice(0, 10);
  // Drivers build a date column at local midnight of the process: read it back the same way.
  const y = value.getFullYear();
  const m = String(value.getMonth() + 1).padStart(2, '0');
  const d = String(value.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function toInvoiceRecord(row: InvoiceRow): InvoiceRecord {
  return {
    id: row.id,
    kind: row.kind,
    series: row.series,
    year: Number(row.year),
    seq: Number(row.seq),
    number: row.number,
    accountId: row.account_id,
    currency: row.currency,
    month: row.month,
    periodStart: dateText(row.period_start),
    periodEnd: dateText(row.period_end),
    issueDate: dateText(row.issue_date),
    issuedAt: row.issued_at,
    language: row.language,
    issuer: row.issuer,
    customer: row.customer,
    subtotal: BigInt(row.subtotal),
    taxAmount: BigInt(row.tax_amount),
    total: BigInt(row.total),
    vatBreakdown: row.vat_breakdown.map((v) => ({
      rate: v.rate,
      treatment: v.treatment,
      base: BigInt(v.base),
      amount: BigInt(v.amount),
    })),
    correctsInvoiceId: row.corrects_invoice_id,
    refundId: row.refund_id,
    runId: row.run_id,
  };
}

export function toLineRecord(row: LineRow): LineRecord {
  return {
    invoiceId: row.invoice_id,
    position: row.position,
    purchaseId: row.purchase_id,
    refundId: row.refund_id,
    paidAt: row.paid_at,
    credits: BigInt(row.credits),
    net: BigInt(row.net),
    vat: BigInt(row.vat),
    vatRateBasisPoints: row.vat_rate_bp,
    vatTreatment: row.vat_treatment,
    paymentMethod: row.payment_method,
    paymentReference: row.payment_reference,
  };
}

/** Lines grouped by rate and treatment, in a stable order. */
export function vatBreakdownOf(
  lines: readonly Pick<LineRecord, 'net' | 'vat' | 'vatRateBasisPoints' | 'vatTreatment'>[],
): VatRow[] {
  const groups = new Map<string, VatRow>();
  for (const line of lines) {
    const key = `${line.vatTreatment}|${line.vatRateBasisPoints}`;
    const group = groups.get(key) ?? {
      rate: line.vatRateBasisPoints,
      treatment: line.vatTreatment,
      base: 0n,
      amount: 0n,
    };
    group.base += line.net;
    group.amount += line.vat;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.rate - a.rate || a.treatment.localeCompare(b.treatment));
}

/** Inserts invoices and their lines, each set in one statement. */
export async function insertInvoices(
  tx: Queryable,
  invoices: readonly InvoiceRecord[],
  lines: readonly LineRecord[],
): Promise<void> {
  if (invoices.length === 0) return;
  const invoiceRows = invoices.map((i) => ({
    id: i.id,
    kind: i.kind,
    series: i.series,
    year: i.year,
    seq: i.seq,
    number: i.number,
    account_id: i.accountId,
    currency: i.currency,
    month: i.month,
    period_start: i.periodStart,
    period_end: i.periodEnd,
    issue_date: i.issueDate,
    issued_at: i.issuedAt.toISOString(),
    language: i.language,
    issuer: i.issuer,
    customer: i.customer,
    subtotal: i.subtotal.toString(),
    tax_amount: i.taxAmount.toString(),
    total: i.total.toString(),
    vat_breakdown: i.vatBreakdown.map((v) => ({
      rate: v.rate,
      treatment: v.treatment,
      base: v.base.toString(),
      amount: v.amount.toString(),
    })),
    corrects_invoice_id: i.correctsInvoiceId,
    refund_id: i.refundId,
    run_id: i.runId,
  }));
  await tx.query(
    `insert into invoices (id, kind, series, year, seq, number, account_id, currency, month, period_start, period_end,
       issue_date, issued_at, language, issuer, customer, subtotal, tax_amount, total, vat_breakdown,
       corrects_invoice_id, refund_id, run_id)
     select id, kind, series, year, seq, number, account_id, currency, month, period_start, period_end,
            issue_date, issued_at, language, issuer, customer, subtotal, tax_amount, total, vat_breakdown,
            corrects_invoice_id, refund_id, run_id
       from jsonb_to_recordset($1::jsonb) as r(id text, kind text, series text, year integer, seq integer,
            number text, account_id text, currency text, month text, period_start date, period_end date,
            issue_date date, issued_at timestamptz, language text, issuer jsonb, customer jsonb,
            subtotal bigint, tax_amount bigint, total bigint, vat_breakdown jsonb,
            corrects_invoice_id text, refund_id text, run_id text)`,
    [JSON.stringify(invoiceRows)],
  );
  const lineRows = lines.map((l) => ({
    invoice_id: l.invoiceId,
    position: l.position,
    purchase_id: l.purchaseId,
    refund_id: l.refundId,
    paid_at: l.paidAt.toISOString(),
    credits: l.credits.toString(),
    net: l.net.toString(),
    vat: l.vat.toString(),
    vat_rate_bp: l.vatRateBasisPoints,
    vat_treatment: l.vatTreatment,
    payment_method: l.paymentMethod,
    payment_reference: l.paymentReference,
  }));
  await tx.query(
    `insert into invoice_lines (invoice_id, position, purchase_id, refund_id, paid_at, credits, net, vat,
       vat_rate_bp, vat_treatment, payment_method, payment_reference)
     select invoice_id, position, purchase_id, refund_id, paid_at, credits, net, vat, vat_rate_bp, vat_treatment,
            payment_method, payment_reference
       from jsonb_to_recordset($1::jsonb) as r(invoice_id text, position integer, purchase_id text, refund_id text,
            paid_at timestamptz, credits bigint, net bigint, vat bigint, vat_rate_bp integer, vat_treatment text,
            payment_method text, payment_reference text)`,
    [JSON.stringify(lineRows)],
  );
}
