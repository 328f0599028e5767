// Purchases, refunds and statement lines as the API shows them, with their TypeBox schemas
// (validation of nothing, documentation of everything: these are response shapes).
import { type TSchema, Type } from '@sinclair/typebox';
import { literals, nullable } from '../http/schemas.js';
import { formatCredits } from '../ledger/amounts.js';
import { type Currency, CURRENCIES, moneyToJson } from '../pricing/money.js';
import { formatRatePercent, TAX_TREATMENTS } from '../pricing/tax.js';
import { formatCreditorReference } from './providers/bank-transfer/creditor-reference.js';
import { dueDateOf } from './providers/bank-transfer/terms.js';
import type { ImportedLine, ImportResult } from './providers/bank-transfer/import-statement.js';
import type { StatementEntry } from './providers/bank-transfer/unmatched.js';
import { PAYMENT_METHODS, PURCHASE_SOURCES, PURCHASE_STATUSES, type Purchase } from './purchase.js';
import type { Refund } from './refund-purchase.js';

export const CurrencySchema = literals(CURRENCIES);
export const MoneySchema = Type.Object({
  amount: Type.Integer({ description: 'Minor units (cents)' }),
  currency: CurrencySchema,
});
/** Money in a currency we may not sell in (a statement line). */
const AnyMoneySchema = Type.Object({ amount: Type.Integer(), currency: Type.String() });
export const TaxSchema = Type.Object({
  rate: Type.String({ description: 'Percent, e.g. "21"' }),
  amount: MoneySchema,
  treatment: literals(TAX_TREATMENTS),
  country: Type.Optional(
    Type.String({
      description:
        'The VAT territory whose rate applies (domestic: the issuer’s; eu_consumer: the customer’s)',
    }),
  ),
  vatId: Type.Optional(Type.String({ description: 'The VAT id a reverse charge rests on' })),
});

/** What the operator sees of a purchase's VAT decision: the evidence and VIES's answer. */
export const VatEvidenceSchema = Type.Object({
  country: nullable(Type.String()),
  billingCountry: nullable(Type.String({ description: 'Country of the billing address' })),
  mobileCountry: nullable(Type.String({ description: 'Country of the verified mobile number' })),
  disagreement: Type.Boolean({ description: 'The two countries name different VAT territories' }),
  vatIdIgnored: nullable(Type.String({ description: 'country_mismatch, invalid or vies_invalid' })),
  vies: nullable(
    Type.Object({
      status: literals(['valid', 'invalid', 'unavailable'] as const),
      requestIdentifier: nullable(Type.String({ description: 'VIES consultation number' })),
      checkedAt: nullable(Type.String()),
      recheckAt: nullable(Type.String({ description: 'VIES was unavailable: when it is asked again' })),
      recheckAttempts: Type.Integer(),
      invalidAfterPurchase: Type.Boolean({
        description:
          'A re-check after the purchase found the VAT id invalid: the reverse charge needs a person',
      }),
    }),
  ),
});

export const QuoteResponse = Type.Object({
  credits: Type.String(),
  packId: Type.Optional(Type.String()),
  subtotal: MoneySchema,
  tax: TaxSchema,
  total: MoneySchema,
  currency: CurrencySchema,
  taxEstimate: Type.Boolean({
    description: 'True when the account has no billing data yet: the tax is an estimate from its country',
  }),
});

export const BankTransferSchema = Type.Object({
  iban: Type.String(),
  bic: Type.String(),
  beneficiary: Type.String(),
  reference: Type.String({ description: 'ISO 11649 creditor reference: put it in the transfer, as it is' }),
  referenceFormatted: Type.String({ description: 'The same in groups of four' }),
  amount: MoneySchema,
  dueDate: Type.String({ description: 'YYYY-MM-DD: the last day on which the transfer is on time' }),
});

export const PurchaseResponse = Type.Object({
  id: Type.String(),
  status: literals(PURCHASE_STATUSES),
  /** portal, api, or auto_refill (made by the automatic refill rule, GET /auto-refill). */
  source: literals(PURCHASE_SOURCES),
  paymentMethod: literals(PAYMENT_METHODS),
  packId: nullable(Type.String()),
  credits: Type.String(),
  currency: CurrencySchema,
  subtotal: MoneySchema,
  tax: TaxSchema,
  total: MoneySchema,
  createdAt: Type.String(),
  paidAt: nullable(Type.String()),
  creditedAt: nullable(Type.String()),
  canceledAt: nullable(Type.String()),
  expiredAt: nullable(Type.String()),
  failedAt: nullable(Type.String()),
  failureReason: nullable(Type.String()),
  replacedBy: Type.Optional(
    nullable(
      Type.String({
        description: 'A declined card order paid again with another card: the order in its place',
      }),
    ),
  ),
  refundedCredits: Type.String(),
  invoiceId: Type.Optional(
    nullable(
      Type.String({ description: 'The invoice this purchase is on, once issued (GET /invoices/{id})' }),
    ),
  ),
  bankTransfer: Type.Optional(BankTransferSchema),
  card: Type.Optional(
    Type.Object({
      checkoutUrl: Type.Optional(Type.String()),
      status: nullable(Type.String()),
      last4: Type.Optional(
        Type.String({ description: 'The last four digits of the card that paid, once paid' }),
      ),
    }),
  ),
});

