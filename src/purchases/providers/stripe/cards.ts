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

/**
 * A Checkout Session in setup mode: the customer adds a card on Stripe's page, which sends them
 * back to /cards?setup=success|cancel&attempt=<setupId> (see setupAttempt).
 */
export async function startCardSetup(ctx: AppContext, accountId: string, setupId: string): Promise<string> {
  const customerId = await ensureCustomer(ctx, accountId);
  const metadata = { account_id: accountId, purpose: 'card_setup', setup_id: setupId };
  const back = `${ctx.config.publicUrl}/cards?attempt=${encodeURIComponent(setupId)}&setup=`;
  const session = await stripeOf(ctx).checkout.sessions.create(
    {
      mode: 'setup',
      customer: customerId,
      payment_method_types: ['card'],
      metadata,
      setup_intent_data: { metadata },
      success_url: `${back}success`,
      cancel_url: `${back}cancel`,
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

export type SetupAttempt =
  | { status: 'saved'; card: { brand: string; last4: string } | null }
  | { status: 'declined'; reason: string; message: string }
  | { status: 'open' | 'expired' };

/** How many of the Customer's latest Checkout Sessions are searched for an attempt. */
const RECENT_SESSIONS = 100;

/**
 * What came of adding a card (POST /cards/setup's attempt, by its id): saved, declined by the
 * bank (its reason, in Stripe's words), or still open / expired with nothing tried. Read from
 * the account's own Customer only; an attempt of another account is not found (404).
 */
export async function setupAttempt(
  ctx: AppContext,
  accountId: string,
  setupId: string,
): Promise<SetupAttempt> {
  const customerId = await customerIdOf(ctx, accountId);
  if (customerId === null) throw notFound('card setup');
  const sessions = await stripeOf(ctx).checkout.sessions.list({
    customer: customerId,
    limit: RECENT_SESSIONS,
    expand: ['data.setup_intent.payment_method'],
  });
  const session = sessions.data.find(
    (candidate) => candidate.mode === 'setup' && candidate.metadata?.setup_id === setupId,
  );
  if (!session) throw notFound('card setup');
  const intent = typeof session.setup_intent === 'object' ? session.setup_intent : null;
  if (intent?.status === 'succeeded') {
    const method = typeof intent.payment_method === 'string' ? null : intent.payment_method;
    const card = method?.card ? { brand: method.card.brand, last4: method.card.last4 } : null;
    return { status: 'saved', card };
  }
  const error = intent?.last_setup_error;
  if (error) {
    return {
      status: 'declined',
      reason: error.decline_code ?? error.code ?? 'setup_failed',
      message: error.message ?? 'The card could not be saved.',
    };
  }
  return { status: session.status === 'expired' ? 'expired' : 'open' };
}
