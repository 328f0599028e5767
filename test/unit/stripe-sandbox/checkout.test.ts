// Checkout Sessions driven by the real SDK, paid through the hosted page with Stripe's test
// cards, with the webhooks a real endpoint would receive.
import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticate,
  CANCEL_URL,
  type Harness,
  location,
  paymentSession,
  SUCCESS_URL,
  startHarness,
  submitCheckout,
} from './helpers.js';

let h: Harness;
let customer: Stripe.Customer;

beforeEach(async () => {
  h = await startHarness();
  customer = await h.stripe.customers.create({ email: 'ada@example.com', name: 'Ada Lovelace' });
});
afterEach(() => h.close());

function expandedIntent(session: Stripe.Checkout.Session): Stripe.PaymentIntent {
  const intent = session.payment_intent;
  if (typeof intent !== 'object' || intent === null) throw new Error('payment_intent was not expanded');
  return intent;
}

describe('the hosted checkout page', () => {
  it('shows SANDBOX, the amount and currency, the card form, Pay and Cancel', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    expect(session.url).toBe(`${h.sandbox.publicUrl}/checkout/${session.id}`);
    const page = await fetch(session.url ?? '');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('SANDBOX');
    expect(html).toContain('€45.00');
    expect(html).toContain('EUR');
    expect(html).toContain('1,000 credits');
    expect(html).toMatch(/<button[^>]*type="submit"[^>]*>Pay €45.00<\/button>/);
    expect(html).toContain(`href="${CANCEL_URL}">Cancel</a>`);
    expect(html).toContain('value="ada@example.com"');
  });

  it('answers 404 for an unknown session', async () => {
    const page = await fetch(`${h.sandbox.url}/checkout/cs_test_nope`);
    expect(page.status).toBe(404);
  });
});

describe('paying a payment-mode session', () => {
  it('4242 4242 4242 4242 completes the session, redirects to success_url and saves the card', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    expect(session).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      amount_total: 4500,
    });

    const response = await submitCheckout(session.url ?? '', { number: '4242 4242 4242 4242' });
    expect(response.status).toBe(303);
    expect(location(response)).toBe(SUCCESS_URL.replace('{CHECKOUT_SESSION_ID}', session.id));

    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'order_1',
      metadata: { order_id: 'order_1' },
      customer: customer.id,
      url: null,
    });
    expect(done.customer_details?.email).toBe('ada@example.com');
    const intent = expandedIntent(done);
    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 4500,
      amount_received: 4500,
      currency: 'eur',
      customer: customer.id,
      metadata: { order_id: 'order_1' },
      setup_future_usage: 'off_session',
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.latest_charge).toMatch(/^ch_/);
    expect(intent.payment_method).toMatch(/^pm_/);

    const saved = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(saved.data.map((method) => method.id)).toEqual([intent.payment_method]);
    expect(saved.data[0]?.card).toMatchObject({
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
    });

    const [completed] = await h.receiver.waitFor('checkout.session.completed');
    const [succeeded] = await h.receiver.waitFor('payment_intent.succeeded');
    await h.receiver.waitFor('payment_method.attached');
    expect(completed?.data.object).toMatchObject({
      id: session.id,
      payment_status: 'paid',
      payment_intent: intent.id,
    });
    expect(succeeded?.data.object).toMatchObject({ id: intent.id, status: 'succeeded' });
    expect(h.receiver.rejected).toEqual([]);
  });

  it('a declined card shows the error and a second card pays the same PaymentIntent', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const declined = await submitCheckout(session.url ?? '', { number: '4000 0000 0000 0002' });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');

    const afterDecline = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent'],
    });
    expect(afterDecline.status).toBe('open');
    const failed = expandedIntent(afterDecline);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const failedCharge = await h.stripe.charges.retrieve(String(failed.latest_charge));
    expect(failedCharge).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined' });
    expect(await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' })).toMatchObject({
      data: [],
    });

    const paid = await submitCheckout(session.url ?? '', { number: '4242424242424242' });
    expect(paid.status).toBe(303);
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(done.payment_intent).toBe(failed.id);
    expect(done.status).toBe('complete');

    const [failure] = await h.receiver.waitFor('payment_intent.payment_failed');
    const [success] = await h.receiver.waitFor('payment_intent.succeeded');
    expect(failure?.data.object).toMatchObject({ id: failed.id, status: 'requires_payment_method' });
    expect(success?.data.object).toMatchObject({ id: failed.id, status: 'succeeded' });
  });

  it('4000 0000 0000 9995 is declined for insufficient funds', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const response = await submitCheckout(session.url ?? '', { number: '4000000000009995' });
    expect(response.status).toBe(402);
    expect(await response.text()).toContain('Your card has insufficient funds.');
    const intent = expandedIntent(
      await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] }),
    );
    expect(intent.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
  });

  it('a number that fails the Luhn check is refused on the page and creates nothing', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const response = await submitCheckout(session.url ?? '', { number: '4242 4242 4242 4241' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Your card number is invalid.');
    const expired = await submitCheckout(session.url ?? '', {
      number: '4242424242424242',
      expiry: '01 / 20',
    });
    expect(await expired.text()).toContain('expiration date is in the past.');
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).payment_intent).toBeNull();
  });

  it('another Luhn-valid number (a Mastercard) succeeds', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const response = await submitCheckout(session.url ?? '', { number: '5555 5555 5555 4444' });
    expect(response.status).toBe(303);
    const intent = expandedIntent(
      await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.payment_method'] }),
    );
    expect(intent.payment_method).toMatchObject({ card: { brand: 'mastercard', last4: '4444' } });
  });
});

