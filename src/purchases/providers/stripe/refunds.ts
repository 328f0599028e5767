// Card refunds: the purchase core has already taken the unused credits back (ledger reversal
// and refund record, committed); the money goes back with a Stripe Refund of the purchase's
// PaymentIntent, under the key `refund:<id>`. Stripe's later word (refund.updated / failed)
// is re-read and recorded through recordRefundOutcome.
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import { recordRefundOutcome, type RefundStatus } from '../../refund-purchase.js';
import type { ProviderRefundInput, ProviderRefundResult } from '../types.js';
import { stripeOf } from './client.js';
import { classifyStripeError } from './errors.js';
import { idempotencyKeys } from './keys.js';

function statusOf(refund: Stripe.Refund): Exclude<RefundStatus, 'to_be_paid_by_operator'> {
  switch (refund.status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return 'pending';
  }
}

export async function refundPayment(
  ctx: AppContext,
  input: ProviderRefundInput,
): Promise<ProviderRefundResult> {
  const { purchase, amount, refundId } = input;
  const paymentIntent = purchase.paidReference ?? purchase.providerRef;
  if (!paymentIntent?.startsWith('pi_')) {
    return { status: 'failed', reason: 'the purchase has no card payment to refund', providerRef: null };
  }
  if (amount.currency !== purchase.currency || amount.amount <= 0n || amount.amount > purchase.total) {
    return { status: 'failed', reason: 'the refund amount does not fit the payment', providerRef: null };
  }
  try {
    const refund = await stripeOf(ctx).refunds.create(
      {
        payment_intent: paymentIntent,
        amount: Number(amount.amount),
        reason: 'requested_by_customer',
        metadata: { refund_id: refundId, purchase_id: purchase.id, account_id: purchase.accountId },
      },
      { idempotencyKey: input.idempotencyKey || idempotencyKeys.refund(refundId) },
    );
    const status = statusOf(refund);
    if (status === 'failed') {
      return { status, reason: refund.failure_reason ?? 'the card refund failed', providerRef: refund.id };
    }
    return { status, providerRef: refund.id };
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind === 'unknown_outcome') throw error;
    return {
      status: 'failed',
      reason: error instanceof Error ? error.message : 'Stripe refused the refund',
      providerRef: null,
    };
  }
}

/** A refund's state re-read from Stripe (after a refund.* webhook), recorded on our refund. */
export async function convergeRefund(ctx: AppContext, stripeRefundId: string): Promise<void> {
  const refund = await stripeOf(ctx).refunds.retrieve(stripeRefundId);
  const refundId = refund.metadata?.refund_id;
  if (!refundId) return;
  const status = statusOf(refund);
  await recordRefundOutcome(ctx, refundId, {
    status,
    providerRef: refund.id,
    failureReason: status === 'failed' ? (refund.failure_reason ?? 'the card refund failed') : null,
  });
}
