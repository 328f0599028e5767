// PaymentIntents and saved cards through the real SDK: off-session charges of each test card,
// on-session 3D Secure, confirm and cancel, PaymentMethods attach, list and detach.
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticate, type Harness, location, saveCard, startHarness } from './helpers.js';

let h: Harness;
let customer: Stripe.Customer;

beforeEach(async () => {
  h = await startHarness();
  customer = await h.stripe.customers.create({ email: 'ada@example.com' });
});
afterEach(() => h.close());

function offSession(paymentMethod: string) {
  return h.stripe.paymentIntents.create({
    amount: 2000,
    currency: 'eur',
    customer: customer.id,
    payment_method: paymentMethod,
    confirm: true,
    off_session: true,
    description: 'Automatic refill',
    metadata: { refill_id: 'r_1' },
  });
}

async function cardError(promise: Promise<unknown>): Promise<Stripe.errors.StripeCardError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Stripe.errors.StripeCardError))
    throw new Error(`expected a card error, got ${String(error)}`);
  return error;
}

describe('off-session charges of a saved card', () => {
  it('4242 succeeds with a charge', async () => {
    const card = await saveCard(h.stripe, customer.id, '4242424242424242');
    const saved = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(saved).toMatchObject({ object: 'list', has_more: false });
    expect(saved.data.map((method) => method.id)).toEqual([card.id]);

    const intent = await offSession(card.id);
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 2000,
      amount_received: 2000,
      customer: customer.id,
      payment_method: card.id,
      description: 'Automatic refill',
      metadata: { refill_id: 'r_1' },
      last_payment_error: null,
    });
    const charge = await h.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({
      status: 'succeeded',
      paid: true,
      amount: 2000,
      payment_intent: intent.id,
    });
    const [event] = await h.receiver.waitFor('payment_intent.succeeded');
    expect(event?.request).toMatchObject({ id: expect.stringMatching(/^req_/) });
  });

  it('4000 0000 0000 0341 saves, then answers 402 card_declined / generic_decline with the PaymentIntent', async () => {
    const card = await saveCard(h.stripe, customer.id, '4000000000000341');
    expect(card.customer).toBe(customer.id);
    const error = await cardError(offSession(card.id));
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe('card_declined');
    expect(error.decline_code).toBe('generic_decline');
    expect(error.message).toBe('Your card was declined.');
    expect(error.payment_intent).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', decline_code: 'generic_decline' },
    });
    expect(error.payment_intent?.latest_charge).toMatch(/^ch_/);
    const [event] = await h.receiver.waitFor('payment_intent.payment_failed');
    expect(event?.data.object).toMatchObject({ id: error.payment_intent?.id });
  });

  it('4000 0082 6000 3178 saves after authentication, then answers 402 insufficient_funds', async () => {
    const card = await saveCard(h.stripe, customer.id, '4000008260003178');
    const error = await cardError(offSession(card.id));
    expect(error).toMatchObject({
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      statusCode: 402,
    });
    expect(error.message).toBe('Your card has insufficient funds.');
  });

  it('a card never saved (pm_card_chargeDeclinedInsufficientFunds) is declined off-session too', async () => {
    const error = await cardError(offSession('pm_card_chargeDeclinedInsufficientFunds'));
    expect(error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
  });

  it('4000 0027 6000 3184 answers 402 authentication_required off-session', async () => {
    const card = await saveCard(h.stripe, customer.id, '4000002760003184');
    const error = await cardError(offSession(card.id));
    expect(error).toMatchObject({ code: 'authentication_required', statusCode: 402 });
    expect(error.payment_intent?.status).toBe('requires_payment_method');
  });

  it('4000 0025 0000 3155, once set up, is charged off-session without authentication', async () => {
    const card = await saveCard(h.stripe, customer.id, '4000002500003155');
    expect((await offSession(card.id)).status).toBe('succeeded');
  });

  it('a card saved by attaching pm_card_visa_chargeDeclined (0341) declines like the saved one', async () => {
    const attached = await h.stripe.paymentMethods.attach('pm_card_visa_chargeDeclined', {
      customer: customer.id,
    });
    expect(attached.id).toMatch(/^pm_/);
    expect(attached.id).not.toBe('pm_card_visa_chargeDeclined');
    expect(attached.customer).toBe(customer.id);
    const error = await cardError(offSession(attached.id));
    expect(error.decline_code).toBe('generic_decline');
  });

  it('attaching a card the issuer declines (0002, 9995) answers 402 and attaches nothing', async () => {
    const declined = await cardError(
      h.stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }),
    );
    expect(declined).toMatchObject({
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    const poor = await cardError(
      h.stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: customer.id }),
    );
    expect(poor).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    const saved = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(saved.data).toEqual([]);
    await h.sandbox.control.settle();
    expect(h.sandbox.control.events().filter((event) => event.type === 'payment_method.attached')).toEqual(
      [],
    );
  });

  it('refuses a card that belongs to another customer', async () => {
    const other = await h.stripe.customers.create({});
    const card = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
    await expect(offSession(card.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'payment_method',
    });
  });
});

