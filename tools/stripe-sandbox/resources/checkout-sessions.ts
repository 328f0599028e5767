// Checkout Sessions: create (payment mode with price_data line items, or setup mode),
// retrieve (with expand), expire. The session's url is the sandbox's hosted checkout page.
import { expireSession } from '../checkout.js';
import type { Core } from '../core.js';
import { invalidParam, invalidRequest, missingParam } from '../errors.js';
import { newCheckoutSession, newSetupIntent, type PaymentIntentFields } from '../objects.js';
import { LIST_PARAMS, listObject } from '../list.js';
import { createMetadata, Params } from '../params.js';
import type { EventOrigin, LineItem } from '../types.js';
import { type ApiRoute, respond } from './call.js';
import { checkAmount, checkCardOnly, readCurrency } from './validate.js';

const CREATE_FIELDS = [
  'cancel_url',
  'client_reference_id',
  'currency',
  'customer',
  'customer_creation',
  'customer_email',
  'expires_at',
  'line_items',
  'locale',
  'metadata',
  'mode',
  'payment_intent_data',
  'payment_method_types',
  'setup_intent_data',
  'success_url',
  'ui_mode',
] as const;
const PAYMENT_INTENT_DATA = [
  'capture_method',
  'description',
  'metadata',
  'receipt_email',
  'setup_future_usage',
  'statement_descriptor',
  'statement_descriptor_suffix',
] as const;
const MIN_LIFETIME = 30 * 60;
const MAX_LIFETIME = 24 * 60 * 60;

function readUrl(p: Params, key: string, required: boolean): string | null {
  const value = required ? p.requireString(key) : p.string(key);
  if (value === undefined) return null;
  try {
    const url = new URL(value.replaceAll('{CHECKOUT_SESSION_ID}', 'cs'));
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // falls through to the error below
  }
  throw invalidParam(key, 'Not a valid URL', 'url_invalid');
}

function readLineItems(p: Params): LineItem[] {
  const items = p.children('line_items', ['price', 'price_data', 'quantity']);
  if (items.length === 0) throw missingParam('line_items');
  return items.map((item) => {
    const price = item.string('price');
    if (price !== undefined) {
      throw invalidRequest(`No such price: '${price}'`, {
        param: item.name('price'),
        code: 'resource_missing',
      });
    }
    const data = item.child('price_data', ['currency', 'product_data', 'tax_behavior', 'unit_amount']);
    if (!data) throw missingParam(item.name('price_data'));
    const product = data.child('product_data', ['description', 'images', 'metadata', 'name']);
    if (!product) throw missingParam(data.name('product_data'));
    const unitAmount = data.requireInt('unit_amount');
    if (unitAmount < 0)
      throw invalidParam(data.name('unit_amount'), 'This value must be greater than or equal to 0.');
    const quantity = item.requireInt('quantity');
    if (quantity < 1)
      throw invalidParam(item.name('quantity'), 'This value must be greater than or equal to 1.');
    return { name: product.requireString('name'), unitAmount, quantity, currency: readCurrency(data) };
  });
}

function readPaymentDetails(p: Params, lineItems: LineItem[]): PaymentIntentFields {
  const currency = lineItems[0]?.currency ?? '';
  if (lineItems.some((item) => item.currency !== currency)) {
    throw invalidParam('line_items', 'All line items must use the same currency.');
  }
  const amount = lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
  checkAmount(amount, currency, 'line_items');
  const data = p.child('payment_intent_data', PAYMENT_INTENT_DATA);
  data?.oneOf('capture_method', ['automatic', 'automatic_async']);
  return {
    amount,
    currency,
    customer: null,
    description: data?.string('description') ?? null,
    metadata: createMetadata(data?.metadata()),
    setupFutureUsage: data?.oneOf('setup_future_usage', ['off_session', 'on_session'] as const) ?? null,
    receiptEmail: data?.string('receipt_email') ?? null,
  };
}

function readExpiresAt(p: Params, created: number): number {
  const expiresAt = p.int('expires_at') ?? created + MAX_LIFETIME;
  if (expiresAt < created + MIN_LIFETIME) {
    throw invalidParam(
      'expires_at',
      'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
    );
  }
  if (expiresAt > created + MAX_LIFETIME) {
    throw invalidParam(
      'expires_at',
      'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
    );
  }
  return expiresAt;
}

