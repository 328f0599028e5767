// Refunds through the real SDK: whole, partial, and never more than was charged.
import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let paid: Stripe.PaymentIntent;

beforeEach(async () => {
  h = await startHarness();
  paid = await h.stripe.paymentIntents.create({
    amount: 4500,
    currency: 'eur',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
});
afterEach(() => h.close());

describe('refunds', () => {
  it('refunds the whole payment and sends refund.created and charge.refunded', async () => {
    const refund = await h.stripe.refunds.create({
      payment_intent: paid.id,
      metadata: { credit_note: 'CN-1' },
    });
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 4500,
      currency: 'eur',
      status: 'succeeded',
      payment_intent: paid.id,
      charge: paid.latest_charge,
      metadata: { credit_note: 'CN-1' },
    });
    expect(refund.id).toMatch(/^re_/);
    expect(await h.stripe.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id, amount: 4500 });
    expect(await h.stripe.charges.retrieve(String(paid.latest_charge))).toMatchObject({
      amount_refunded: 4500,
      refunded: true,
    });
    const [refunded] = await h.receiver.waitFor('charge.refunded');
    const [created] = await h.receiver.waitFor('refund.created');
    expect(refunded?.data.object).toMatchObject({
      id: paid.latest_charge,
      amount_refunded: 4500,
      refunded: true,
    });
    expect(created?.data.object).toMatchObject({
      id: refund.id,
      destination_details: { type: 'card', card: { reference: null, reference_status: 'pending' } },
    });
    // The card network's reference follows, as refund.updated (and the older charge.refund.updated).
    const [updated] = await h.receiver.waitFor('refund.updated');
    expect(updated?.data.object).toMatchObject({
      id: refund.id,
      status: 'succeeded',
      destination_details: {
        card: { reference: expect.stringMatching(/^\d{23}$/), reference_status: 'available' },
      },
    });
    expect(updated?.data.previous_attributes).toEqual({
      destination_details: { card: { reference: null, reference_status: 'pending' } },
    });
    const [legacy] = await h.receiver.waitFor('charge.refund.updated');
    expect(legacy?.data.object).toMatchObject({ id: refund.id, object: 'refund' });
  });

  it('refunds in parts and refuses more than is left', async () => {
    await h.stripe.refunds.create({ payment_intent: paid.id, amount: 1000 });
    const charge = await h.stripe.charges.retrieve(String(paid.latest_charge));
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: false });

    await expect(h.stripe.refunds.create({ payment_intent: paid.id, amount: 3501 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'amount',
      message: 'Refund amount (€35.01) is greater than unrefunded amount on charge (€35.00)',
    });
    await h.stripe.refunds.create({ payment_intent: paid.id, amount: 3500 });
    await expect(h.stripe.refunds.create({ payment_intent: paid.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
  });

  it('refuses to refund a PaymentIntent that was not paid', async () => {
    const unpaid = await h.stripe.paymentIntents.create({ amount: 4500, currency: 'eur' });
    await expect(h.stripe.refunds.create({ payment_intent: unpaid.id })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'payment_intent',
    });
    await expect(h.stripe.refunds.create({ payment_intent: 'pi_unknown' })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});
