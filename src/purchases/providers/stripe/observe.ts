// What Stripe's objects say about a purchase's payment, read fresh from Stripe (never from a
// webhook's payload): paid, failed for good, or still under way (and how, for `card.status`).
import type Stripe from 'stripe';
import type { Purchase } from '../../purchase.js';
import { failureReason } from './errors.js';

export type Observation =
  | { kind: 'succeeded'; intent: Stripe.PaymentIntent; paidAt: Date | null }
  | { kind: 'failed'; reason: string }
  | {
      kind: 'pending';
      status: 'checkout' | 'processing' | 'requires_action';
      /** Where the customer completes the payment (3D Secure), when that is not the checkout page. */
      actionUrl: string | null;
      /** The payment's id as the purchase keeps it: the session (cs_…) or the intent (pi_…). */
      ref: string;
    };

function chargedAt(intent: Stripe.PaymentIntent): Date | null {
  const charge = intent.latest_charge;
  return typeof charge === 'object' && charge !== null ? new Date(charge.created * 1000) : null;
}

/** The last four digits of the card a PaymentIntent charged, when its charge is expanded. */
export function cardLast4Of(intent: Stripe.PaymentIntent): string | null {
  const charge = intent.latest_charge;
  if (typeof charge !== 'object' || charge === null) return null;
  return charge.payment_method_details?.card?.last4 ?? null;
}

/** A Checkout Session (payment mode), its PaymentIntent expanded. */
export function observeSession(session: Stripe.Checkout.Session): Observation {
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  if (intent?.status === 'succeeded') return { kind: 'succeeded', intent, paidAt: chargedAt(intent) };
  // An expired session can no longer be paid; a declined card on an open one can be retried.
  if (session.status === 'expired') return { kind: 'failed', reason: 'checkout_expired' };
  const ref = session.id;
  if (session.status === 'complete' || intent?.status === 'processing') {
    return { kind: 'pending', status: 'processing', actionUrl: null, ref };
  }
  if (intent?.status === 'requires_action')
    return { kind: 'pending', status: 'requires_action', actionUrl: null, ref };
  return { kind: 'pending', status: 'checkout', actionUrl: null, ref };
}

/** The PaymentIntent of a saved-card payment: one confirmation, so a failed attempt is final. */
export function observeIntent(intent: Stripe.PaymentIntent): Observation {
  switch (intent.status) {
    case 'succeeded':
      return { kind: 'succeeded', intent, paidAt: chargedAt(intent) };
    case 'canceled':
      return { kind: 'failed', reason: intent.cancellation_reason ?? 'canceled' };
    case 'requires_action':
      return {
        kind: 'pending',
        status: 'requires_action',
        actionUrl: intent.next_action?.redirect_to_url?.url ?? null,
        ref: intent.id,
      };
    case 'requires_payment_method':
    case 'requires_confirmation':
      if (intent.last_payment_error)
        return { kind: 'failed', reason: failureReason(intent.last_payment_error) };
      return { kind: 'pending', status: 'processing', actionUrl: null, ref: intent.id };
    default:
      return { kind: 'pending', status: 'processing', actionUrl: null, ref: intent.id };
  }
}

/** A paid PaymentIntent pays this purchase only if it is for it, in full, in its currency. */
export function paysFor(intent: Stripe.PaymentIntent, purchase: Purchase): boolean {
  return (
    intent.metadata.purchase_id === purchase.id &&
    BigInt(intent.amount_received) === purchase.total &&
    intent.currency === purchase.currency.toLowerCase()
  );
}
