// Stripe as the purchase core's card PaymentProvider (../types.ts). The core has recorded
// the purchase (awaiting_payment) and committed before startPayment; we call Stripe with the
// key `purchase:<id>` and report through the settle functions (converge.ts).
//
//   no cardId  -> a Checkout Session (hosted page); the answer carries its url
//   cardId     -> a PaymentIntent on the saved card, confirmed at once; the answer is its outcome:
//                 succeeded (credited now, from a re-read), declined (402 payment_failed with
//                 the reason), requires_action (the 3D Secure link), or processing when Stripe's
//                 answer never came (the worker and the webhooks converge it)
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../http/errors.js';
import type { Purchase } from '../../purchase.js';
import { markFailed, updatePaymentDetails } from '../../settle.js';
import type {
  PaymentProvider,
  ProviderRefundInput,
  ProviderRefundResult,
  StartPaymentInput,
  StartPaymentResult,
} from '../types.js';
import { ownCard } from './cards.js';
import { whileCharging } from './charging.js';
import { createCheckoutSession } from './checkout.js';
import { stripeConfigured, stripeOf } from './client.js';
import { applyObservation } from './converge.js';
import { ensureCustomer } from './customers.js';
import { classifyStripeError, orUnavailable } from './errors.js';
import { idempotencyKeys } from './keys.js';
import { observeIntent } from './observe.js';
import { refundPayment } from './refunds.js';
import {
  confirmOnSession,
  createCardPayment,
  offSession,
  readPaymentIntent,
  wantsAuthentication,
} from './saved-card.js';

export const STRIPE_PROVIDER_ID = 'stripe';

/** For PROVIDER_FACTORIES: the card provider whenever Stripe (or the sandbox) is configured. */
export function stripeProvider(ctx: AppContext): PaymentProvider | null {
  return stripeConfigured(ctx) ? new StripeProvider() : null;
}

export class StripeProvider implements PaymentProvider {
  readonly id = STRIPE_PROVIDER_ID;
  readonly method = 'card' as const;

  async startPayment(ctx: AppContext, input: StartPaymentInput): Promise<StartPaymentResult> {
    const { purchase } = input;
    if (input.idempotencyKey !== idempotencyKeys.purchase(purchase.id)) {
      throw new Error(`unexpected idempotency key ${input.idempotencyKey} for ${purchase.id}`);
    }
    // Until the charge itself, Stripe not answering charged nothing: 503, and the core fails
    // the purchase (its key free for the retry). An unknown charge converges instead.
    const customerId = await orUnavailable(ensureCustomer(ctx, purchase.accountId));
    if (input.cardId === null) {
      const session = await orUnavailable(createCheckoutSession(ctx, purchase, customerId));
      return { providerRef: session.id, checkoutUrl: session.url, status: 'checkout' };
    }
    if (offSession(purchase)) await usableOffSession(ctx, purchase, customerId, input.cardId);
    else await orUnavailable(ownCard(ctx, customerId, input.cardId));
    return whileCharging(ctx, purchase.id, () => chargeSavedCard(ctx, purchase, customerId));
  }

  async cancelPayment(ctx: AppContext, purchase: Purchase): Promise<void> {
    const ref = purchase.providerRef;
    const options = { idempotencyKey: idempotencyKeys.cancel(purchase.id) };
    const stripe = stripeOf(ctx);
    if (ref?.startsWith('cs_')) {
      const session = await stripe.checkout.sessions.retrieve(ref);
      if (session.status === 'open') await stripe.checkout.sessions.expire(ref, {}, options);
    } else if (ref?.startsWith('pi_')) {
      const intent = await stripe.paymentIntents.retrieve(ref);
      if (['requires_action', 'requires_payment_method', 'requires_confirmation'].includes(intent.status)) {
        await stripe.paymentIntents.cancel(ref, { cancellation_reason: 'requested_by_customer' }, options);
      }
    }
  }

  refund(ctx: AppContext, input: ProviderRefundInput): Promise<ProviderRefundResult> {
    return refundPayment(ctx, input);
  }
}

/** Card valid through the end of its expiry month (UTC). */
function expired(card: Stripe.PaymentMethod, now: Date): boolean {
  const month = card.card?.exp_month;
  const year = card.card?.exp_year;
  if (!month || !year) return false;
  return year * 12 + month - 1 < now.getUTCFullYear() * 12 + now.getUTCMonth();
}

/**
 * An automatic refill's card must still be the account's and not expired; otherwise the
 * purchase fails with that reason (card_removed, expired_card) and nothing is charged.
 */
