// The API's ground rules through the real SDK: the secret key, Stripe's error shapes for
// unknown ids, parameters and URLs, customers, form encoding and expand.
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxStripeConfig } from '../../../tools/stripe-sandbox/index.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

describe('authentication', () => {
  it('a wrong secret key is refused with 401 and Stripe error shape', async () => {
    const wrong = new Stripe('sk_test_not_the_key_1234', sandboxStripeConfig(h.sandbox.url));
    const error = await wrong.customers.create({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({
      statusCode: 401,
      message: 'Invalid API Key provided: sk_test_************1234',
    });
  });

  it('a request without a key is refused, and Basic auth with the key is accepted', async () => {
    const missing = await fetch(`${h.sandbox.url}/v1/customers`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('You did not provide an API key'),
      },
    });
    const basic = await fetch(`${h.sandbox.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${h.sandbox.secretKey}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    expect(basic.headers.get('request-id')).toMatch(/^req_/);
  });
});

describe('customers', () => {
  it('creates, retrieves and updates a customer; an empty metadata value removes the key', async () => {
    const created = await h.stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      metadata: { account_id: 'acc_1', plan: 'prepaid' },
      address: { country: 'ES', city: 'Madrid' },
    });
    expect(created).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      livemode: false,
      metadata: { account_id: 'acc_1', plan: 'prepaid' },
      address: { country: 'ES', city: 'Madrid', line1: null },
      invoice_settings: { default_payment_method: null },
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(await h.stripe.customers.retrieve(created.id)).toEqual(JSON.parse(JSON.stringify(created)));

    const updated = await h.stripe.customers.update(created.id, { name: 'Ada King', metadata: { plan: '' } });
    expect(updated).toMatchObject({
      name: 'Ada King',
      email: 'ada@example.com',
      metadata: { account_id: 'acc_1' },
    });
    expect(updated.metadata).not.toHaveProperty('plan');
  });

  it('creating with payment_method attaches it and can make it the default', async () => {
    const customer = await h.stripe.customers.create({
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const methods = await h.stripe.customers.listPaymentMethods(customer.id);
    expect(methods.data).toHaveLength(1);
    expect(customer.invoice_settings.default_payment_method).toBe(methods.data[0]?.id);
    const expanded = await h.stripe.customers.retrieve(customer.id, {
      expand: ['invoice_settings.default_payment_method'],
    });
    expect(expanded).toMatchObject({
      invoice_settings: { default_payment_method: { object: 'payment_method', card: { last4: '4242' } } },
    });
  });
});

describe('errors', () => {
  it('an unknown id is a 404 resource_missing naming the id', async () => {
    const error = await h.stripe.customers.retrieve('cus_doesnotexist').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_doesnotexist'",
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    });
    await expect(h.stripe.paymentIntents.retrieve('pi_nope')).rejects.toMatchObject({
      code: 'resource_missing',
    });
    await expect(h.stripe.checkout.sessions.retrieve('cs_test_nope')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(h.stripe.setupIntents.retrieve('seti_nope')).rejects.toMatchObject({ statusCode: 404 });
    await expect(h.stripe.paymentMethods.retrieve('pm_nope')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('an unknown parameter is refused, as Stripe refuses it', async () => {
    // Fields the SDK's types do not know, as a typo in the provider would send them.
    const withColour = { email: 'a@example.com', colour: 'blue' };
    await expect(h.stripe.customers.create(withColour)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'colour',
    });
    const priceData = { currency: 'eur', unit_amount: 100, product_data: { name: 'x' }, colour: '1' };
    const nested: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      success_url: 'https://shop.example/ok',
      line_items: [{ quantity: 1, price_data: priceData }],
    };
    await expect(h.stripe.checkout.sessions.create(nested)).rejects.toMatchObject({
      param: 'line_items[0][price_data][colour]',
    });
  });

  it('an unknown URL is a 404 invalid_request_error', async () => {
    const response = await fetch(`${h.sandbox.url}/v1/subscriptions`, {
      headers: { authorization: `Bearer ${h.sandbox.secretKey}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('Unrecognized request URL (GET: /v1/subscriptions)'),
      },
    });
  });

  it('expand names only expandable fields', async () => {
    const customer = await h.stripe.customers.create({});
    await expect(h.stripe.customers.retrieve(customer.id, { expand: ['email'] })).rejects.toMatchObject({
      param: 'expand',
    });
  });
});

describe('form encoding', () => {
  it('decodes a raw form with nested brackets and expand[] as the SDK sends them', async () => {
    const customer = await h.stripe.customers.create({});
    const body = [
      'mode=payment',
      `customer=${customer.id}`,
      'success_url=https%3A%2F%2Fshop.example%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D',
      'line_items[0][quantity]=3',
      'line_items[0][price_data][currency]=eur',
      'line_items[0][price_data][unit_amount]=150',
      'line_items[0][price_data][product_data][name]=SMS+pack',
      'metadata[order_id]=o%2F1',
      'expand[]=customer',
    ].join('&');
    const response = await fetch(`${h.sandbox.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.sandbox.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      amount_total: 450,
      currency: 'eur',
      metadata: { order_id: 'o/1' },
      customer: { id: customer.id, object: 'customer' },
      success_url: 'https://shop.example/ok?s={CHECKOUT_SESSION_ID}',
    });
  });
});
