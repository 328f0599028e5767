// Stripe's webhook events, stored by event id and processed once. Processing takes nothing
// from the payload but ids: the object is re-read from Stripe and the purchase (or refund)
// converged, so a duplicate, late or out-of-order event changes nothing.
//
//   checkout.session.*        -> the session's purchase (metadata purchase_id of the re-read session)
//   payment_intent.*          -> the intent's purchase (metadata purchase_id of the re-read intent)
//   refund.*, charge.refund.* -> the refund (metadata refund_id), recordRefundOutcome
//   anything else             -> stored, nothing to do (saved cards are read live from Stripe;
//                                setup_intent.*, charge.updated, payment_method.* change nothing here)
//
// A signed body that is no event (webhook-input.ts) is stored as `malformed`, already
// processed, for a person to look at; it is never acted on.
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { AppContext } from '../../../context.js';
import type { FieldProblem } from '../../../http/errors.js';
import { getPurchase } from '../../purchase.js';
import { chargeFinished } from './charging.js';
import { readCheckoutSession } from './checkout.js';
import { type ConvergeOptions, convergePurchase } from './converge.js';
import { classifyStripeError } from './errors.js';
import { convergeRefund } from './refunds.js';
import { readPaymentIntent } from './saved-card.js';

/**
 * The events Tollgate acts on, as an endpoint subscribes to them (OPERATIONS.md, "Going live
 * with Stripe": the checkout.session.*, payment_intent.* and refund.* families). The in-process
 * sandbox's endpoint subscribes to these, as the dashboard's would, so it is not sent the
 * charge.*, setup_intent.* and payment_method.* events that production does not receive either.
 */
export const SUBSCRIBED_EVENTS = [
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
] as const;

/** How long one delivery owns an event's processing before another may take it over. */
const LEASE_MS = 60_000;

export type StoredEvent = 'new' | 'duplicate';

function objectIdOf(event: Stripe.Event): string | null {
  const object: unknown = event.data.object;
  if (typeof object === 'object' && object !== null && 'id' in object && typeof object.id === 'string') {
    return object.id;
  }
  return null;
}

/** Stores a verified event; `duplicate` when its id was stored before. */
export async function storeEvent(ctx: AppContext, event: Stripe.Event): Promise<StoredEvent> {
  const { rows } = await ctx.db.query<{ id: string }>(
    `insert into stripe_events (id, type, object_id, livemode, created_at, received_at, payload)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do nothing returning id`,
    [
      event.id,
      event.type,
      objectIdOf(event),
      event.livemode,
      new Date(event.created * 1000),
      ctx.now(),
      JSON.stringify(event),
    ],
  );
  return rows.length > 0 ? 'new' : 'duplicate';
}

/** The type under which signed bodies that are no event are kept. */
export const MALFORMED_EVENT_TYPE = 'malformed';
const PREVIEW_CHARS = 2_000;

/**
 * Keeps a signed body that is no event, for inspection: its exact bytes (base64), a readable
 * preview and what is wrong, under an id derived from the bytes (the same body delivered again
 * is kept once), marked processed so that nothing ever acts on it. Returns the id.
 */
