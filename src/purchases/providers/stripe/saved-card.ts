// A saved card charged at once: one PaymentIntent, confirmed on creation, on-session (the
// customer is in the portal, so a bank asking for 3D Secure gets a link to complete it, with
// return_url back to the purchase's page) — or off-session for an automatic refill, where
// nobody is there: a bank that wants authentication then declines it (authentication_required),
// and the same PaymentIntent is confirmed again on-session to get the link the customer is
// e-mailed. Its outcome is read from Stripe and converged like any other (converge.ts); this
// file only makes the calls.
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import type { Purchase } from '../../purchase.js';
import { stripeOf } from './client.js';
import { idempotencyKeys } from './keys.js';
import {
  itemName,
  purchaseMetadata,
  purchasePageUrl,
  stripeAmount,
  stripeCurrency,
} from './payment-params.js';

/** Charges the purchase's card; a decline throws Stripe's card error (with the intent). */
export function createCardPayment(
  ctx: AppContext,
  purchase: Purchase,
  customerId: string,
  requestOptions: Stripe.RequestOptions = {},
): Promise<Stripe.PaymentIntent> {
  if (purchase.cardId === null) throw new Error(`purchase ${purchase.id} names no saved card`);
  // Derived from the stored purchase: a retry under the same key sends the same parameters.
  const session: Pick<Stripe.PaymentIntentCreateParams, 'off_session' | 'return_url'> = offSession(purchase)
    ? { off_session: true }
    : { return_url: purchasePageUrl(ctx, purchase, 'return') };
  return stripeOf(ctx).paymentIntents.create(
    {
      amount: stripeAmount(purchase),
      currency: stripeCurrency(purchase),
      customer: customerId,
      payment_method: purchase.cardId,
      payment_method_types: ['card'],
      confirm: true,
      ...session,
      description: itemName(purchase),
      metadata: purchaseMetadata(purchase),
    },
    { ...requestOptions, idempotencyKey: idempotencyKeys.purchase(purchase.id) },
  );
}

/** An automatic refill is charged with nobody at the keyboard. */
export function offSession(purchase: Purchase): boolean {
  return purchase.source === 'auto_refill';
}

/**
 * An off-session payment the bank declined for want of authentication: confirmed again
 * on-session, so the PaymentIntent waits (requires_action) with the link where the customer
 * authenticates and returns to the purchase's page. Once per purchase (its own key).
 */
export function confirmOnSession(
  ctx: AppContext,
  purchase: Purchase,
  intentId: string,
  requestOptions: Stripe.RequestOptions = {},
): Promise<Stripe.PaymentIntent> {
  if (purchase.cardId === null) throw new Error(`purchase ${purchase.id} names no saved card`);
  return stripeOf(ctx).paymentIntents.confirm(
    intentId,
    { payment_method: purchase.cardId, return_url: purchasePageUrl(ctx, purchase, 'return') },
    { ...requestOptions, idempotencyKey: idempotencyKeys.authenticate(purchase.id) },
  );
}

/** The off-session attempt of an automatic refill that only wants the customer to authenticate. */
export function wantsAuthentication(purchase: Purchase, reason: string): boolean {
  return (
    offSession(purchase) && reason === 'authentication_required' && purchase.status === 'awaiting_payment'
  );
}

/** The PaymentIntent with its charge (for the time it was paid). */
export function readPaymentIntent(
  ctx: AppContext,
  intentId: string,
  requestOptions: Stripe.RequestOptions = {},
): Promise<Stripe.PaymentIntent> {
  const params = { expand: ['latest_charge'] };
  // The SDK takes an empty options object for unknown parameters: pass options only when there are some.
  return Object.keys(requestOptions).length > 0
    ? stripeOf(ctx).paymentIntents.retrieve(intentId, params, requestOptions)
    : stripeOf(ctx).paymentIntents.retrieve(intentId, params);
}
