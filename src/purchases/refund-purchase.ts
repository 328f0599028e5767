// Refunds of unused credits (operators only). The credits leave the account with the ledger
// transfer `refund:<id>` (customer -> sales, code refund): the no-overdraft rule makes sure only
// credits still available go, never ones spent or held. Never more than the purchase granted
// less its earlier refunds. The money is proportional to the credits, tax apart (the last
// refund takes what rounding left, so the refunds add up to the purchase exactly); the
// invoicing turns each refund into a credit note.
//
// The ledger reversal and the refund record commit together; then the money goes back through
// the purchase's provider (a card refund), or is listed for the operator to pay back by hand
// (a bank transfer: status to_be_paid_by_operator).
import type { AppContext } from '../context.js';
import { AppError, notFound } from '../http/errors.js';
import { formatCredits, MICROS_PER_CREDIT } from '../ledger/amounts.js';
import { LedgerError } from '../ledger/types.js';
import type { Currency } from '../pricing/money.js';
import { roundHalfUp } from '../pricing/money.js';
import { newId } from './ids.js';
import { notifyRefunded } from './notify.js';
import { lockPurchase, type PaymentMethod, type Purchase } from './purchase.js';
import { providerById } from './providers/registry.js';

export type RefundStatus = 'to_be_paid_by_operator' | 'pending' | 'succeeded' | 'failed';

export interface Refund {
  id: string;
  purchaseId: string;
  accountId: string;
  creditsMicros: bigint;
  currency: Currency;
  subtotal: bigint;
  taxAmount: bigint;
  total: bigint;
  taxRateBasisPoints: number;
  taxTreatment: string;
  paymentMethod: PaymentMethod;
  status: RefundStatus;
  providerRef: string | null;
  failureReason: string | null;
  transferId: string;
  createdBy: string;
  createdAt: Date;
}

interface RefundRow {
  id: string;
  purchase_id: string;
  account_id: string;
  credits_micros: bigint;
  currency: Currency;
  subtotal: bigint;
  tax_amount: bigint;
  total: bigint;
  tax_rate_bp: number;
  tax_treatment: string;
  payment_method: PaymentMethod;
  status: RefundStatus;
  provider_ref: string | null;
  failure_reason: string | null;
  transfer_id: string;
  created_by: string;
  created_at: Date;
}

function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    purchaseId: row.purchase_id,
    accountId: row.account_id,
    creditsMicros: row.credits_micros,
    currency: row.currency,
    subtotal: row.subtotal,
    taxAmount: row.tax_amount,
    total: row.total,
    taxRateBasisPoints: row.tax_rate_bp,
    taxTreatment: row.tax_treatment,
    paymentMethod: row.payment_method,
    status: row.status,
    providerRef: row.provider_ref,
    failureReason: row.failure_reason,
    transferId: row.transfer_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export async function refundsOf(ctx: AppContext, purchaseId: string): Promise<Refund[]> {
  const { rows } = await ctx.db.query<RefundRow>(
    'select * from purchase_refunds where purchase_id = $1 order by created_at, id',
    [purchaseId],
  );
  return rows.map(toRefund);
}

/** The money of refunding `micros` of a purchase, given what earlier refunds took. */
export function refundMoney(
  purchase: Purchase,
  micros: bigint,
  earlier: { micros: bigint; subtotal: bigint; tax: bigint },
): { subtotal: bigint; tax: bigint } {
  const purchased = purchase.credits * MICROS_PER_CREDIT;
  if (earlier.micros + micros === purchased) {
    return { subtotal: purchase.subtotal - earlier.subtotal, tax: purchase.taxAmount - earlier.tax };
  }
  return {
    subtotal: roundHalfUp(purchase.subtotal * micros, purchased),
    tax: roundHalfUp(purchase.taxAmount * micros, purchased),
  };
}

/**
 * Refunds `micros` unused credits of a credited purchase (all that is left of it when
 * undefined). Throws 404, 409 (not credited, nothing left, more than is left) or 402
 * insufficient_credit (the credits are spent or held).
 */
