// A new card: a Checkout Session in payment mode for the purchase's total (tax included),
// paid on Stripe's hosted page. With saveCard, the PaymentIntent carries
// setup_future_usage=off_session, so the card is attached to the account's Customer for later
// (saved-card purchases and automatic refills). The session's PaymentIntent carries the
// purchase id in its metadata; the webhooks and the re-reads find the purchase by it.
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

export function createCheckoutSession(
  ctx: AppContext,
  purchase: Purchase,
  customerId: string,
  requestOptions: Stripe.RequestOptions = {},
): Promise<Stripe.Checkout.Session> {
  const metadata = purchaseMetadata(purchase);
  return stripeOf(ctx).checkout.sessions.create(
    {
      mode: 'payment',
      customer: customerId,
      client_reference_id: purchase.id,
      metadata,
      payment_method_types: ['card'],
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: stripeCurrency(purchase),
            unit_amount: stripeAmount(purchase),
            product_data: { name: itemName(purchase) },
          },
        },
      ],
      payment_intent_data: {
        metadata,
        description: itemName(purchase),
        ...(purchase.saveCard ? { setup_future_usage: 'off_session' as const } : {}),
      },
      success_url: purchasePageUrl(ctx, purchase, 'success'),
      cancel_url: purchasePageUrl(ctx, purchase, 'cancel'),
    },
    { ...requestOptions, idempotencyKey: idempotencyKeys.purchase(purchase.id) },
  );
}

/** The session with its PaymentIntent and that intent's charge: what converging reads. */
export function readCheckoutSession(
  ctx: AppContext,
  sessionId: string,
  requestOptions: Stripe.RequestOptions = {},
): Promise<Stripe.Checkout.Session> {
  const params = { expand: ['payment_intent.latest_charge'] };
  // The SDK takes an empty options object for unknown parameters: pass options only when there are some.
  return Object.keys(requestOptions).length > 0
    ? stripeOf(ctx).checkout.sessions.retrieve(sessionId, params, requestOptions)
    : stripeOf(ctx).checkout.sessions.retrieve(sessionId, params);
}
