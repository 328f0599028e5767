// The events the Stripe endpoint subscribes to (the in-process sandbox's, and what OPERATIONS.md
// tells an operator to pick in the dashboard): every event the webhook handler acts on, and none
// it ignores, so a subscription never drops an outcome and never carries dead weight.
import { describe, expect, it } from 'vitest';
import { SUBSCRIBED_EVENTS } from '../../../src/purchases/providers/stripe/events.js';

/** Every event type the sandbox sends (tools/stripe-sandbox/types.ts EventType). */
const SANDBOX_SENDS = [
  'charge.failed',
  'charge.refund.updated',
  'charge.refunded',
  'charge.succeeded',
  'charge.updated',
  'checkout.session.completed',
  'checkout.session.expired',
  'payment_intent.canceled',
  'payment_intent.created',
  'payment_intent.payment_failed',
  'payment_intent.requires_action',
  'payment_intent.succeeded',
  'payment_method.attached',
  'payment_method.detached',
  'refund.created',
  'refund.updated',
  'setup_intent.created',
  'setup_intent.setup_failed',
  'setup_intent.succeeded',
];

/**
 * The families the handler acts on (events.ts actOn), but for a PaymentIntent's creation: it
 * tells no outcome, and every later state of the intent has its own event.
 */
const ACTED_ON = /^(checkout\.session\.|payment_intent\.(?!created$)|refund\.)|^charge\.refund\.updated$/;

describe('the Stripe events subscribed to', () => {
  it('are every event of the families the handler acts on, and only those', () => {
    for (const type of SUBSCRIBED_EVENTS) expect(type).toMatch(ACTED_ON);
    const sent = SANDBOX_SENDS.filter((type) => ACTED_ON.test(type));
    expect(sent.filter((type) => !(SUBSCRIBED_EVENTS as readonly string[]).includes(type))).toEqual([]);
  });

  it("leaves out the charge, saved-card and setup events and the intent's creation, which change nothing here", () => {
    for (const type of [
      'charge.succeeded',
      'charge.updated',
      'payment_intent.created',
      'setup_intent.succeeded',
      'payment_method.attached',
    ])
      expect(SUBSCRIBED_EVENTS as readonly string[]).not.toContain(type);
  });
});