describe('3D Secure on the hosted page (4000 0027 6000 3184)', () => {
  it('Approve completes the payment and redirects to success_url', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const response = await submitCheckout(session.url ?? '', { number: '4000 0027 6000 3184' });
    expect(response.status).toBe(303);
    const authUrl = location(response);
    expect(authUrl).toMatch(new RegExp(`^${h.sandbox.publicUrl}/authenticate/pi_`));

    const pending = expandedIntent(
      await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] }),
    );
    expect(pending.status).toBe('requires_action');
    expect(pending.next_action?.redirect_to_url?.url).toBe(authUrl);
    const page = await (await fetch(authUrl)).text();
    expect(page).toContain('SANDBOX');
    expect(page).toContain('€45.00');

    const approved = await authenticate(authUrl, 'approve');
    expect(approved.status).toBe(303);
    expect(location(approved)).toBe(SUCCESS_URL.replace('{CHECKOUT_SESSION_ID}', session.id));
    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done.status).toBe('complete');
    expect(expandedIntent(done).status).toBe('succeeded');
    await h.receiver.waitFor('payment_intent.requires_action');
    await h.receiver.waitFor('checkout.session.completed');
  });

  it('Fail returns to the checkout page with the error and leaves the session open', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const authUrl = location(await submitCheckout(session.url ?? '', { number: '4000002760003184' }));
    const failed = await authenticate(authUrl, 'fail');
    expect(location(failed)).toBe(session.url);
    expect(await (await fetch(location(failed))).text()).toContain(
      'We are unable to authenticate your payment method',
    );

    const open = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(open.status).toBe('open');
    expect(expandedIntent(open)).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure' },
    });
    await h.receiver.waitFor('payment_intent.payment_failed');
    const again = await fetch(authUrl, { method: 'POST', body: new URLSearchParams({ action: 'approve' }) });
    expect(again.status).toBe(409);
  });
});

describe('setup mode', () => {
  it('saves the card to the customer through a SetupIntent', async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      success_url: SUCCESS_URL,
      setup_intent_data: { metadata: { purpose: 'auto-refill' } },
    });
    expect(session.setup_intent).toMatch(/^seti_/);
    expect(session.payment_status).toBe('no_payment_required');
    const page = await (await fetch(session.url ?? '')).text();
    expect(page).toContain('Save card');

    const response = await submitCheckout(session.url ?? '', { number: '4242424242424242' });
    expect(response.status).toBe(303);
    const intent = await h.stripe.setupIntents.retrieve(String(session.setup_intent));
    expect(intent).toMatchObject({
      status: 'succeeded',
      usage: 'off_session',
      customer: customer.id,
      metadata: { purpose: 'auto-refill' },
    });
    const saved = await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(saved.data.map((method) => method.id)).toEqual([intent.payment_method]);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
    await h.receiver.waitFor('setup_intent.succeeded');
    await h.receiver.waitFor('checkout.session.completed');
  });
});

