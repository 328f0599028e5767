// The contract between the purchase core and whoever takes the money. A provider is picked by
// payment method from the registry (registry.ts); nothing above this interface touches a
// payment service's own types. Providers may import src/purchases (settle.ts, purchase.ts) and
// their own SDK; the purchase core imports only this file and the registry.
//
// Write in a transaction, call out outside it, converge: the core records the purchase
// (awaiting_payment) and commits BEFORE startPayment is called; the provider then reports what
// it learns through the settle functions, which are safe to call any number of times, in any
// order, from any process:
//
//   settlePaid(ctx, purchaseId, { paidAt, method: 'card', providerRef })  // credits exactly once
//   markFailed(ctx, purchaseId, reason)                                   // never fails a settled one
//   updatePaymentDetails(ctx, purchaseId, { providerRef, checkoutUrl, providerStatus })
import type { AppContext } from '../../context.js';
import type { Money } from '../../pricing/money.js';
import type { PaymentMethod, Purchase } from '../purchase.js';

/** What a card payment looks like from the customer's side (GET /purchases/{id} `card.status`). */
export type CardPaymentStatus = 'checkout' | 'processing' | 'requires_action' | 'succeeded' | 'failed';

export interface StartPaymentInput {
  purchase: Purchase;
  /** A saved card to charge at once (off-session or on-session), or null for a checkout page. */
  cardId: string | null;
  saveCard: boolean;
  /** `purchase:<id>`: pass it as the idempotency key of every call to the payment service. */
  idempotencyKey: string;
}

export interface StartPaymentResult {
  /** The payment service's id of this payment (a Checkout Session, a PaymentIntent…). */
  providerRef: string | null;
  /** Where the customer pays (hosted checkout), if anywhere. */
  checkoutUrl: string | null;
  status: CardPaymentStatus | null;
}

export interface ProviderRefundInput {
  refundId: string;
  purchase: Purchase;
  /** The money to give back (the refund's total, tax included). */
  amount: Money;
  /** `refund:<id>`: the idempotency key for the payment service. */
  idempotencyKey: string;
}

export type ProviderRefundResult =
  /** The money goes back by the service (succeeded now, or pending until it reports). */
  | { status: 'succeeded' | 'pending'; providerRef: string | null }
  /** Nobody but the operator can send it back (a bank transfer): listed for a person. */
  | { status: 'to_be_paid_by_operator'; providerRef: null }
  | { status: 'failed'; reason: string; providerRef: string | null };

export interface PaymentProvider {
  /** Static and stable: stored on each purchase (`purchases.provider`). */
  readonly id: string;
  readonly method: PaymentMethod;
  /** Called once, after the purchase row committed; may settle the purchase itself (a saved card). */
  startPayment(ctx: AppContext, input: StartPaymentInput): Promise<StartPaymentResult>;
  /** The customer canceled an unpaid purchase: stop any payment page or intent still open. */
  cancelPayment(ctx: AppContext, purchase: Purchase): Promise<void>;
  /** Sends money back for a refund of unused credits (the ledger reversal is already committed). */
  refund(ctx: AppContext, input: ProviderRefundInput): Promise<ProviderRefundResult>;
}