export async function storeMalformedEvent(
  ctx: AppContext,
  body: Buffer,
  problems: FieldProblem[],
): Promise<string> {
  const id = `malformed_${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;
  const preview = body
    .toString('utf8')
    .slice(0, PREVIEW_CHARS)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');
  const now = ctx.now();
  await ctx.db.query(
    `insert into stripe_events
       (id, type, object_id, livemode, created_at, received_at, payload, attempts, processed_at, last_error)
     values ($1, $2, null, false, $3, $3, $4, 0, $3, $5)
     on conflict (id) do nothing`,
    [
      id,
      MALFORMED_EVENT_TYPE,
      now,
      JSON.stringify({
        malformed: true,
        problems,
        bytes: body.length,
        bodyBase64: body.toString('base64'),
        preview,
      }),
      `malformed: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`.slice(
        0,
        1000,
      ),
    ],
  );
  return id;
}

/**
 * Processes a stored event unless it was processed already or another delivery is processing
 * it now. Returns false when there was nothing for this caller to do. A processing that throws
 * releases the event (with the error kept) and rethrows, so Stripe delivers it again.
 */
export async function processEvent(ctx: AppContext, eventId: string): Promise<boolean> {
  const now = ctx.now();
  const { rows } = await ctx.db.query<{ payload: Stripe.Event }>(
    `update stripe_events set locked_until = $2, attempts = attempts + 1
      where id = $1 and processed_at is null and (locked_until is null or locked_until <= $3)
      returning payload`,
    [eventId, new Date(now.getTime() + LEASE_MS), now],
  );
  const event = rows[0]?.payload;
  if (!event) return false;
  try {
    await handleEvent(ctx, event);
  } catch (error) {
    await ctx.db.query('update stripe_events set locked_until = null, last_error = $2 where id = $1', [
      eventId,
      (error instanceof Error ? error.message : String(error)).slice(0, 1000),
    ]);
    throw error;
  }
  await ctx.db.query(
    'update stripe_events set processed_at = $2, locked_until = null, last_error = null where id = $1',
    [eventId, ctx.now()],
  );
  return true;
}

/** Events whose processing failed or was cut short (the worker's sweep); returns how many it processed. */
export async function processPendingEvents(ctx: AppContext, limit = 100): Promise<number> {
  const now = ctx.now();
  const { rows } = await ctx.db.query<{ id: string }>(
    `select id from stripe_events
      where processed_at is null and (locked_until is null or locked_until <= $1) and received_at <= $2
      order by received_at limit $3`,
    [now, new Date(now.getTime() - LEASE_MS), limit],
  );
  let processed = 0;
  for (const { id } of rows) {
    try {
      if (await processEvent(ctx, id)) processed++;
    } catch (err) {
      ctx.logger.warn({ err, eventId: id }, 'a Stripe event could not be processed; later');
    }
  }
  return processed;
}

async function handleEvent(ctx: AppContext, event: Stripe.Event): Promise<void> {
  const objectId = objectIdOf(event);
  if (objectId === null) return;
  try {
    await actOn(ctx, event, objectId);
  } catch (error) {
    // Stripe signed an event about an object it does not have: there is nothing to converge.
    if (classifyStripeError(error).kind !== 'missing') throw error;
    ctx.logger.warn({ eventId: event.id, objectId }, 'a Stripe event names an object Stripe does not have');
  }
}

async function actOn(ctx: AppContext, event: Stripe.Event, objectId: string): Promise<void> {
  if (event.type.startsWith('checkout.session.')) {
    const session = await readCheckoutSession(ctx, objectId);
    const purchaseId = session.mode === 'payment' ? session.metadata?.purchase_id : undefined;
    if (purchaseId) await convergeById(ctx, purchaseId, { session });
    return;
  }
  if (event.type.startsWith('payment_intent.')) {
    // A purchase this intent has credited is final (a refund is a refund's own event): nothing
    // an event about the intent says can change it, so Stripe is not asked again. The synchronous
    // charge of a saved card (an automatic refill, say) has usually credited it by now, or is
    // about to: this process's charge of the purchase the event names is waited for first.
    const named = (event.data.object as { metadata?: Record<string, string> }).metadata?.purchase_id;
    if (named) await chargeFinished(ctx, named);
    if (await creditedBy(ctx, objectId)) return;
    const intent = await readPaymentIntent(ctx, objectId);
    const purchaseId = intent.metadata.purchase_id;
    if (purchaseId) await convergeById(ctx, purchaseId, { intent });
    return;
  }
  if (event.type.startsWith('refund.') || event.type === 'charge.refund.updated') {
    await convergeRefund(ctx, objectId);
  }
}

async function creditedBy(ctx: AppContext, intentId: string): Promise<boolean> {
  const { rows } = await ctx.db.query(
    `select 1 from purchases where provider_ref = $1 and status = 'credited' and payment_method = 'card'`,
    [intentId],
  );
  return rows.length > 0;
}

async function convergeById(ctx: AppContext, purchaseId: string, options: ConvergeOptions) {
  const purchase = await getPurchase(ctx.db, purchaseId);
  if (purchase?.paymentMethod !== 'card') {
    ctx.logger.warn({ purchaseId }, 'a Stripe event names a purchase we do not have');
    return;
  }
  const outcome = await convergePurchase(ctx, purchase, options);
  // Stripe could not be read: fail the delivery so that Stripe (or the sweep) tries again.
  if (outcome === 'unreachable') throw new Error(`purchase ${purchaseId} could not be converged yet`);
}