describe('setup mode with a card the issuer declines', () => {
  async function setupSession() {
    return h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      success_url: SUCCESS_URL,
      cancel_url: CANCEL_URL,
    });
  }

  it.each([
    ['4000000000000002', 'generic_decline', 'Your card was declined.'],
    ['4000000000009995', 'insufficient_funds', 'Your card has insufficient funds.'],
  ])('%s: the SetupIntent fails with card_declined / %s, nothing is saved', async (number, code, message) => {
    const session = await setupSession();
    const response = await submitCheckout(session.url ?? '', { number });
    expect(response.status).toBe(402);
    const html = await response.text();
    expect(html).toContain('data-testid="checkout-error"');
    expect(html).toContain(message);
    const intent = await h.stripe.setupIntents.retrieve(String(session.setup_intent));
    expect(intent).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: code,
        message,
        payment_method: { object: 'payment_method', card: { last4: number.slice(-4) } },
      },
    });
    const saved = await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(saved.data).toEqual([]);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    const [failed] = await h.receiver.waitFor('setup_intent.setup_failed');
    expect(failed?.data.object).toMatchObject({
      id: session.setup_intent,
      status: 'requires_payment_method',
      last_setup_error: { code: 'card_declined', decline_code: code },
    });
    await h.sandbox.control.settle();
    const types = h.receiver.events().map((event) => event.type);
    expect(types).not.toContain('payment_method.attached');
    expect(types).not.toContain('setup_intent.succeeded');
    expect(types).not.toContain('checkout.session.completed');
    // The page shows the decline again when reloaded, until another card works.
    const reloaded = await (await fetch(session.url ?? '')).text();
    expect(reloaded).toContain(message);
  });

  it('after a decline another card saves on the same session; 0341 saves', async () => {
    const session = await setupSession();
    await submitCheckout(session.url ?? '', { number: '4000000000000002' });
    const response = await submitCheckout(session.url ?? '', { number: '4000000000000341' });
    expect(location(response)).toBe(SUCCESS_URL.replace('{CHECKOUT_SESSION_ID}', session.id));
    const intent = await h.stripe.setupIntents.retrieve(String(session.setup_intent));
    expect(intent).toMatchObject({ status: 'succeeded', last_setup_error: null });
    const saved = await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(saved.data.map((method) => method.card?.last4)).toEqual(['0341']);
    await h.receiver.waitFor('setup_intent.succeeded');
    await h.receiver.waitFor('checkout.session.completed');
  });

  it('sends setup_intent.created when the session is made', async () => {
    const session = await setupSession();
    const [created] = await h.receiver.waitFor('setup_intent.created');
    expect(created?.data.object).toMatchObject({
      id: session.setup_intent,
      status: 'requires_payment_method',
    });
    expect(created?.request?.id).toMatch(/^req_/);
  });
});

describe('expiry', () => {
  it('an expired session sends checkout.session.expired and can no longer be paid', async () => {
    const session = await paymentSession(h.stripe, customer.id);
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    const [event] = await h.receiver.waitFor('checkout.session.expired');
    expect(event?.data.object).toMatchObject({ id: session.id, status: 'expired' });
    const page = await (await fetch(`${h.sandbox.publicUrl}/checkout/${session.id}`)).text();
    expect(page).toContain('This checkout session has expired.');
    expect(page).not.toContain('name="card_number"');
    const post = await fetch(`${h.sandbox.publicUrl}/checkout/${session.id}`, {
      method: 'POST',
      body: new URLSearchParams({ card_number: '4242424242424242', card_expiry: '12/34', card_cvc: '123' }),
    });
    expect(post.status).toBe(409);
    await expect(h.stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
    });
  });

  it('once the clock passes expires_at the session expires and its PaymentIntent is canceled', async () => {
    const session = await paymentSession(h.stripe, customer.id, {
      expires_at: Math.floor(Date.now() / 1000) + 1800,
    });
    await submitCheckout(session.url ?? '', { number: '4000000000000002' });
    h.sandbox.control.advanceClock(1700);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    h.sandbox.control.advanceClock(200);
    const expired = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(expired.status).toBe('expired');
    expect(expandedIntent(expired)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    await h.receiver.waitFor('checkout.session.expired');
    await h.receiver.waitFor('payment_intent.canceled');
  });

  it('expires_at must be between 30 minutes and 24 hours away, as on Stripe', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(paymentSession(h.stripe, customer.id, { expires_at: now + 60 })).rejects.toMatchObject({
      param: 'expires_at',
    });
    const session = await paymentSession(h.stripe, customer.id, { expires_at: now + 3600 });
    expect(session.expires_at).toBe(now + 3600);
  });
});

describe('creating sessions', () => {
  it('refuses a payment session without line items, and a price id the sandbox does not have', async () => {
    await expect(
      h.stripe.checkout.sessions.create({ mode: 'payment', customer: customer.id, success_url: SUCCESS_URL }),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'line_items', statusCode: 400 });
    await expect(
      h.stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: SUCCESS_URL,
        line_items: [{ price: 'price_123', quantity: 1 }],
      }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'line_items[0][price]' });
  });

  it('without a customer, saving a card creates one from the details entered', async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: SUCCESS_URL,
      line_items: [
        { quantity: 2, price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: 'Pack' } } },
      ],
      payment_intent_data: { setup_future_usage: 'off_session' },
    });
    expect(session.amount_total).toBe(2000);
    await submitCheckout(session.url ?? '', { number: '4242424242424242', email: 'grace@example.com' });
    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['customer'] });
    expect(done.customer).toMatchObject({ object: 'customer', email: 'grace@example.com' });
  });
});
