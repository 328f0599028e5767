// PaymentMethods and their customers: creating one from a card, Stripe's pm_card_* test ids,
// attaching and detaching.
import { TEST_PAYMENT_METHODS, type TestCard, testCard } from './cards.js';
import type { Core } from './core.js';
import { invalidRequest } from './errors.js';
import { billingDetails, newPaymentMethod } from './objects.js';
import type { BillingDetails, EventOrigin, PaymentMethod } from './types.js';

export function createPaymentMethod(core: Core, card: TestCard, billing: BillingDetails): PaymentMethod {
  const method = newPaymentMethod(card, core.now(), billing);
  core.store.paymentMethods.set(method.id, method);
  core.store.cards.set(method.id, card);
  return method;
}

/** A stored PaymentMethod, or a fresh one for a test id such as `pm_card_visa` (as Stripe does). */
export function resolvePaymentMethod(core: Core, id: string, param: string): PaymentMethod {
  const number = TEST_PAYMENT_METHODS[id];
  if (number === undefined) return core.store.paymentMethod(id, param);
  const expYear = new Date(core.now() * 1000).getUTCFullYear() + 1;
  return createPaymentMethod(core, testCard(number, 12, expYear), billingDetails(null, null));
}

export function attachPaymentMethod(
  core: Core,
  method: PaymentMethod,
  customerId: string,
  origin: EventOrigin,
): PaymentMethod {
  if (method.customer === customerId) return method;
  if (method.customer !== null) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', {
      code: 'payment_method_unexpected_state',
    });
  }
  method.customer = customerId;
  core.emit('payment_method.attached', method, origin);
  return method;
}

export function detachPaymentMethod(core: Core, method: PaymentMethod, origin: EventOrigin): PaymentMethod {
  const customerId = method.customer;
  if (customerId === null) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      { code: 'payment_method_unexpected_state' },
    );
  }
  method.customer = null;
  const customer = core.store.customers.get(customerId);
  if (customer && customer.invoice_settings.default_payment_method === method.id) {
    customer.invoice_settings.default_payment_method = null;
  }
  core.emit('payment_method.detached', method, origin);
  return method;
}

/** The customer's saved cards, newest first (the map keeps creation order), as Stripe lists them. */
export function customerPaymentMethods(core: Core, customerId: string | null): PaymentMethod[] {
  return [...core.store.paymentMethods.values()].filter((method) => method.customer === customerId).reverse();
}
