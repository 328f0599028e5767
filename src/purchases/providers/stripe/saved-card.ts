// A saved card charged at once: one PaymentIntent, confirmed on creation, on-session (the
// customer is in the portal, so a bank asking for 3D Secure gets a link to complete it, with
// return_url back to the purchase's page). Its outcome is read from Stripe and converged like
// any other (converge.ts); this file only makes the calls.
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
  return stripeOf(ctx).paymentIntents.create(
    {
      amount: stripeAmount(purchase),
      currency: stripeCurrency(purchase),
      customer: customerId,
      payment_method: purchase.cardId,
      payment_method_types: ['card'],
      confirm: true,
      return_url: purchasePageUrl(ctx, purchase, 'return'),
      description: itemName(purchase),
      metadata: purchaseMetadata(purchase),
    },
    { ...requestOptions, idempotencyKey: idempotencyKeys.purchase(purchase.id) },
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