export async function refundPurchase(
  ctx: AppContext,
  purchaseId: string,
  micros: bigint | undefined,
  createdBy: string,
): Promise<Refund> {
  const { refund, purchase } = await ctx.db.transaction(async (tx) => {
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase) throw notFound('purchase');
    if (purchase.status !== 'credited') {
      throw new AppError(
        'conflict',
        `Only a credited purchase can be refunded; this one is ${purchase.status}`,
        {
          status: purchase.status,
        },
      );
    }
    const sums = await tx.query<{ micros: bigint; subtotal: bigint; tax: bigint }>(
      `select coalesce(sum(credits_micros), 0)::bigint as micros, coalesce(sum(subtotal), 0)::bigint as subtotal,
              coalesce(sum(tax_amount), 0)::bigint as tax
         from purchase_refunds where purchase_id = $1`,
      [purchaseId],
    );
    const earlier = sums.rows[0] ?? { micros: 0n, subtotal: 0n, tax: 0n };
    const refundable = purchase.credits * MICROS_PER_CREDIT - earlier.micros;
    if (refundable <= 0n) {
      throw new AppError('conflict', 'This purchase has been refunded in full already', {
        refundable: '0',
      });
    }
    const amount = micros ?? refundable;
    if (amount > refundable) {
      throw new AppError(
        'conflict',
        `At most ${formatCredits(refundable)} credits of this purchase can still be refunded`,
        { requested: formatCredits(amount), refundable: formatCredits(refundable) },
      );
    }
    const money = refundMoney(purchase, amount, earlier);
    const id = newId('rfd');
    const transferId = `refund:${id}`;
    try {
      await ctx.ledger.apply(
        [
          {
            type: 'transfer',
            id: transferId,
            debit: purchase.accountId,
            credit: { system: 'sales' },
            amount,
            code: 'refund',
            reference: purchase.id,
            description: `${formatCredits(amount)} unused credits refunded`,
          },
        ],
        tx,
      );
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'insufficient_credit') {
        throw new AppError(
          'insufficient_credit',
          'Only unused credits can be refunded: the account does not have that many available',
          error.details,
        );
      }
      throw error;
    }
    const now = ctx.now();
    const { rows } = await tx.query<RefundRow>(
      `insert into purchase_refunds (id, purchase_id, account_id, credits_micros, currency, subtotal, tax_amount, total,
         tax_rate_bp, tax_treatment, payment_method, status, transfer_id, created_by, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) returning *`,
      [
        id,
        purchase.id,
        purchase.accountId,
        amount.toString(),
        purchase.currency,
        money.subtotal.toString(),
        money.tax.toString(),
        (money.subtotal + money.tax).toString(),
        purchase.taxRateBasisPoints,
        purchase.taxTreatment,
        purchase.paymentMethod,
        purchase.paymentMethod === 'bank_transfer' ? 'to_be_paid_by_operator' : 'pending',
        transferId,
        createdBy,
        now,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('the refund insert returned nothing');
    const refund = toRefund(row);
    await notifyRefunded(ctx, tx, refund);
    return { refund, purchase };
  });
  if (refund.status !== 'pending') return refund;
  return sendMoneyBack(ctx, refund, purchase);
}

/** Asks the purchase's provider to pay the money back, and records what it answered. */
async function sendMoneyBack(ctx: AppContext, refund: Refund, purchase: Purchase): Promise<Refund> {
  const provider = providerById(ctx, purchase.provider);
  let status: RefundStatus = 'pending';
  let providerRef: string | null = null;
  let failureReason: string | null = null;
  if (!provider) {
    failureReason = `payment provider ${purchase.provider} is not configured`;
  } else {
    try {
      const result = await provider.refund(ctx, {
        refundId: refund.id,
        purchase,
        amount: { amount: refund.total, currency: refund.currency },
        idempotencyKey: `refund:${refund.id}`,
      });
      status = result.status;
      providerRef = result.providerRef;
      if (result.status === 'failed') failureReason = result.reason;
    } catch (err) {
      ctx.logger.error({ err, refundId: refund.id }, 'the payment provider refund failed');
      failureReason = 'the payment provider did not answer; retry or pay back by hand';
    }
  }
  await recordRefundOutcome(ctx, refund.id, { status, providerRef, failureReason });
  return { ...refund, status, providerRef, failureReason };
}

/** The provider's later word on a refund (its webhook): succeeded or failed. */
export async function recordRefundOutcome(
  ctx: AppContext,
  refundId: string,
  outcome: { status: RefundStatus; providerRef: string | null; failureReason: string | null },
): Promise<void> {
  await ctx.db.query(
    `update purchase_refunds set status = $2, provider_ref = coalesce($3, provider_ref), failure_reason = $4,
            updated_at = $5
      where id = $1 and status <> 'succeeded'`,
    [refundId, outcome.status, outcome.providerRef, outcome.failureReason, ctx.now()],
  );
}
