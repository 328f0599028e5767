// Invoices and credit notes as the API shows them, with their TypeBox schemas.
import { Type } from '@sinclair/typebox';
import { literals, nullable } from '../http/schemas.js';
import { moneyToJson } from '../pricing/money.js';
import { formatRatePercent } from '../pricing/tax.js';
import { CurrencySchema, MoneySchema } from '../purchases/views.js';
import type { InvoiceRecord, LineRecord } from './records.js';

export const INVOICE_KINDS = ['invoice', 'credit_note'] as const;
/** An invoice: paid (every purchase on it was paid before issue), or credited in part or in full by credit notes. */
export const INVOICE_STATUSES = ['paid', 'partially_credited', 'credited', 'issued'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];
const TREATMENTS = ['domestic', 'eu_consumer', 'reverse_charge', 'outside_scope'] as const;

const PartySchema = Type.Object({
  name: Type.String(),
  addressLines: Type.Array(Type.String()),
  city: Type.String(),
  postalCode: Type.String(),
  country: Type.String(),
  vatId: nullable(Type.String()),
});

export const InvoiceSummary = Type.Object({
  id: Type.String(),
  kind: literals(INVOICE_KINDS),
  number: Type.String({ description: 'e.g. TG-2026-000123; credit notes have their own series' }),
  issueDate: Type.String({ description: 'YYYY-MM-DD in the issuer time zone' }),
  period: Type.Object({
    month: Type.String({ description: 'YYYY-MM' }),
    start: Type.String(),
    end: Type.String(),
  }),
  currency: CurrencySchema,
  subtotal: MoneySchema,
  tax: Type.Array(
    Type.Object({
      rate: Type.String({ description: 'Percent, e.g. "21"' }),
      treatment: literals(TREATMENTS),
      base: MoneySchema,
      amount: MoneySchema,
    }),
  ),
  taxTotal: MoneySchema,
  total: MoneySchema,
  /** Invoices: paid, partially_credited or credited (by credit notes); credit notes: issued. */
  status: literals(INVOICE_STATUSES),
  correctsInvoiceId: Type.Optional(Type.String()),
  correctsNumber: Type.Optional(Type.String()),
  accountId: Type.String(),
  customer: PartySchema,
});

export const InvoiceLineSchema = Type.Object({
  position: Type.Integer(),
  purchaseId: Type.String(),
  refundId: Type.Optional(Type.String()),
  paidAt: Type.String(),
  credits: Type.String(),
  net: MoneySchema,
  vat: MoneySchema,
  vatRate: Type.String(),
  vatTreatment: literals(TREATMENTS),
  paymentMethod: Type.String(),
  paymentReference: nullable(Type.String()),
});

export const InvoiceDetail = Type.Intersect([
  InvoiceSummary,
  Type.Object({
    issuer: PartySchema,
    lines: Type.Array(InvoiceLineSchema),
    creditNotes: Type.Array(
      Type.Object({ id: Type.String(), number: Type.String(), issueDate: Type.String() }),
    ),
    links: Type.Object({
      pdf: Type.String(),
      ubl: Type.String(),
      facturx: Type.String(),
      cii: Type.String(),
    }),
  }),
]);

function party(p: InvoiceRecord['customer']) {
  return {
    name: p.name,
    addressLines: p.addressLines,
    city: p.city,
    postalCode: p.postalCode,
    country: p.country,
    vatId: p.vatId,
  };
}

export function statusOf(invoice: InvoiceRecord, credited: bigint): InvoiceStatus {
  if (invoice.kind === 'credit_note') return 'issued';
  if (credited <= 0n) return 'paid';
  return credited >= invoice.total ? 'credited' : 'partially_credited';
}

export function invoiceSummaryView(
  invoice: InvoiceRecord,
  extra: { credited?: bigint; correctsNumber?: string | null } = {},
) {
  const m = (amount: bigint) => moneyToJson({ amount, currency: invoice.currency });
  return {
    id: invoice.id,
    kind: invoice.kind,
    number: invoice.number,
    issueDate: invoice.issueDate,
    period: { month: invoice.month, start: invoice.periodStart, end: invoice.periodEnd },
    currency: invoice.currency,
    subtotal: m(invoice.subtotal),
    tax: invoice.vatBreakdown.map((v) => ({
      rate: formatRatePercent(v.rate),
      treatment: v.treatment,
      base: m(v.base),
      amount: m(v.amount),
    })),
    taxTotal: m(invoice.taxAmount),
    total: m(invoice.total),
    status: statusOf(invoice, extra.credited ?? 0n),
    ...(invoice.correctsInvoiceId ? { correctsInvoiceId: invoice.correctsInvoiceId } : {}),
    ...(extra.correctsNumber ? { correctsNumber: extra.correctsNumber } : {}),
    accountId: invoice.accountId,
    customer: party(invoice.customer),
  };
}

export function invoiceDetailView(
  invoice: InvoiceRecord,
  lines: LineRecord[],
  extra: {
    credited: bigint;
    correctsNumber: string | null;
    creditNotes: { id: string; number: string; issueDate: string }[];
  },
) {
  const m = (amount: bigint) => moneyToJson({ amount, currency: invoice.currency });
  const base = `/api/v1/invoices/${encodeURIComponent(invoice.id)}`;
  return {
    ...invoiceSummaryView(invoice, extra),
    issuer: party(invoice.issuer),
    lines: lines.map((l) => ({
      position: l.position,
      purchaseId: l.purchaseId,
      ...(l.refundId ? { refundId: l.refundId } : {}),
      paidAt: l.paidAt.toISOString(),
      credits: l.credits.toString(),
      net: m(l.net),
      vat: m(l.vat),
      vatRate: formatRatePercent(l.vatRateBasisPoints),
      vatTreatment: l.vatTreatment,
      paymentMethod: l.paymentMethod,
      paymentReference: l.paymentReference,
    })),
    creditNotes: extra.creditNotes,
    links: { pdf: `${base}/pdf`, ubl: `${base}/ubl`, facturx: `${base}/facturx`, cii: `${base}/cii` },
  };
}
