// Idempotency keys of every POST to Stripe, derived from our own ids: a retry (by the SDK, by
// the worker, by a second process) sends the same key and Stripe answers with the first
// result instead of doing it again (within Stripe's 24 hours).
export const idempotencyKeys = {
  /** The one Customer of an account. */
  customer: (accountId: string) => `customer:${accountId}`,
  /** The Checkout Session or PaymentIntent of a purchase (the core passes it as `purchase:<id>`). */
  purchase: (purchaseId: string) => `purchase:${purchaseId}`,
  /** An automatic refill's payment the bank wants authenticated, confirmed again on-session. */
  authenticate: (purchaseId: string) => `purchase:${purchaseId}:authenticate`,
  /** Closing a purchase's payment that will not be completed. */
  cancel: (purchaseId: string) => `purchase:${purchaseId}:cancel`,
  /** The money of a refund going back (the core passes it as `refund:<id>`). */
  refund: (refundId: string) => `refund:${refundId}`,
  /** A Checkout Session in setup mode: one per POST /cards/setup. */
  setup: (accountId: string, setupId: string) => `setup:${accountId}:${setupId}`,
  /** Removing a saved card. */
  detach: (accountId: string, cardId: string) => `card:${accountId}:${cardId}:detach`,
} as const;