describe('on-session authentication (4000 0027 6000 3184)', () => {
  async function onSession() {
    const card = await h.stripe.paymentMethods.attach('pm_card_authenticationRequired', {
      customer: customer.id,
    });
    return h.stripe.paymentIntents.create({
      amount: 1500,
      currency: 'eur',
      customer: customer.id,
      payment_method: card.id,
      confirm: true,
      return_url: 'https://shop.example/return',
    });
  }

  it('answers requires_action with a redirect to the authenticate page; Approve succeeds', async () => {
    const intent = await onSession();
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action).toMatchObject({
      type: 'redirect_to_url',
      redirect_to_url: { return_url: 'https://shop.example/return' },
    });
    const url = intent.next_action?.redirect_to_url?.url ?? '';
    expect(url).toBe(`${h.sandbox.publicUrl}/authenticate/${intent.id}`);

    const approved = await authenticate(url, 'approve');
    const back = new URL(location(approved));
    expect(back.origin + back.pathname).toBe('https://shop.example/return');
    expect(back.searchParams.get('payment_intent')).toBe(intent.id);
    expect(back.searchParams.get('redirect_status')).toBe('succeeded');
    expect((await h.stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });

  it('Fail leaves the PaymentIntent needing a payment method', async () => {
    const intent = await onSession();
    const failed = await authenticate(intent.next_action?.redirect_to_url?.url ?? '', 'fail');
    expect(new URL(location(failed)).searchParams.get('redirect_status')).toBe('failed');
    expect(await h.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure' },
    });
  });
});

describe('confirm and cancel', () => {
  it('a PaymentIntent created without confirm is confirmed later', async () => {
    const created = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'EUR',
      customer: customer.id,
      payment_method: 'pm_card_visa',
    });
    expect(created).toMatchObject({ status: 'requires_confirmation', currency: 'eur' });
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_`));
    const confirmed = await h.stripe.paymentIntents.confirm(created.id);
    expect(confirmed.status).toBe('succeeded');
    await expect(h.stripe.paymentIntents.confirm(created.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('cancels an unpaid PaymentIntent and refuses to cancel a paid one', async () => {
    const open = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'eur' });
    expect(open.status).toBe('requires_payment_method');
    const canceled = await h.stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    await h.receiver.waitFor('payment_intent.canceled');

    const paid = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await expect(h.stripe.paymentIntents.cancel(paid.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
      statusCode: 400,
    });
  });

  it('refuses an amount below the minimum, a missing currency, other methods and manual capture', async () => {
    await expect(h.stripe.paymentIntents.create({ amount: 10, currency: 'eur' })).rejects.toMatchObject({
      code: 'amount_too_small',
      param: 'amount',
    });
    await expect(
      h.stripe.paymentIntents.create({ amount: 1000 } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'currency' });
    await expect(
      h.stripe.paymentIntents.create({ amount: 1000, currency: 'eur', payment_method_types: ['sepa_debit'] }),
    ).rejects.toMatchObject({ param: 'payment_method_types' });
    await expect(
      h.stripe.paymentIntents.create({ amount: 1000, currency: 'eur', capture_method: 'manual' }),
    ).rejects.toMatchObject({ param: 'capture_method' });
  });
});

describe('PaymentMethods', () => {
  it('attaches, lists newest first, retrieves, sets as default and detaches', async () => {
    const visa = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const mastercard = await h.stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    await h.receiver.waitFor('payment_method.attached', 2);
    const listed = await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed.data.map((method) => method.id)).toEqual([mastercard.id, visa.id]);
    expect(listed.url).toBe(`/v1/customers/${customer.id}/payment_methods`);
    const page = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card', limit: 1 });
    expect(page).toMatchObject({ has_more: true, data: [{ id: mastercard.id }] });

    const fetched = await h.stripe.paymentMethods.retrieve(visa.id);
    expect(fetched).toMatchObject({
      object: 'payment_method',
      type: 'card',
      card: { brand: 'visa', last4: '4242' },
    });
    expect(await h.stripe.customers.retrievePaymentMethod(customer.id, visa.id)).toMatchObject({
      id: visa.id,
    });

    const updated = await h.stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: visa.id },
    });
    expect(updated.invoice_settings.default_payment_method).toBe(visa.id);

    const detached = await h.stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    expect((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      invoice_settings: { default_payment_method: null },
    });
    await expect(h.stripe.paymentMethods.detach(visa.id)).rejects.toMatchObject({ statusCode: 400 });
    const left = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(left.data.map((method) => method.id)).toEqual([mastercard.id]);
  });

  it('refuses a default payment method the customer does not have', async () => {
    const other = await h.stripe.customers.create({});
    const card = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
    await expect(
      h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } }),
    ).rejects.toMatchObject({ param: 'invoice_settings[default_payment_method]' });
    await expect(h.stripe.paymentMethods.attach(card.id, { customer: customer.id })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
