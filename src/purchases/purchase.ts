// A purchase (an order for credits) as the room sees it, read from its row; and the reads every
// operation shares: by id, locked for update, and pages of an account's purchases.
import type { Billing } from '../accounts/index.js';
import type { Queryable } from '../db/types.js';
import { decodeCursor, encodeCursor } from '../http/pagination.js';
import type { Currency } from '../pricing/money.js';
import type { TaxTreatment, ViesVerdict } from '../pricing/tax.js';

export const PURCHASE_STATUSES = [
  'awaiting_payment',
  'paid',
  'credited',
  'failed',
  'canceled',
  'expired',
] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export const PAYMENT_METHODS = ['card', 'bank_transfer'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Where a purchase was made: the portal (a session), the API (a key), or an automatic refill. */
export const PURCHASE_SOURCES = ['portal', 'api', 'auto_refill'] as const;
export type PurchaseSource = (typeof PURCHASE_SOURCES)[number];

/** How a payment was established: the card provider, a bank statement, or an operator by hand. */
export type PaidVia = 'card' | 'bank_statement' | 'operator';

export interface BankTransferTerms {
  /** ISO 11649 creditor reference, compact: RF + 2 check digits + body. */
  reference: string;
  iban: string;
  bic: string;
  beneficiary: string;
  /** The order expires at this moment: the start of the day after the due date (UTC). */
  dueAt: Date;
}

/** Where the customer lives and what VIES said, kept with the purchase (migration 0017). */
export interface PurchaseVatEvidence {
  /** The VAT territory whose rate was charged (domestic, eu_consumer). */
  country: string | null;
  billingCountry: string | null;
  mobileCountry: string | null;
  /** Billing and mobile countries name different VAT territories: shown to the operator. */
  disagrees: boolean;
  /** Why a VAT id that was given did not make a reverse charge. */
  vatIdIgnored: string | null;
  /** The VIES consultation the tax rests on; null when VIES is off or was not needed. */
  vies: {
    checkId: string | null;
    status: ViesVerdict;
    requestIdentifier: string | null;
    checkedAt: Date | null;
    /** While VIES was unavailable: when the re-check job asks again. */
    recheckAt: Date | null;
    recheckAttempts: number;
    /** A re-check after the purchase found the id invalid: the operator decides. */
    invalidAfterPurchase: boolean;
  } | null;
}

export interface Purchase {
  id: string;
  accountId: string;
  status: PurchaseStatus;
  source: PurchaseSource;
  paymentMethod: PaymentMethod;
  /** The PaymentProvider's id. */
  provider: string;
  packId: string | null;
  /** Whole credits. */
  credits: bigint;
  currency: Currency;
  /** Minor units. */
  subtotal: bigint;
  taxAmount: bigint;
  total: bigint;
  taxRateBasisPoints: number;
  taxTreatment: TaxTreatment;
  taxVatId: string | null;
  issuerCountry: string;
  /** The billing data the tax was decided on. */
  billing: Billing;
  vat: PurchaseVatEvidence;
  bankTransfer: BankTransferTerms | null;
  providerRef: string | null;
  checkoutUrl: string | null;
  providerStatus: string | null;
  cardId: string | null;
  saveCard: boolean;
  idempotencyKey: string | null;
  paidAt: Date | null;
  paidVia: PaidVia | null;
  paidReference: string | null;
  creditedAt: Date | null;
  failedAt: Date | null;
  failureReason: string | null;
  /** The last four digits of the card that paid (migration 0021). */
  cardLast4: string | null;
  /** A failed card order paid again with another card: the order that took its place. */
  replacedBy: string | null;
  canceledAt: Date | null;
  expiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PurchaseRow {
  id: string;
  account_id: string;
  status: PurchaseStatus;
  source: PurchaseSource;
  payment_method: PaymentMethod;
  provider: string;
  pack_id: string | null;
  credits: bigint;
  currency: Currency;
  subtotal: bigint;
  tax_amount: bigint;
  total: bigint;
  tax_rate_bp: number;
  tax_treatment: TaxTreatment;
  tax_vat_id: string | null;
  issuer_country: string;
  billing: Billing;
  vat_country: string | null;
  vat_billing_country: string | null;
  vat_mobile_country: string | null;
  vat_evidence_disagrees: boolean;
  vat_id_ignored: string | null;
  vies_check_id: string | null;
  vies_status: ViesVerdict | null;
  vies_request_identifier: string | null;
  vies_checked_at: Date | null;
  vies_recheck_at: Date | null;
  vies_recheck_attempts: number;
  vies_invalid_after_purchase: boolean;
  bank_reference: string | null;
  bank_iban: string | null;
  bank_bic: string | null;
  bank_beneficiary: string | null;
  due_at: Date | null;
  provider_ref: string | null;
  checkout_url: string | null;
  provider_status: string | null;
  card_id: string | null;
  save_card: boolean;
  idempotency_key: string | null;
  paid_at: Date | null;
  paid_via: PaidVia | null;
  paid_reference: string | null;
  credited_at: Date | null;
  failed_at: Date | null;
  failure_reason: string | null;
  card_last4: string | null;
  replaced_by: string | null;
  canceled_at: Date | null;
  expired_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toPurchase(row: PurchaseRow): Purchase {
  const bankTransfer =
    row.bank_reference && row.bank_iban && row.bank_bic && row.bank_beneficiary && row.due_at
      ? {
          reference: row.bank_reference,
          iban: row.bank_iban,
          bic: row.bank_bic,
          beneficiary: row.bank_beneficiary,
          dueAt: row.due_at,
        }
      : null;
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    source: row.source,
    paymentMethod: row.payment_method,
    provider: row.provider,
    packId: row.pack_id,
    credits: row.credits,
    currency: row.currency,
    subtotal: row.subtotal,
    taxAmount: row.tax_amount,
    total: row.total,
    taxRateBasisPoints: row.tax_rate_bp,
    taxTreatment: row.tax_treatment,
    taxVatId: row.tax_vat_id,
    issuerCountry: row.issuer_country,
    billing: row.billing,
    vat: {
      country: row.vat_country,
      billingCountry: row.vat_billing_country,
      mobileCountry: row.vat_mobile_country,
      disagrees: row.vat_evidence_disagrees,
      vatIdIgnored: row.vat_id_ignored,
      vies: row.vies_status
        ? {
            checkId: row.vies_check_id,
            status: row.vies_status,
            requestIdentifier: row.vies_request_identifier,
            checkedAt: row.vies_checked_at,
            recheckAt: row.vies_recheck_at,
            recheckAttempts: row.vies_recheck_attempts,
            invalidAfterPurchase: row.vies_invalid_after_purchase,
          }
        : null,
    },
    bankTransfer,
    providerRef: row.provider_ref,
    checkoutUrl: row.checkout_url,
    providerStatus: row.provider_status,
    cardId: row.card_id,
    saveCard: row.save_card,
    idempotencyKey: row.idempotency_key,
    paidAt: row.paid_at,
    paidVia: row.paid_via,
    paidReference: row.paid_reference,
    creditedAt: row.credited_at,
    failedAt: row.failed_at,
    failureReason: row.failure_reason,
    cardLast4: row.card_last4 ?? null,
    replacedBy: row.replaced_by ?? null,
    canceledAt: row.canceled_at,
    expiredAt: row.expired_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The purchase, or null. With `accountId`, another account's purchase is null too. */
export async function getPurchase(q: Queryable, id: string, accountId?: string): Promise<Purchase | null> {
  const { rows } = await q.query<PurchaseRow>(
    accountId === undefined
      ? 'select * from purchases where id = $1'
      : 'select * from purchases where id = $1 and account_id = $2',
    accountId === undefined ? [id] : [id, accountId],
  );
  return rows[0] ? toPurchase(rows[0]) : null;
}

/** The purchase with its row locked until the transaction ends: every state change starts here. */
export async function lockPurchase(tx: Queryable, id: string): Promise<Purchase | null> {
  const { rows } = await tx.query<PurchaseRow>('select * from purchases where id = $1 for update', [id]);
  return rows[0] ? toPurchase(rows[0]) : null;
}

/** Micro-credits refunded so far per purchase. */
export async function refundedMicros(
  q: Queryable,
  purchaseIds: readonly string[],
): Promise<Map<string, bigint>> {
  const refunded = new Map<string, bigint>();
  if (purchaseIds.length === 0) return refunded;
  const { rows } = await q.query<{ purchase_id: string; micros: bigint }>(
    `select purchase_id, sum(credits_micros)::bigint as micros from purchase_refunds
      where purchase_id = any($1::text[]) group by purchase_id`,
    [purchaseIds],
  );
  for (const row of rows) refunded.set(row.purchase_id, row.micros);
  return refunded;
}

export interface PurchaseFilter {
  accountId?: string;
  status?: PurchaseStatus;
  paymentMethod?: PaymentMethod;
  source?: PurchaseSource;
  /** Leave out failed orders another order replaced (the customer's list). */
  withoutReplaced?: boolean;
  limit: number;
  cursor?: string;
}

export async function listPurchases(
  q: Queryable,
  filter: PurchaseFilter,
): Promise<{ purchases: Purchase[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (filter.accountId !== undefined) add('account_id = ?', filter.accountId);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.paymentMethod !== undefined) add('payment_method = ?', filter.paymentMethod);
  if (filter.source !== undefined) add('source = ?', filter.source);
  if (filter.withoutReplaced) where.push('replaced_by is null');
  const cursor = decodeCursor(filter.cursor);
  if (cursor) {
    params.push(cursor.at, cursor.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(filter.limit + 1);
  const { rows } = await q.query<PurchaseRow>(
    `select * from purchases ${where.length ? `where ${where.join(' and ')}` : ''}
      order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const page = rows.slice(0, filter.limit).map(toPurchase);
  const last = page[page.length - 1];
  return {
    purchases: page,
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
