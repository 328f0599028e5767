// PaymentIntents: create (optionally confirming at once, on or off session), retrieve,
// confirm, cancel. A confirmation that fails answers 402 with the card error and the intent.
import type { Core } from '../core.js';
import { invalidParam, invalidRequest, missingParam } from '../errors.js';
import { newPaymentIntent } from '../objects.js';
import { createMetadata, Params } from '../params.js';
import { confirmPayment, paymentFailedError } from '../payments.js';
import { resolvePaymentMethod } from '../saved-cards.js';
import type { EventOrigin, PaymentIntent, PaymentMethod } from '../types.js';
import { type ApiRoute, respond } from './call.js';
import { checkAmount, checkCardOnly, readCurrency } from './validate.js';

const CREATE_FIELDS = [
  'amount',
  'automatic_payment_methods',
  'capture_method',
  'confirm',
  'currency',
  'customer',
  'description',
  'metadata',
  'off_session',
  'payment_method',
  'payment_method_types',
  'receipt_email',
  'return_url',
  'setup_future_usage',
] as const;
const CONFIRM_FIELDS = [
  'off_session',
  'payment_method',
  'receipt_email',
  'return_url',
  'setup_future_usage',
] as const;
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

function checkOwner(method: PaymentMethod, customerId: string | null): void {
  if (method.customer === null || method.customer === customerId) return;
  const message =
    customerId === null
      ? `The provided PaymentMethod ${method.id} is attached to a Customer; provide that Customer's id in \`customer\`.`
      : `The provided PaymentMethod ${method.id} belongs to another Customer than ${customerId}.`;
  throw invalidRequest(message, { param: 'payment_method' });
}

/** Confirms and turns a failure into the 402 Stripe answers. */
function confirm(
  core: Core,
  intent: PaymentIntent,
  method: PaymentMethod,
  offSession: boolean,
  returnUrl: string | null,
  origin: EventOrigin,
): void {
  core.store.links.set(intent.id, { checkoutSession: null, returnUrl });
  const result = confirmPayment(core, intent, method, { offSession, returnUrl, origin });
  if (result.status === 'failed') throw paymentFailedError(intent, result.error);
}

export const paymentIntentRoutes: ApiRoute[] = [
  {
    method: 'POST',
    pattern: '/v1/payment_intents',
    handler: ({ core, params, origin }) => {
      const p = Params.of(params, CREATE_FIELDS);
      const currency = readCurrency(p);
      const amount = p.requireInt('amount');
      checkAmount(amount, currency, 'amount');
      p.child('automatic_payment_methods', ['enabled', 'allow_redirects']);
      p.oneOf('capture_method', ['automatic', 'automatic_async']);
      checkCardOnly(p);
      const customerId = p.string('customer');
      if (customerId !== undefined) core.store.customer(customerId, 'customer');
      const shouldConfirm = p.bool('confirm') ?? false;
      const offSession = p.bool('off_session') ?? false;
      if (offSession && !shouldConfirm) {
        throw invalidParam('off_session', 'off_session can only be set when confirm=true.');
      }
      const paymentMethodId = p.string('payment_method');
      if (shouldConfirm && paymentMethodId === undefined) throw missingParam('payment_method');
      const fields = {
        amount,
        currency,
        customer: customerId ?? null,
        description: p.string('description') ?? null,
        metadata: createMetadata(p.metadata()),
        setupFutureUsage: p.oneOf('setup_future_usage', ['off_session', 'on_session']) ?? null,
        receiptEmail: p.string('receipt_email') ?? null,
      };
      const returnUrl = p.string('return_url') ?? null;
      const method =
        paymentMethodId === undefined ? null : resolvePaymentMethod(core, paymentMethodId, 'payment_method');
      if (method) checkOwner(method, fields.customer);
      const intent = newPaymentIntent(fields, core.now());
      core.store.paymentIntents.set(intent.id, intent);
      if (method) {
        intent.payment_method = method.id;
        intent.status = 'requires_confirmation';
      }
      core.emit('payment_intent.created', intent, origin);
      if (method && shouldConfirm) confirm(core, intent, method, offSession, returnUrl, origin);
      return respond(core, intent, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/payment_intents/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, ['client_secret']);
      return respond(core, core.store.paymentIntent(path.get('id')), p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/payment_intents/:id/confirm',
    handler: ({ core, params, path, origin }) => {
      const p = Params.of(params, CONFIRM_FIELDS);
      const intent = core.store.paymentIntent(path.get('id'));
      if (core.store.link(intent.id).checkoutSession !== null) {
        throw invalidRequest(
          'This PaymentIntent was created by a Checkout Session and is confirmed on its page.',
          {
            code: 'payment_intent_unexpected_state',
          },
        );
      }
      if (!CONFIRMABLE.includes(intent.status)) {
        throw invalidRequest(
          `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
          { code: 'payment_intent_unexpected_state' },
        );
      }
      const paymentMethodId = p.string('payment_method') ?? intent.payment_method;
      if (paymentMethodId === null) {
        throw invalidRequest(
          'You cannot confirm this PaymentIntent because it’s missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.',
          { code: 'payment_intent_unexpected_state' },
        );
      }
      const usage = p.oneOf('setup_future_usage', ['off_session', 'on_session']);
      const receiptEmail = p.string('receipt_email');
      const method = resolvePaymentMethod(core, paymentMethodId, 'payment_method');
      checkOwner(method, intent.customer);
      if (usage !== undefined) intent.setup_future_usage = usage;
      if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
      confirm(core, intent, method, p.bool('off_session') ?? false, p.string('return_url') ?? null, origin);
      return respond(core, intent, p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/payment_intents/:id/cancel',
    handler: ({ core, params, path, origin }) => {
      const p = Params.of(params, ['cancellation_reason']);
      const reason = p.oneOf('cancellation_reason', [
        'duplicate',
        'fraudulent',
        'requested_by_customer',
        'abandoned',
      ]);
      const intent = core.store.paymentIntent(path.get('id'));
      const sessionId = core.store.link(intent.id).checkoutSession;
      if (sessionId !== null && core.store.sessions.get(sessionId)?.status === 'open') {
        throw invalidRequest(
          'You cannot cancel this PaymentIntent because it belongs to an open Checkout Session; expire the session instead.',
          { code: 'payment_intent_unexpected_state' },
        );
      }
      if (!CANCELABLE.includes(intent.status)) {
        throw invalidRequest(
          `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
          { code: 'payment_intent_unexpected_state' },
        );
      }
      intent.status = 'canceled';
      intent.canceled_at = core.now();
      intent.cancellation_reason = reason ?? null;
      intent.next_action = null;
      core.emit('payment_intent.canceled', intent, origin);
      return respond(core, intent, p);
    },
  },
];
