// What a Stripe error means for us: a card declined (a reason to show), an outcome we do not
// know (the request may or may not have been carried out: converge later, never assume), or
// something else (a bug or a configuration problem: fail loudly).
import Stripe from 'stripe';
import { AppError } from '../../../http/errors.js';

/** What the customer is told to wait before trying again while Stripe does not answer. */
export const RETRY_AFTER_SECONDS = 30;

export type StripeFailure =
  | { kind: 'declined'; reason: string; message: string; paymentIntent: Stripe.PaymentIntent | null }
  /** Network error, timeout, 5xx, 429, or a 409 for a key still in progress. */
  | { kind: 'unknown_outcome' }
  /** The id named no object of ours (resource_missing). */
  | { kind: 'missing'; param: string | null }
  | { kind: 'other' };

export function classifyStripeError(error: unknown): StripeFailure {
  if (error instanceof Stripe.errors.StripeCardError) {
    return {
      kind: 'declined',
      reason: error.decline_code ?? error.code ?? 'card_declined',
      message: error.message,
      paymentIntent: error.payment_intent ?? null,
    };
  }
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode === 409)
  ) {
    return { kind: 'unknown_outcome' };
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
    return { kind: 'missing', param: error.param ?? null };
  }
  return { kind: 'other' };
}

/**
 * Stripe (or the way to it) did not answer, after the SDK's retries: 503 `unavailable` with
 * Retry-After. Only for calls that charge nothing (a customer, a checkout or setup page, a
 * card list): a charge whose outcome is unknown is never reported this way, it converges.
 */
export function stripeUnavailable(): AppError {
  return new AppError(
    'unavailable',
    'Card payments are unavailable for a moment: the payment service did not answer. Nothing was ' +
      'charged; try again in a minute, or pay by bank transfer.',
    { reason: 'payment_service_unavailable', retryAfterSeconds: RETRY_AFTER_SECONDS },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/** The call's result; Stripe not answering becomes stripeUnavailable(), other errors pass. */
export async function orUnavailable<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (classifyStripeError(error).kind === 'unknown_outcome') throw stripeUnavailable();
    throw error;
  }
}

/** The reason a PaymentIntent's last attempt failed, as we show it (`details.reason`). */
export function failureReason(error: Stripe.PaymentIntent.LastPaymentError | null | undefined): string {
  return error?.decline_code ?? error?.code ?? 'payment_failed';
}