export const RefundResponse = Type.Object({
  id: Type.String(),
  purchaseId: Type.String(),
  accountId: Type.String(),
  credits: Type.String(),
  subtotal: MoneySchema,
  tax: Type.Object({ rate: Type.String(), amount: MoneySchema, treatment: Type.String() }),
  total: MoneySchema,
  paymentMethod: literals(PAYMENT_METHODS),
  status: literals(['to_be_paid_by_operator', 'pending', 'succeeded', 'failed'] as const),
  failureReason: nullable(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

export const AdminPurchaseResponse = Type.Intersect([
  PurchaseResponse,
  Type.Object({
    accountId: Type.String(),
    paidVia: nullable(Type.String()),
    paidReference: nullable(Type.String()),
    refunds: Type.Array(RefundResponse),
    vatEvidence: VatEvidenceSchema,
  }),
]);

const money = (amount: bigint, currency: Currency) => moneyToJson({ amount, currency });
const iso = (date: Date | null) => date?.toISOString() ?? null;

export function purchaseView(purchase: Purchase, refundedMicros = 0n, invoiceId: string | null = null) {
  const { currency } = purchase;
  const bank = purchase.bankTransfer;
  return {
    id: purchase.id,
    status: purchase.status,
    source: purchase.source,
    paymentMethod: purchase.paymentMethod,
    packId: purchase.packId,
    credits: purchase.credits.toString(),
    currency,
    subtotal: money(purchase.subtotal, currency),
    tax: {
      rate: formatRatePercent(purchase.taxRateBasisPoints),
      amount: money(purchase.taxAmount, currency),
      treatment: purchase.taxTreatment,
      ...(purchase.vat.country ? { country: purchase.vat.country } : {}),
      ...(purchase.taxVatId ? { vatId: purchase.taxVatId } : {}),
    },
    total: money(purchase.total, currency),
    createdAt: purchase.createdAt.toISOString(),
    paidAt: iso(purchase.paidAt),
    creditedAt: iso(purchase.creditedAt),
    canceledAt: iso(purchase.canceledAt),
    expiredAt: iso(purchase.expiredAt),
    failedAt: iso(purchase.failedAt),
    failureReason: purchase.failureReason,
    replacedBy: purchase.replacedBy,
    refundedCredits: formatCredits(refundedMicros),
    invoiceId,
    ...(bank
      ? {
          bankTransfer: {
            iban: bank.iban,
            bic: bank.bic,
            beneficiary: bank.beneficiary,
            reference: bank.reference,
            referenceFormatted: formatCreditorReference(bank.reference),
            amount: money(purchase.total, currency),
            dueDate: dueDateOf(bank),
          },
        }
      : {}),
    ...(purchase.paymentMethod === 'card'
      ? {
          card: {
            ...(purchase.checkoutUrl ? { checkoutUrl: purchase.checkoutUrl } : {}),
            status: purchase.providerStatus,
            ...(purchase.cardLast4 ? { last4: purchase.cardLast4 } : {}),
          },
        }
      : {}),
  };
}

export function refundView(refund: Refund) {
  return {
    id: refund.id,
    purchaseId: refund.purchaseId,
    accountId: refund.accountId,
    credits: formatCredits(refund.creditsMicros),
    subtotal: money(refund.subtotal, refund.currency),
    tax: {
      rate: formatRatePercent(refund.taxRateBasisPoints),
      amount: money(refund.taxAmount, refund.currency),
      treatment: refund.taxTreatment,
    },
    total: money(refund.total, refund.currency),
    paymentMethod: refund.paymentMethod,
    status: refund.status,
    failureReason: refund.failureReason,
    createdAt: refund.createdAt.toISOString(),
    createdBy: refund.createdBy,
  };
}

export function adminPurchaseView(purchase: Purchase, refunds: Refund[], invoiceId: string | null = null) {
  const refunded = refunds.reduce((sum, r) => sum + r.creditsMicros, 0n);
  return {
    ...purchaseView(purchase, refunded, invoiceId),
    accountId: purchase.accountId,
    paidVia: purchase.paidVia,
    paidReference: purchase.paidReference,
    refunds: refunds.map(refundView),
    vatEvidence: vatEvidenceView(purchase),
  };
}

export function vatEvidenceView(purchase: Purchase) {
  const { vat } = purchase;
  return {
    country: vat.country,
    billingCountry: vat.billingCountry,
    mobileCountry: vat.mobileCountry,
    disagreement: vat.disagrees,
    vatIdIgnored: vat.vatIdIgnored,
    vies: vat.vies
      ? {
          status: vat.vies.status,
          requestIdentifier: vat.vies.requestIdentifier,
          checkedAt: iso(vat.vies.checkedAt),
          recheckAt: iso(vat.vies.recheckAt),
          recheckAttempts: vat.vies.recheckAttempts,
          invalidAfterPurchase: vat.vies.invalidAfterPurchase,
        }
      : null,
  };
}

export const StatementLineResponse = Type.Object({
  entryId: nullable(Type.String()),
  statementId: nullable(Type.String()),
  bankRef: nullable(Type.String()),
  bookedAt: nullable(Type.String()),
  direction: Type.String(),
  amount: nullable(AnyMoneySchema),
  reference: nullable(Type.String()),
  remittance: nullable(Type.String()),
  debtorName: nullable(Type.String()),
  purchaseId: nullable(Type.String()),
});

export const ImportResponse = Type.Object({
  importId: Type.String(),
  statementIds: Type.Array(Type.String()),
  entries: Type.Integer(),
  matched: Type.Array(Type.Intersect([StatementLineResponse, Type.Object({ accountId: Type.String() })])),
  unmatched: Type.Array(Type.Intersect([StatementLineResponse, Type.Object({ reason: Type.String() })])),
});

const lineMoney = (amount: { amount: bigint; currency: string } | null) =>
  amount && amount.amount <= BigInt(Number.MAX_SAFE_INTEGER)
    ? { amount: Number(amount.amount), currency: amount.currency }
    : null;

function lineView(line: ImportedLine) {
  return {
    entryId: line.entryId,
    statementId: line.statementId,
    bankRef: line.bankRef,
    bookedAt: iso(line.bookedAt),
    direction: line.direction,
    amount: lineMoney(line.amount),
    reference: line.reference,
    remittance: line.remittance,
    debtorName: line.debtorName,
    purchaseId: line.purchaseId,
  };
}

export function importView(result: ImportResult) {
  return {
    importId: result.importId,
    statementIds: result.statementIds,
    entries: result.entries,
    matched: result.matched.map((line) => ({ ...lineView(line), accountId: line.accountId })),
    unmatched: result.unmatched.map((line) => ({ ...lineView(line), reason: line.reason })),
  };
}

export const StatementEntryResponse = Type.Object({
  id: Type.String(),
  importId: Type.String(),
  statementId: nullable(Type.String()),
  bankRef: nullable(Type.String()),
  bookedAt: nullable(Type.String()),
  direction: Type.String(),
  status: nullable(Type.String()),
  amount: nullable(AnyMoneySchema),
  reference: nullable(Type.String()),
  remittance: nullable(Type.String()),
  debtorName: nullable(Type.String()),
  purchaseId: nullable(Type.String()),
  reason: nullable(Type.String()),
  reviewStatus: nullable(Type.String()),
  resolvedAt: nullable(Type.String()),
  resolvedBy: nullable(Type.String()),
  resolutionNote: nullable(Type.String()),
  createdAt: Type.String(),
});

export function statementEntryView(entry: StatementEntry) {
  return {
    id: entry.id,
    importId: entry.importId,
    statementId: entry.statementId,
    bankRef: entry.bankRef,
    bookedAt: iso(entry.bookedAt),
    direction: entry.direction,
    status: entry.status,
    amount:
      entry.amount === null || entry.currency === null
        ? null
        : lineMoney({ amount: entry.amount, currency: entry.currency }),
    reference: entry.reference,
    remittance: entry.remittance,
    debtorName: entry.debtorName,
    purchaseId: entry.purchaseId,
    reason: entry.reason,
    reviewStatus: entry.reviewStatus,
    resolvedAt: iso(entry.resolvedAt),
    resolvedBy: entry.resolvedBy,
    resolutionNote: entry.resolutionNote,
    createdAt: entry.createdAt.toISOString(),
  };
}

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: nullable(Type.String()) });
