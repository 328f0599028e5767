// Converging: whatever told us something happened (the create call's answer, a webhook, a
// customer looking at the purchase, the worker), read the payment from Stripe and bring the
// purchase to what Stripe says, through the settle functions only (safe any number of times,
// in any order, from any process):
//
//   paid (PaymentIntent succeeded, for this purchase, in full)  -> settlePaid (credited once)
//   failed for good (session expired, saved-card attempt failed,
//     PaymentIntent canceled)                                    -> markFailed (never a credited one)
//   still under way                                              -> updatePaymentDetails (card.status)
//
// So a duplicate, late or out-of-order event changes nothing: a payment_failed of an earlier
// attempt that arrives after the success re-reads a succeeded PaymentIntent.
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import { getPurchase, type Purchase } from '../../purchase.js';
import { markFailed, settlePaid, updatePaymentDetails } from '../../settle.js';
import { createCheckoutSession, readCheckoutSession } from './checkout.js';
import { stripeOf } from './client.js';
import { ensureCustomer } from './customers.js';
import { classifyStripeError } from './errors.js';
import { idempotencyKeys } from './keys.js';
import { cardLast4Of, type Observation, observeIntent, observeSession, paysFor } from './observe.js';
import { confirmOnSession, createCardPayment, readPaymentIntent, wantsAuthentication } from './saved-card.js';

/** Stripe keeps idempotency keys 24 hours: a payment never started may be started again before that. */
const RESTART_WITHIN_MS = 23 * 60 * 60 * 1000;
/** A saved-card payment nobody authenticated within a day is canceled. */
const ABANDON_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * credited / failed / pending: what the purchase is now. unreachable: Stripe did not answer
 * (later). mismatch: paid, but not for this purchase's amount (logged for a person).
 */
export type ConvergeOutcome = 'credited' | 'failed' | 'pending' | 'unreachable' | 'mismatch';

export interface ConvergeOptions {
  /** Stripe request options (a short timeout while someone waits). */
  requestOptions?: Stripe.RequestOptions;
  /** A PaymentIntent just re-read from Stripe (a webhook's object). */
  intent?: Stripe.PaymentIntent;
  /** A Checkout Session just re-read from Stripe, its PaymentIntent expanded (a webhook's object). */
  session?: Stripe.Checkout.Session;
}

export function isCheckoutPurchase(purchase: Purchase): boolean {
  return purchase.cardId === null;
}

/** Applies what Stripe said. */
export async function applyObservation(
  ctx: AppContext,
  purchase: Purchase,
  observation: Observation,
): Promise<ConvergeOutcome> {
  switch (observation.kind) {
    case 'succeeded': {
      if (!paysFor(observation.intent, purchase)) {
        // Never credit on a payment that does not match the order; a person must look.
        ctx.logger.error(
          { purchaseId: purchase.id, paymentIntent: observation.intent.id },
          'a succeeded PaymentIntent does not match its purchase (id, amount or currency); not credited',
        );
        return 'mismatch';
      }
      const settled = await settlePaid(ctx, purchase.id, {
        paidAt: observation.paidAt ?? ctx.now(),
        method: 'card',
        providerRef: observation.intent.id,
        cardLast4: cardLast4Of(observation.intent),
        providerStatus: 'succeeded',
      });
      if (settled.outcome === 'not_found') return 'pending';
      if (settled.outcome === 'already_credited' && settled.purchase.providerStatus !== 'succeeded') {
        await updatePaymentDetails(ctx, purchase.id, { providerStatus: 'succeeded' });
      }
      return 'credited';
    }
    case 'failed': {
      const failed = await markFailed(ctx, purchase.id, observation.reason);
      if (failed.outcome === 'failed') {
        await updatePaymentDetails(ctx, purchase.id, { providerStatus: 'failed' });
        return 'failed';
      }
      return failed.outcome === 'unchanged' && failed.purchase.status === 'credited' ? 'credited' : 'failed';
    }
    case 'pending': {
      if (purchase.status !== 'awaiting_payment') return 'pending';
      const changes: {
        providerStatus: typeof observation.status;
        checkoutUrl?: string;
        providerRef?: string;
      } = {
        providerStatus: observation.status,
      };
      if (observation.actionUrl !== null && observation.actionUrl !== purchase.checkoutUrl) {
        changes.checkoutUrl = observation.actionUrl;
      }
      if (purchase.providerRef === null) changes.providerRef = observation.ref;
      if (
        purchase.providerStatus !== changes.providerStatus ||
        changes.checkoutUrl !== undefined ||
        changes.providerRef !== undefined
      ) {
        await updatePaymentDetails(ctx, purchase.id, changes);
      }
      return 'pending';
    }
  }
}

