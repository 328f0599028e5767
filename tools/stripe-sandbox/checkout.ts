// What happens to a Checkout Session once it exists: the customer pays (or saves a card) on
// the hosted page, the session completes or expires. Creation and retrieval are in
// resources/checkout-sessions.ts; the HTML is in pages/.
import type { TestCard } from './cards.js';
import { type Core, NO_REQUEST } from './core.js';
import { newCustomer, newPaymentIntent } from './objects.js';
import { confirmPayment } from './payments.js';
import { createPaymentMethod } from './saved-cards.js';
import { confirmSetup } from './setups.js';
import type { BillingDetails, CheckoutSession, EventOrigin, PaymentIntent } from './types.js';

export type CheckoutOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'declined'; message: string }
  | { kind: 'closed'; message: string };

/** success_url with {CHECKOUT_SESSION_ID} filled in, as Stripe does. */
export function successLocation(session: CheckoutSession): string {
  return session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}

/**
 * The authenticate page as seen from the checkout page: relative, so that it works whatever
 * address (a reverse proxy, a path prefix) the browser reached the sandbox through.
 */
export function authenticateLocation(intentId: string): string {
  return `../authenticate/${intentId}`;
}

export function submitCard(
  core: Core,
  session: CheckoutSession,
  card: TestCard,
  billing: BillingDetails,
): CheckoutOutcome {
  if (session.status !== 'open') return { kind: 'closed', message: closedMessage(session) };
  return session.mode === 'setup'
    ? submitSetup(core, session, card, billing)
    : submitPayment(core, session, card, billing);
}

export function closedMessage(session: CheckoutSession): string {
  return session.status === 'complete'
    ? 'This checkout session is already complete.'
    : 'This checkout session has expired.';
}

function submitPayment(
  core: Core,
  session: CheckoutSession,
  card: TestCard,
  billing: BillingDetails,
): CheckoutOutcome {
  const intent = sessionIntent(core, session);
  if (intent.status === 'requires_action')
    return { kind: 'redirect', location: authenticateLocation(intent.id) };
  if (intent.setup_future_usage !== null || session.customer_creation === 'always') {
    intent.customer = ensureCustomer(core, session, billing);
  }
  const method = createPaymentMethod(core, card, billing);
  const result = confirmPayment(core, intent, method, {
    offSession: false,
    returnUrl: null,
    origin: NO_REQUEST,
  });
  if (result.status === 'failed') return { kind: 'declined', message: result.error.message };
  if (result.status === 'requires_action')
    return { kind: 'redirect', location: authenticateLocation(intent.id) };
  completeSession(core, session, billing);
  return { kind: 'redirect', location: successLocation(session) };
}

function submitSetup(
  core: Core,
  session: CheckoutSession,
  card: TestCard,
  billing: BillingDetails,
): CheckoutOutcome {
  const intent = core.store.setupIntent(session.setup_intent ?? '', 'setup_intent');
  if (intent.status === 'requires_action')
    return { kind: 'redirect', location: authenticateLocation(intent.id) };
  if (session.customer_creation === 'always') intent.customer = ensureCustomer(core, session, billing);
  const method = createPaymentMethod(core, card, billing);
  const result = confirmSetup(core, intent, method, NO_REQUEST);
  if (result.status === 'failed') return { kind: 'declined', message: result.message };
  if (result.status === 'requires_action')
    return { kind: 'redirect', location: authenticateLocation(intent.id) };
  completeSession(core, session, billing);
  return { kind: 'redirect', location: successLocation(session) };
}

/** Like Stripe since 2022-08-01, a payment session gets its PaymentIntent at the first attempt. */
function sessionIntent(core: Core, session: CheckoutSession): PaymentIntent {
  if (session.payment_intent !== null)
    return core.store.paymentIntent(session.payment_intent, 'payment_intent');
  const details = core.store.checkoutDetails.get(session.id);
  if (!details?.payment) throw new Error(`checkout session ${session.id} has no payment details`);
  const intent = newPaymentIntent({ ...details.payment, customer: session.customer }, core.now());
  core.store.paymentIntents.set(intent.id, intent);
  core.store.links.set(intent.id, { checkoutSession: session.id, returnUrl: null });
  session.payment_intent = intent.id;
  core.emit('payment_intent.created', intent, NO_REQUEST);
  return intent;
}

/** The session's customer, created from the entered details when there is none yet. */
function ensureCustomer(core: Core, session: CheckoutSession, billing: BillingDetails): string {
  if (session.customer !== null) return session.customer;
  const customer = newCustomer(core.now());
  customer.email = billing.email ?? session.customer_email;
  customer.name = billing.name;
  core.store.customers.set(customer.id, customer);
  session.customer = customer.id;
  return customer.id;
}

export function completeSession(core: Core, session: CheckoutSession, billing: BillingDetails): void {
  const customer = session.customer === null ? undefined : core.store.customers.get(session.customer);
  session.status = 'complete';
  session.payment_status = session.mode === 'payment' ? 'paid' : 'no_payment_required';
  session.customer_details = {
    address: null,
    email: billing.email ?? customer?.email ?? session.customer_email,
    name: billing.name ?? customer?.name ?? null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  session.url = null;
  core.emit('checkout.session.completed', session, NO_REQUEST);
}

/** Expires an open session; its unfinished PaymentIntent or SetupIntent is canceled, as Stripe does. */
export function expireSession(core: Core, session: CheckoutSession, origin: EventOrigin): void {
  session.status = 'expired';
  session.url = null;
  const setup = session.setup_intent === null ? undefined : core.store.setupIntents.get(session.setup_intent);
  if (setup && setup.status !== 'succeeded') {
    setup.status = 'canceled';
    setup.cancellation_reason = 'abandoned';
    setup.next_action = null;
  }
  if (session.payment_intent !== null) {
    const intent = core.store.paymentIntent(session.payment_intent, 'payment_intent');
    if (intent.status !== 'succeeded' && intent.status !== 'canceled') {
      intent.status = 'canceled';
      intent.canceled_at = core.now();
      intent.cancellation_reason = 'abandoned';
      intent.next_action = null;
      core.emit('payment_intent.canceled', intent, origin);
    }
  }
  core.emit('checkout.session.expired', session, origin);
}

/** Expires every open session whose expires_at has passed (run on a timer). */
export function expireDueSessions(core: Core): void {
  const now = core.now();
  for (const session of core.store.sessions.values()) {
    if (session.status === 'open' && session.expires_at <= now) expireSession(core, session, NO_REQUEST);
  }
}