function create(core: Core, p: Params, origin: EventOrigin): ReturnType<typeof newCheckoutSession> {
  const mode = p.oneOf('mode', ['payment', 'setup', 'subscription']);
  if (mode === undefined) throw missingParam('mode');
  if (mode === 'subscription')
    throw invalidParam('mode', 'The sandbox has no subscriptions; use payment or setup mode.');
  const uiMode = p.string('ui_mode');
  if (uiMode !== undefined && uiMode !== 'hosted')
    throw invalidParam('ui_mode', 'The sandbox serves hosted Checkout only.');
  checkCardOnly(p);
  const successUrl = readUrl(p, 'success_url', true) ?? '';
  const cancelUrl = readUrl(p, 'cancel_url', false);
  const customerId = p.string('customer') ?? null;
  const customerEmail = p.string('customer_email') ?? null;
  if (customerId !== null && customerEmail !== null) {
    throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', {
      validation: true,
    });
  }
  if (customerId !== null) core.store.customer(customerId, 'customer');
  const customerCreation = p.oneOf('customer_creation', ['always', 'if_required']) ?? null;
  if (customerCreation !== null && customerId !== null) {
    throw invalidParam(
      'customer_creation',
      '`customer_creation` can only be used when no `customer` is given.',
    );
  }
  const created = core.now();
  let lineItems: LineItem[] = [];
  let payment: PaymentIntentFields | null = null;
  if (mode === 'payment') {
    if (p.has('setup_intent_data'))
      throw invalidParam('setup_intent_data', 'setup_intent_data is for setup mode.');
    lineItems = readLineItems(p);
    payment = readPaymentDetails(p, lineItems);
  } else {
    if (p.has('line_items'))
      throw invalidParam('line_items', 'You cannot pass `line_items` in `setup` mode.');
    if (p.has('payment_intent_data')) {
      throw invalidParam('payment_intent_data', 'You cannot pass `payment_intent_data` in `setup` mode.');
    }
  }
  const setupData = p.child('setup_intent_data', ['description', 'metadata']);
  const session = newCheckoutSession(
    {
      mode,
      amountTotal: payment?.amount ?? null,
      currency: payment?.currency ?? (p.has('currency') ? readCurrency(p) : null),
      customer: customerId,
      customerEmail,
      customerCreation,
      clientReferenceId: p.string('client_reference_id') ?? null,
      metadata: createMetadata(p.metadata()),
      successUrl,
      cancelUrl,
      expiresAt: readExpiresAt(p, created),
      locale: p.string('locale') ?? null,
    },
    created,
    core.publicUrl,
  );
  if (mode === 'setup') {
    const intent = newSetupIntent(
      customerId,
      createMetadata(setupData?.metadata()),
      setupData?.string('description') ?? null,
      created,
    );
    core.store.setupIntents.set(intent.id, intent);
    core.store.links.set(intent.id, { checkoutSession: session.id, returnUrl: null });
    session.setup_intent = intent.id;
    core.emit('setup_intent.created', intent, origin);
  }
  core.store.sessions.set(session.id, session);
  core.store.checkoutDetails.set(session.id, { lineItems, payment });
  return session;
}

export const checkoutSessionRoutes: ApiRoute[] = [
  {
    method: 'POST',
    pattern: '/v1/checkout/sessions',
    handler: ({ core, params, origin }) => {
      const p = Params.of(params, CREATE_FIELDS);
      return respond(core, create(core, p, origin), p);
    },
  },
  {
    // Stripe's list, newest first, filtered by customer and status.
    method: 'GET',
    pattern: '/v1/checkout/sessions',
    handler: ({ core, params }) => {
      const p = Params.of(params, ['customer', 'status', ...LIST_PARAMS]);
      const customer = p.string('customer');
      const status = p.oneOf('status', ['open', 'complete', 'expired']);
      const sessions = [...core.store.sessions.values()].filter(
        (session) =>
          (customer === undefined || session.customer === customer) &&
          (status === undefined || session.status === status),
      );
      return listObject('/v1/checkout/sessions', sessions.reverse(), p, core.store);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/checkout/sessions/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.session(path.get('id')), p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/checkout/sessions/:id/expire',
    handler: ({ core, params, path, origin }) => {
      const p = Params.of(params, []);
      const session = core.store.session(path.get('id'));
      if (session.status !== 'open') {
        throw invalidRequest(
          `Only Checkout Sessions with a status of open can be expired; this one is ${session.status}.`,
        );
      }
      expireSession(core, session, origin);
      return respond(core, session, p);
    },
  },
];