/** Reads the purchase's payment from Stripe and converges; Stripe not answering is `unreachable`. */
export async function convergePurchase(
  ctx: AppContext,
  purchase: Purchase,
  options: ConvergeOptions = {},
): Promise<ConvergeOutcome> {
  if (purchase.status === 'credited') return 'credited';
  let observation: Observation | null;
  try {
    observation = await observePurchase(ctx, purchase, options);
  } catch (error) {
    if (classifyStripeError(error).kind !== 'unknown_outcome') throw error;
    ctx.logger.warn(
      { err: error, purchaseId: purchase.id },
      'Stripe did not answer about a card payment; later',
    );
    return 'unreachable';
  }
  const fresh = (await getPurchase(ctx.db, purchase.id)) ?? purchase;
  if (observation === null) return fresh.status === 'credited' ? 'credited' : 'pending';
  return applyObservation(ctx, fresh, observation);
}

async function observePurchase(
  ctx: AppContext,
  purchase: Purchase,
  { requestOptions = {}, intent, session }: ConvergeOptions,
): Promise<Observation | null> {
  const ref = purchase.providerRef;
  if (intent && intent.metadata.purchase_id === purchase.id) {
    // A paid PaymentIntent for this purchase settles it, however we came to know its id.
    if (intent.status === 'succeeded') return observeIntent(intent);
    if (!isCheckoutPurchase(purchase) && (ref === null || ref === intent.id)) {
      return observeSavedCard(ctx, purchase, intent);
    }
  }
  if (session && session.metadata?.purchase_id === purchase.id && (ref === null || ref === session.id)) {
    return observeSession(session);
  }
  if (ref?.startsWith('cs_')) return observeSession(await readCheckoutSession(ctx, ref, requestOptions));
  if (ref?.startsWith('pi_'))
    return observeSavedCard(ctx, purchase, await readPaymentIntent(ctx, ref, requestOptions));
  return restart(ctx, purchase, requestOptions);
}

async function observeSavedCard(
  ctx: AppContext,
  purchase: Purchase,
  intent: Stripe.PaymentIntent,
): Promise<Observation> {
  let observation = observeIntent(intent);
  if (
    observation.kind === 'failed' &&
    intent.status === 'requires_payment_method' &&
    wantsAuthentication(purchase, observation.reason)
  ) {
    // An automatic refill's off-session attempt the bank wants authenticated: not a failure,
    // the customer is asked (the same confirmation as the charging call's, by its key).
    observation = observeIntent(await confirmOnSession(ctx, purchase, intent.id));
  }
  const waiting = ctx.now().getTime() - purchase.createdAt.getTime();
  if (
    observation.kind === 'pending' &&
    observation.status === 'requires_action' &&
    waiting > ABANDON_AFTER_MS
  ) {
    const canceled = await stripeOf(ctx).paymentIntents.cancel(
      intent.id,
      { cancellation_reason: 'abandoned' },
      { idempotencyKey: idempotencyKeys.cancel(purchase.id) },
    );
    return canceled.status === 'canceled'
      ? { kind: 'failed', reason: 'authentication_not_completed' }
      : observeIntent(canceled);
  }
  return observation;
}

/**
 * A purchase whose payment id we never learned (the process stopped mid-call, or the outcome
 * was unknown): the same call again, under the same idempotency key, answers with what the
 * first one did, or does it now. Not after Stripe forgot the key: then it is failed.
 */
async function restart(
  ctx: AppContext,
  purchase: Purchase,
  requestOptions: Stripe.RequestOptions,
): Promise<Observation | null> {
  if (purchase.status !== 'awaiting_payment') return null;
  if (ctx.now().getTime() - purchase.createdAt.getTime() > RESTART_WITHIN_MS) {
    return { kind: 'failed', reason: 'payment_not_started' };
  }
  const customerId = await ensureCustomer(ctx, purchase.accountId);
  if (isCheckoutPurchase(purchase)) {
    const session = await createCheckoutSession(ctx, purchase, customerId, requestOptions);
    await updatePaymentDetails(ctx, purchase.id, { providerRef: session.id, checkoutUrl: session.url });
    return observeSession(await readCheckoutSession(ctx, session.id, requestOptions));
  }
  let created: Stripe.PaymentIntent;
  try {
    created = await createCardPayment(ctx, purchase, customerId, requestOptions);
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind !== 'declined') throw error;
    if (failure.paymentIntent)
      await updatePaymentDetails(ctx, purchase.id, { providerRef: failure.paymentIntent.id });
    if (failure.paymentIntent && wantsAuthentication(purchase, failure.reason)) {
      return observeSavedCard(ctx, purchase, failure.paymentIntent);
    }
    return { kind: 'failed', reason: failure.reason };
  }
  await updatePaymentDetails(ctx, purchase.id, { providerRef: created.id });
  return observeSavedCard(ctx, purchase, await readPaymentIntent(ctx, created.id, requestOptions));
}
