// PaymentMethods: list a customer's cards, retrieve, attach, detach. Cards are created by the
// hosted checkout page or from Stripe's pm_card_* test ids. Attaching a card its issuer
// declines (0002, 9995) answers 402 card_declined, as on Stripe.
import { setupOutcome } from '../cards.js';
import { cardDeclined, resourceMissing, StripeApiError } from '../errors.js';
import { LIST_PARAMS, listObject } from '../list.js';
import { Params } from '../params.js';
import {
  attachPaymentMethod,
  customerPaymentMethods,
  detachPaymentMethod,
  resolvePaymentMethod,
} from '../saved-cards.js';
import type { Core } from '../core.js';
import type { JsonObject } from '../types.js';
import { type ApiRoute, respond } from './call.js';

function cardList(core: Core, url: string, customerId: string | null, p: Params): JsonObject {
  const type = p.string('type');
  const methods = type === undefined || type === 'card' ? customerPaymentMethods(core, customerId) : [];
  return listObject(url, methods, p, core.store);
}

export const paymentMethodRoutes: ApiRoute[] = [
  {
    method: 'GET',
    pattern: '/v1/payment_methods',
    handler: ({ core, params }) => {
      const p = Params.of(params, ['customer', 'type', ...LIST_PARAMS]);
      const customerId = p.string('customer');
      if (customerId !== undefined) core.store.customer(customerId, 'customer');
      return cardList(core, '/v1/payment_methods', customerId ?? null, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/payment_methods',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, ['type', 'allow_redisplay', ...LIST_PARAMS]);
      const customer = core.store.customer(path.get('customer'), 'customer');
      return cardList(core, `/v1/customers/${customer.id}/payment_methods`, customer.id, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/payment_methods/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      const customer = core.store.customer(path.get('customer'), 'customer');
      const method = core.store.paymentMethod(path.get('id'));
      if (method.customer !== customer.id) throw resourceMissing('PaymentMethod', method.id);
      return respond(core, method, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/payment_methods/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.paymentMethod(path.get('id')), p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/payment_methods/:id/attach',
    handler: ({ core, params, path, origin }) => {
      const p = Params.of(params, ['customer']);
      const customer = core.store.customer(p.requireString('customer'), 'customer');
      const method = resolvePaymentMethod(core, path.get('id'), 'payment_method');
      // Attaching verifies the card with its issuer: a card declined there is not attached.
      const outcome = setupOutcome(core.store.card(method.id));
      if (outcome.kind === 'decline' && method.customer !== customer.id) {
        throw new StripeApiError(402, cardDeclined(outcome.declineCode, method));
      }
      return respond(core, attachPaymentMethod(core, method, customer.id, origin), p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/payment_methods/:id/detach',
    handler: ({ core, params, path, origin }) => {
      const p = Params.of(params, []);
      return respond(core, detachPaymentMethod(core, core.store.paymentMethod(path.get('id')), origin), p);
    },
  },
];
