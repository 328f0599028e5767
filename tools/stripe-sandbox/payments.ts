// Confirming a PaymentIntent with a card. The test card decides: a success creates a charge
// (and saves the card when setup_future_usage asks for it), a decline a failed charge and
// last_payment_error, a card that needs authentication a redirect to the authenticate page
// on-session or an authentication_required decline off-session.
import { paymentOutcome } from './cards.js';
import { type Core, NO_REQUEST } from './core.js';
import { cardDeclined, type DeclineCode, docUrl, StripeApiError } from './errors.js';
import { newId } from './ids.js';
import { newCharge } from './objects.js';
import { attachPaymentMethod } from './saved-cards.js';
import type { EventOrigin, PaymentIntent, PaymentMethod, StripeErrorObject } from './types.js';

export type ConfirmResult =
  | { status: 'succeeded' }
  | { status: 'requires_action' }
  | { status: 'failed'; error: StripeErrorObject };

export interface ConfirmOptions {
  offSession: boolean;
  returnUrl: string | null;
  origin: EventOrigin;
}

export const AUTHENTICATION_FAILED_MESSAGE =
  'We are unable to authenticate your payment method. Please choose a different payment method and try again.';

export function confirmPayment(
  core: Core,
  intent: PaymentIntent,
  method: PaymentMethod,
  options: ConfirmOptions,
): ConfirmResult {
  intent.payment_method = method.id;
  intent.last_payment_error = null;
  intent.next_action = null;
  const outcome = paymentOutcome(core.store.card(method.id), options.offSession);
  if (outcome.kind === 'succeed') {
    succeed(core, intent, method, options.origin);
    return { status: 'succeeded' };
  }
  if (outcome.kind === 'decline') return decline(core, intent, method, outcome.declineCode, options.origin);
  if (options.offSession) {
    return fail(core, intent, options.origin, {
      code: 'authentication_required',
      decline_code: 'authentication_required',
      doc_url: docUrl('authentication_required'),
      message: 'Your card was declined. This transaction requires authentication.',
      payment_method: structuredClone(method),
      type: 'card_error',
    });
  }
  intent.status = 'requires_action';
  intent.next_action = {
    type: 'redirect_to_url',
    redirect_to_url: { return_url: options.returnUrl, url: `${core.publicUrl}/authenticate/${intent.id}` },
  };
  core.emit('payment_intent.requires_action', intent, options.origin);
  return { status: 'requires_action' };
}

/** The customer's answer on the authenticate page. */
export function finishPaymentAuthentication(
  core: Core,
  intent: PaymentIntent,
  approved: boolean,
): ConfirmResult {
  const method = core.store.paymentMethod(intent.payment_method ?? '', 'payment_method');
  intent.next_action = null;
  if (approved) {
    succeed(core, intent, method, NO_REQUEST);
    return { status: 'succeeded' };
  }
  return fail(core, intent, NO_REQUEST, {
    code: 'payment_intent_authentication_failure',
    doc_url: docUrl('payment_intent_authentication_failure'),
    message: AUTHENTICATION_FAILED_MESSAGE,
    payment_method: structuredClone(method),
    type: 'invalid_request_error',
  });
}

/** The 402 answer of an API confirmation that failed, with the PaymentIntent as Stripe adds it. */
export function paymentFailedError(intent: PaymentIntent, error: StripeErrorObject): StripeApiError {
  return new StripeApiError(402, { ...error, payment_intent: structuredClone(intent) });
}

function succeed(core: Core, intent: PaymentIntent, method: PaymentMethod, origin: EventOrigin): void {
  const charge = newCharge(intent, method, core.now());
  core.store.charges.set(charge.id, charge);
  intent.status = 'succeeded';
  intent.amount_received = intent.amount;
  intent.latest_charge = charge.id;
  if (intent.setup_future_usage !== null && intent.customer !== null) {
    if (intent.setup_future_usage === 'off_session') core.store.card(method.id).setUpForOffSession = true;
    attachPaymentMethod(core, method, intent.customer, origin);
  }
  // As on Stripe, the balance transaction comes a moment after the charge: charge.updated.
  charge.balance_transaction = null;
  core.emit('charge.succeeded', charge, origin);
  core.emit('payment_intent.succeeded', intent, origin);
  charge.balance_transaction = newId('txn');
  core.emit('charge.updated', charge, origin, { balance_transaction: null });
}

function decline(
  core: Core,
  intent: PaymentIntent,
  method: PaymentMethod,
  declineCode: DeclineCode,
  origin: EventOrigin,
): ConfirmResult {
  const error = cardDeclined(declineCode, method);
  const message = error.message;
  const charge = newCharge(intent, method, core.now());
  charge.amount_captured = 0;
  charge.balance_transaction = null;
  charge.captured = false;
  charge.failure_code = 'card_declined';
  charge.failure_message = message;
  charge.paid = false;
  charge.status = 'failed';
  charge.outcome = {
    network_status: 'declined_by_network',
    reason: declineCode,
    risk_level: 'normal',
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
  core.store.charges.set(charge.id, charge);
  intent.latest_charge = charge.id;
  core.emit('charge.failed', charge, origin);
  return fail(core, intent, origin, { charge: charge.id, ...error });
}

function fail(
  core: Core,
  intent: PaymentIntent,
  origin: EventOrigin,
  error: StripeErrorObject,
): ConfirmResult {
  intent.status = 'requires_payment_method';
  intent.last_payment_error = error;
  core.emit('payment_intent.payment_failed', intent, origin);
  return { status: 'failed', error };
}
