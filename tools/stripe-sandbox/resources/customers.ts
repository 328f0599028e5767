// Customers: create, retrieve, update (including invoice_settings.default_payment_method).
import type { Core } from '../core.js';
import { invalidRequest } from '../errors.js';
import { newCustomer } from '../objects.js';
import { mergeMetadata, Params } from '../params.js';
import { attachPaymentMethod, resolvePaymentMethod } from '../saved-cards.js';
import type { Address, Customer } from '../types.js';
import { type ApiRoute, respond } from './call.js';

const FIELDS = [
  'address',
  'description',
  'email',
  'invoice_settings',
  'metadata',
  'name',
  'phone',
  'preferred_locales',
] as const;
const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

/**
 * Reads every field first, so a bad one fails the request before anything changes.
 * `attaching` is the PaymentMethod a create attaches, which may also become the default.
 */
function readFields(core: Core, p: Params, customerId: string | null, attaching: string | null) {
  const email = p.nullableString('email');
  const name = p.nullableString('name');
  const description = p.nullableString('description');
  const phone = p.nullableString('phone');
  const address = p.has('address') ? readAddress(p.child('address', ADDRESS_FIELDS)) : undefined;
  const locales = p.has('preferred_locales') ? p.strings('preferred_locales') : undefined;
  const metadata = p.metadata();
  const defaultMethod = p
    .child('invoice_settings', ['default_payment_method'])
    ?.nullableString('default_payment_method');
  if (typeof defaultMethod === 'string' && defaultMethod !== attaching) {
    const owner = core.store.paymentMethods.get(defaultMethod)?.customer;
    if (owner === undefined || owner === null || owner !== customerId) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${defaultMethod}. The payment method must be attached to the customer.`,
        { param: 'invoice_settings[default_payment_method]', code: 'resource_missing' },
      );
    }
  }
  return (customer: Customer): void => {
    if (email !== undefined) customer.email = email;
    if (name !== undefined) customer.name = name;
    if (description !== undefined) customer.description = description;
    if (phone !== undefined) customer.phone = phone;
    if (address !== undefined) customer.address = address;
    if (locales !== undefined) customer.preferred_locales = locales;
    if (metadata) customer.metadata = mergeMetadata(customer.metadata, metadata);
    if (defaultMethod !== undefined) customer.invoice_settings.default_payment_method = defaultMethod;
  };
}

function readAddress(address: Params | undefined): Address | null {
  if (!address) return null;
  return {
    city: address.string('city') ?? null,
    country: address.string('country') ?? null,
    line1: address.string('line1') ?? null,
    line2: address.string('line2') ?? null,
    postal_code: address.string('postal_code') ?? null,
    state: address.string('state') ?? null,
  };
}

export const customerRoutes: ApiRoute[] = [
  {
    method: 'POST',
    pattern: '/v1/customers',
    handler: ({ core, params, origin }) => {
      const p = Params.of(params, [...FIELDS, 'payment_method']);
      const paymentMethodId = p.string('payment_method');
      const apply = readFields(core, p, null, paymentMethodId ?? null);
      const method =
        paymentMethodId === undefined ? null : resolvePaymentMethod(core, paymentMethodId, 'payment_method');
      const customer = newCustomer(core.now());
      if (method) attachPaymentMethod(core, method, customer.id, origin);
      core.store.customers.set(customer.id, customer);
      apply(customer);
      if (method && customer.invoice_settings.default_payment_method === paymentMethodId) {
        customer.invoice_settings.default_payment_method = method.id;
      }
      return respond(core, customer, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/customers/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.customer(path.get('id')), p);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/customers/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, FIELDS);
      const customer = core.store.customer(path.get('id'));
      readFields(core, p, customer.id, null)(customer);
      return respond(core, customer, p);
    },
  },
];
