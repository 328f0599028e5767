// The hosted pages a customer's browser visits: /checkout/:id (GET shows the form, POST pays
// or saves the card) and /authenticate/:id (Approve or Fail). Errors show on the page; a
// success redirects (303) to the session's success_url.
import { readCardInput } from '../cards.js';
import { closedMessage, completeSession, submitCard, successLocation } from '../checkout.js';
import type { Core } from '../core.js';
import type { ParamMap } from '../form.js';
import { billingDetails } from '../objects.js';
import { finishPaymentAuthentication } from '../payments.js';
import { type Route, matchRoute } from '../router.js';
import { finishSetupAuthentication } from '../setups.js';
import type { CheckoutSession, PaymentIntent, SetupIntent } from '../types.js';
import { EMPTY_FORM, renderCheckout, renderClosed } from './checkout-page.js';
import { renderAuthenticate, renderMessage } from './authenticate-page.js';

export type PageReply = { status: number; html: string } | { status: 303; location: string };

type PageHandler = (core: Core, id: string, form: ParamMap) => PageReply;

function field(form: ParamMap, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value : '';
}

function notFound(): PageReply {
  return { status: 404, html: renderMessage('Not found', 'There is no such checkout session or payment.') };
}

/** The error the customer last met on this session (a decline, a failed authentication). */
function lastError(core: Core, session: CheckoutSession): string | null {
  if (session.payment_intent !== null) {
    const intent = core.store.paymentIntents.get(session.payment_intent);
    return intent?.status === 'requires_payment_method' ? (intent.last_payment_error?.message ?? null) : null;
  }
  if (session.setup_intent !== null) {
    const intent = core.store.setupIntents.get(session.setup_intent);
    return intent?.status === 'requires_payment_method' ? (intent.last_setup_error?.message ?? null) : null;
  }
  return null;
}

const showCheckout: PageHandler = (core, id) => {
  const session = core.store.sessions.get(id);
  if (!session) return notFound();
  if (session.status !== 'open') return { status: 200, html: renderClosed(session, closedMessage(session)) };
  return { status: 200, html: renderCheckout(core, session, EMPTY_FORM, lastError(core, session)) };
};

const submitCheckout: PageHandler = (core, id, form) => {
  const session = core.store.sessions.get(id);
  if (!session) return notFound();
  if (session.status !== 'open') return { status: 409, html: renderClosed(session, closedMessage(session)) };
  const values = {
    email: field(form, 'email'),
    name: field(form, 'billing_name'),
    number: field(form, 'card_number'),
    expiry: field(form, 'card_expiry'),
  };
  const card = readCardInput(
    { number: values.number, expiry: values.expiry, cvc: field(form, 'card_cvc') },
    new Date(core.now() * 1000),
  );
  if ('error' in card) return { status: 400, html: renderCheckout(core, session, values, card.error) };
  const billing = billingDetails(values.name || null, values.email || null);
  const outcome = submitCard(core, session, card, billing);
  if (outcome.kind === 'redirect') return { status: 303, location: outcome.location };
  if (outcome.kind === 'closed') return { status: 409, html: renderClosed(session, outcome.message) };
  return { status: 402, html: renderCheckout(core, session, values, outcome.message) };
};

function findIntent(core: Core, id: string): PaymentIntent | SetupIntent | undefined {
  return core.store.paymentIntents.get(id) ?? core.store.setupIntents.get(id);
}

const showAuthenticate: PageHandler = (core, id) => {
  const intent = findIntent(core, id);
  if (!intent) return notFound();
  if (intent.status !== 'requires_action') {
    return {
      status: 200,
      html: renderMessage('Nothing to authenticate', `This payment is ${intent.status}.`),
    };
  }
  return { status: 200, html: renderAuthenticate(core, intent) };
};

/** Where the browser goes after authenticating an intent made by the API with a return_url. */
function returnLocation(returnUrl: string, intent: PaymentIntent | SetupIntent, succeeded: boolean): string {
  const url = new URL(returnUrl);
  const name = intent.object === 'payment_intent' ? 'payment_intent' : 'setup_intent';
  url.searchParams.set(name, intent.id);
  url.searchParams.set(`${name}_client_secret`, intent.client_secret);
  url.searchParams.set('redirect_status', succeeded ? 'succeeded' : 'failed');
  return url.toString();
}

const submitAuthenticate: PageHandler = (core, id, form) => {
  const intent = findIntent(core, id);
  if (!intent) return notFound();
  if (intent.status !== 'requires_action') {
    return {
      status: 409,
      html: renderMessage('Nothing to authenticate', `This payment is ${intent.status}.`),
    };
  }
  const approved = field(form, 'action') === 'approve';
  const result =
    intent.object === 'payment_intent'
      ? finishPaymentAuthentication(core, intent, approved)
      : finishSetupAuthentication(core, intent, approved);
  const succeeded = result.status === 'succeeded';
  const link = core.store.link(intent.id);
  const session = link.checkoutSession === null ? undefined : core.store.sessions.get(link.checkoutSession);
  if (session) {
    // Relative to this page, like every link between the hosted pages.
    if (!succeeded) return { status: 303, location: `../checkout/${session.id}` };
    const method =
      intent.payment_method === null ? undefined : core.store.paymentMethods.get(intent.payment_method);
    completeSession(core, session, method?.billing_details ?? billingDetails(null, null));
    return { status: 303, location: successLocation(session) };
  }
  if (link.returnUrl !== null)
    return { status: 303, location: returnLocation(link.returnUrl, intent, succeeded) };
  return succeeded
    ? { status: 200, html: renderMessage('Authentication approved', 'The payment went through.') }
    : { status: 200, html: renderMessage('Authentication failed', 'The payment was not made.') };
};

const PAGE_ROUTES: Route<PageHandler>[] = [
  { method: 'GET', pattern: '/checkout/:id', handler: showCheckout },
  { method: 'POST', pattern: '/checkout/:id', handler: submitCheckout },
  { method: 'GET', pattern: '/authenticate/:id', handler: showAuthenticate },
  { method: 'POST', pattern: '/authenticate/:id', handler: submitAuthenticate },
];

export function handlePage(core: Core, method: string, path: string, form: ParamMap): PageReply | null {
  const match = matchRoute(PAGE_ROUTES, method, path);
  return match ? match.handler(core, match.params.get('id'), form) : null;
}
