// Saved cards: the PaymentMethods attached to the account's Stripe Customer, read from Stripe
// each time (nothing copied here). A card id is Stripe's pm_… id; a card that is not attached
// to THIS account's Customer is "no such card" (404), whoever it belongs to.
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import { AppError, notFound } from '../../../http/errors.js';
import { stripeOf } from './client.js';
import { customerIdOf, ensureCustomer } from './customers.js';
import { classifyStripeError, orUnavailable } from './errors.js';
import { idempotencyKeys } from './keys.js';

export interface SavedCard {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  default: boolean;
}

const CARD_ID = /^pm_[A-Za-z0-9_]{1,250}$/;

function customerOfMethod(method: Stripe.PaymentMethod): string | null {
  const customer = method.customer;
  return typeof customer === 'string' ? customer : (customer?.id ?? null);
}

/** The card, if it is one of this Customer's; otherwise 404. */
export async function ownCard(
  ctx: AppContext,
  customerId: string | null,
  cardId: string,
): Promise<Stripe.PaymentMethod> {
  if (customerId === null || !CARD_ID.test(cardId)) throw notFound('card');
  let method: Stripe.PaymentMethod;
  try {
    method = await stripeOf(ctx).paymentMethods.retrieve(cardId);
  } catch (error) {
    if (classifyStripeError(error).kind === 'missing') throw notFound('card');
    throw error;
  }
  if (method.type !== 'card' || customerOfMethod(method) !== customerId) throw notFound('card');
  return method;
}

/** One of the account's saved cards, or null when the id names none of them (whoever's it is). */
export async function findCard(
  ctx: AppContext,
  accountId: string,
  cardId: string,
): Promise<SavedCard | null> {
  let method: Stripe.PaymentMethod;
  try {
    method = await orUnavailable(ownCard(ctx, await customerIdOf(ctx, accountId), cardId));
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
  return {
    id: method.id,
    brand: method.card?.brand ?? 'unknown',
    last4: method.card?.last4 ?? '',
    expMonth: method.card?.exp_month ?? 0,
    expYear: method.card?.exp_year ?? 0,
    default: false,
  };
}

export async function listCards(ctx: AppContext, accountId: string): Promise<SavedCard[]> {
  const customerId = await customerIdOf(ctx, accountId);
  if (customerId === null) return [];
  const stripe = stripeOf(ctx);
  const [customer, methods] = await Promise.all([
    stripe.customers.retrieve(customerId),
    stripe.customers.listPaymentMethods(customerId, { type: 'card', limit: 100 }),
  ]);
  const chosen = customer.deleted ? null : customer.invoice_settings.default_payment_method;
  const chosenId = typeof chosen === 'string' ? chosen : (chosen?.id ?? null);
  const cards = methods.data.filter((method) => method.card);
  // The customer's default card, or else the newest (Stripe lists newest first).
  const defaultId = cards.some((method) => method.id === chosenId) ? chosenId : (cards[0]?.id ?? null);
  return cards.map((method) => ({
    id: method.id,
    brand: method.card?.brand ?? 'unknown',
    last4: method.card?.last4 ?? '',
    expMonth: method.card?.exp_month ?? 0,
    expYear: method.card?.exp_year ?? 0,
    default: method.id === defaultId,
  }));
}

/** A Checkout Session in setup mode: the customer adds a card on Stripe's page. */
export async function startCardSetup(ctx: AppContext, accountId: string, setupId: string): Promise<string> {
  const customerId = await ensureCustomer(ctx, accountId);
  const metadata = { account_id: accountId, purpose: 'card_setup' };
  const session = await stripeOf(ctx).checkout.sessions.create(
    {
      mode: 'setup',
      customer: customerId,
      payment_method_types: ['card'],
      metadata,
      setup_intent_data: { metadata },
      success_url: `${ctx.config.publicUrl}/cards?setup=success`,
      cancel_url: `${ctx.config.publicUrl}/cards?setup=cancel`,
    },
    { idempotencyKey: idempotencyKeys.setup(accountId, setupId) },
  );
  if (!session.url) throw new Error(`Stripe gave setup session ${session.id} no url`);
  return session.url;
}

export async function removeCard(ctx: AppContext, accountId: string, cardId: string): Promise<void> {
  const card = await ownCard(ctx, await customerIdOf(ctx, accountId), cardId);
  await stripeOf(ctx).paymentMethods.detach(
    card.id,
    {},
    { idempotencyKey: idempotencyKeys.detach(accountId, card.id) },
  );
}
