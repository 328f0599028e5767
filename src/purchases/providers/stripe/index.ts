// Card payments through Stripe: the purchase core's `card` PaymentProvider, saved cards, the
// Stripe webhook and the worker's convergence. The same code talks to Stripe and to the local
// Stripe sandbox (tools/stripe-sandbox). Stripe's types stay in this folder: the rest of the
// product sees the PaymentProvider contract (../types.ts), the routes, and the job.
//
// May import: config, context, db, http, accounts (through its index), the purchase core
// (purchase.ts, settle.ts, refund-purchase.ts, ../types.ts) and the `stripe` SDK.
//
//   provider.ts      startPayment (Checkout Session, or a saved card charged at once), cancel, refund
//   converge.ts      re-read from Stripe -> settlePaid / markFailed / updatePaymentDetails
//   events.ts        webhook events stored by id, processed once, as a signal to converge
//   routes.ts        /cards, /cards/setup, /cards/{id}, /webhooks/stripe, re-read on GET /purchases/{id}
//   jobs.ts          the worker re-reads card purchases still awaiting payment (no webhooks needed)
//   customers.ts     one Stripe Customer per account (stripe_customers)
//   sandbox.ts       the in-process sandbox for `serve` without STRIPE_SECRET_KEY
//   health.ts        the readiness probe (GET /health/ready)
export { findCard, type SavedCard } from './cards.js';
export { stripeConfigured } from './client.js';
export { stripeProbe } from './health.js';
export { convergeCardPayments, STRIPE_JOBS } from './jobs.js';
export { STRIPE_PROVIDER_ID, StripeProvider, stripeProvider } from './provider.js';
export { stripeRoutes, WEBHOOK_PATH } from './routes.js';
export { assertStripeForProduction, type InProcessSandbox, startInProcessSandbox } from './sandbox.js';