async function usableOffSession(
  ctx: AppContext,
  purchase: Purchase,
  customerId: string,
  cardId: string,
): Promise<void> {
  let reason: string | null = null;
  try {
    const card = await orUnavailable(ownCard(ctx, customerId, cardId));
    if (expired(card, ctx.now())) reason = 'expired_card';
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
    reason = 'card_removed';
  }
  if (reason === null) return;
  await markFailed(ctx, purchase.id, reason);
  throw new AppError(
    'payment_failed',
    reason === 'card_removed' ? 'The saved card was removed' : 'The saved card has expired',
    { reason },
  );
}

async function chargeSavedCard(
  ctx: AppContext,
  purchase: Purchase,
  customerId: string,
): Promise<StartPaymentResult> {
  let intentId: string;
  try {
    intentId = (await createCardPayment(ctx, purchase, customerId)).id;
  } catch (error) {
    const failure = classifyStripeError(error);
    if (
      failure.kind === 'declined' &&
      failure.paymentIntent &&
      wantsAuthentication(purchase, failure.reason)
    ) {
      return askForAuthentication(ctx, purchase, failure.paymentIntent.id);
    }
    if (failure.kind === 'declined') {
      // Recorded with its own reason before the core marks it failed with the error's code.
      if (failure.paymentIntent)
        await updatePaymentDetails(ctx, purchase.id, { providerRef: failure.paymentIntent.id });
      await markFailed(ctx, purchase.id, failure.reason);
      await updatePaymentDetails(ctx, purchase.id, { providerStatus: 'failed' });
      throw new AppError('payment_failed', failure.message, { reason: failure.reason });
    }
    if (failure.kind === 'unknown_outcome') {
      // Stripe may or may not have charged: never guess. Re-reads under the same key find out.
      ctx.logger.warn(
        { err: error, purchaseId: purchase.id },
        'no answer from Stripe for a saved-card charge',
      );
      return { providerRef: null, checkoutUrl: null, status: 'processing' };
    }
    throw error;
  }
  await updatePaymentDetails(ctx, purchase.id, { providerRef: intentId });
  // Its answer said what happened; the re-read is what we act on.
  let intent: Awaited<ReturnType<typeof readPaymentIntent>>;
  try {
    intent = await readPaymentIntent(ctx, intentId);
  } catch (error) {
    if (classifyStripeError(error).kind !== 'unknown_outcome') throw error;
    return { providerRef: intentId, checkoutUrl: null, status: 'processing' };
  }
  const observation = observeIntent(intent);
  const outcome = await applyObservation(ctx, { ...purchase, providerRef: intentId }, observation);
  switch (observation.kind) {
    case 'succeeded':
      return {
        providerRef: intentId,
        checkoutUrl: null,
        status: outcome === 'credited' ? 'succeeded' : 'processing',
      };
    case 'failed': {
      const reason = observation.reason;
      throw new AppError('payment_failed', 'The card payment failed', { reason });
    }
    case 'pending':
      return { providerRef: intentId, checkoutUrl: observation.actionUrl, status: observation.status };
  }
}

/**
 * The bank wants the customer to authenticate an automatic refill: the PaymentIntent is confirmed
 * on-session and waits (requires_action) with its link; the purchase stays awaiting payment.
 */
async function askForAuthentication(
  ctx: AppContext,
  purchase: Purchase,
  intentId: string,
): Promise<StartPaymentResult> {
  await updatePaymentDetails(ctx, purchase.id, { providerRef: intentId });
  let intent: Stripe.PaymentIntent;
  try {
    intent = await confirmOnSession(ctx, purchase, intentId);
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind === 'unknown_outcome') {
      return { providerRef: intentId, checkoutUrl: null, status: 'processing' };
    }
    if (failure.kind === 'declined') {
      await markFailed(ctx, purchase.id, failure.reason);
      await updatePaymentDetails(ctx, purchase.id, { providerStatus: 'failed' });
      throw new AppError('payment_failed', failure.message, { reason: failure.reason });
    }
    throw error;
  }
  const observation = observeIntent(intent);
  await applyObservation(ctx, { ...purchase, providerRef: intentId }, observation);
  if (observation.kind === 'pending') {
    return { providerRef: intentId, checkoutUrl: observation.actionUrl, status: observation.status };
  }
  if (observation.kind === 'succeeded')
    return { providerRef: intentId, checkoutUrl: null, status: 'succeeded' };
  throw new AppError('payment_failed', 'The card payment failed', { reason: observation.reason });
}
