// The card routes, the Stripe webhook, and the re-read of a card purchase when its page is
// looked at.
//
//   GET    /api/v1/cards                 the account's saved cards
//   POST   /api/v1/cards/setup           {setupUrl}: Stripe's page to add a card
//   GET    /api/v1/cards/setup/{attempt} what came of it: saved, declined (the bank's reason), open
//   DELETE /api/v1/cards/{id}            removes (detaches) a card; another account's card is 404
//   POST   /api/v1/webhooks/stripe       Stripe's events: verified on the RAW body (signature, and a
//                                        timestamp recent in both directions), checked to be an
//                                        event (else 400, kept as `malformed`), stored, processed once
//   *      /sandbox/stripe/…             the in-process Stripe sandbox (default mode only), else 404
//   GET    /api/v1/purchases/{id}        (the core's route) a card purchase awaiting payment is
//                                        re-read from Stripe first, so the customer sees it paid at once
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import Stripe from 'stripe';
import { customerOf, requireCustomer } from '../../../accounts/index.js';
import type { AppContext } from '../../../context.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, RouteModule } from '../../../http/app.js';
import { AppError, validationFailed } from '../../../http/errors.js';
import { getPurchase } from '../../purchase.js';
import { listCards, removeCard, setupAttempt, startCardSetup } from './cards.js';
import { INTERACTIVE_READ, stripeConfigured, stripeOf } from './client.js';
import { convergePurchase } from './converge.js';
import { orUnavailable } from './errors.js';
import { processEvent, storeEvent, storeMalformedEvent } from './events.js';
import { STRIPE_PROVIDER_ID } from './provider.js';
import { mountedSandbox, SANDBOX_BASE_PATH } from './sandbox.js';
import { futureTimestampProblem, readEvent } from './webhook-input.js';

/** Stripe's own default: a signature more than 5 minutes old (or ahead) is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const WEBHOOK_PATH = '/api/v1/webhooks/stripe';
const PURCHASE_PATH = '/api/v1/purchases/:id';
/** A purchase page polled every second is re-read from Stripe at most this often. */
const REREAD_EVERY_MS = 2_000;

const CardSchema = Type.Object({
  id: Type.String({ description: 'Use it as cardId in POST /purchases' }),
  brand: Type.String(),
  last4: Type.String(),
  expMonth: Type.Integer(),
  expYear: Type.Integer(),
  default: Type.Boolean(),
});
const CardParams = Type.Object({ id: Type.String({ maxLength: 255 }) });

function notConfigured(): AppError {
  return new AppError('conflict', 'Card payments are not configured on this server', {
    reason: 'payment_method_not_configured',
    paymentMethod: 'card',
  });
}

function badSignature(message: string): AppError {
  return validationFailed(
    [{ path: 'headers.stripe-signature', message }],
    'The Stripe webhook signature does not verify',
  );
}

export const stripeRoutes: RouteModule = async (app, ctx) => {
  cardRoutes(app, ctx);
  await app.register(async (scope) => webhookRoute(scope as App, ctx));
  await app.register(async (scope) => sandboxRoute(scope as App, ctx));
  rereadCardPurchases(app, ctx);
};

/**
 * /sandbox/stripe/…: the in-process Stripe sandbox (default mode only), its API and hosted
 * pages on the portal's own address. The raw request goes to it as it came; without a mounted
 * sandbox (Stripe keys, production) the path is 404 in our shape.
 */
function sandboxRoute(scope: App, ctx: AppContext): void {
  const handler = mountedSandbox(ctx.config);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!handler)
      throw new AppError('not_found', 'The Stripe sandbox runs only without Stripe keys, outside production');
    reply.hijack();
    handler(req.raw, reply.raw, Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  };
  const options = { schema: { hide: true } };
  scope.all(SANDBOX_BASE_PATH, options, answer);
  scope.all(`${SANDBOX_BASE_PATH}/*`, options, answer);
}

function cardRoutes(app: App, ctx: AppContext): void {
  const customer = requireCustomer(ctx);
  const tags = ['cards'];
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.get(
    '/api/v1/cards',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: "The account's saved cards (the default one first to be offered)",
        security,
        response: { 200: Type.Array(CardSchema) },
      },
    },
    async (req, reply) => {
      if (!stripeConfigured(ctx)) throw notConfigured();
      reply.header('cache-control', 'no-store');
      return orUnavailable(listCards(ctx, customerOf(req).accountId));
    },
  );

  app.post(
    '/api/v1/cards/setup',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: "Add a card: open setupUrl, Stripe's page, to enter it; it is saved for later purchases",
        security,
        response: { 201: Type.Object({ setupUrl: Type.String() }) },
      },
    },
    async (req, reply) => {
      if (!stripeConfigured(ctx)) throw notConfigured();
      const setupUrl = await orUnavailable(startCardSetup(ctx, customerOf(req).accountId, randomUUID()));
      reply.code(201).header('cache-control', 'no-store');
      return { setupUrl };
    },
  );

  app.get(
    '/api/v1/cards/setup/:attempt',
    {
      onRequest: customer,
      schema: {
        tags,
        summary:
          "What came of adding a card: the `attempt` in the address Stripe's page sends the customer back to",
        security,
        params: Type.Object({ attempt: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            status: Type.Union([
              Type.Literal('saved'),
              Type.Literal('declined'),
              Type.Literal('open'),
              Type.Literal('expired'),
            ]),
            card: Type.Optional(
              Type.Union([Type.Object({ brand: Type.String(), last4: Type.String() }), Type.Null()]),
            ),
            reason: Type.Optional(
              Type.String({ description: "The bank's decline code (insufficient_funds, …)" }),
            ),
            message: Type.Optional(Type.String({ description: "Stripe's words for the decline" })),
          }),
        },
      },
    },
    async (req, reply) => {
      if (!stripeConfigured(ctx)) throw notConfigured();
      reply.header('cache-control', 'no-store');
      return orUnavailable(setupAttempt(ctx, customerOf(req).accountId, req.params.attempt));
    },
  );

  app.delete(
    '/api/v1/cards/:id',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: 'Remove a saved card',
        security,
        params: CardParams,
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      if (!stripeConfigured(ctx)) throw notConfigured();
      await orUnavailable(removeCard(ctx, customerOf(req).accountId, req.params.id));
      return reply.code(204).send(null);
    },
  );
}

/** In its own scope: only this route takes its body as raw bytes, as signed. */
function webhookRoute(scope: App, ctx: AppContext): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  scope.post(
    WEBHOOK_PATH,
    {
      schema: {
        tags: ['webhooks'],
        summary: "Stripe's events, verified by the Stripe-Signature header on the raw body",
        headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean() }) },
      },
    },
    async (req) => {
      const keys = ctx.config.stripe.keys;
      if (!keys) throw notConfigured();
      const signature = req.headers['stripe-signature'];
      if (typeof signature !== 'string' || signature === '') throw badSignature('is required');
      if (!Buffer.isBuffer(req.body)) throw badSignature('has no body to verify');
      try {
        // The signature only; the body is read below (constructEvent would throw on non-JSON).
        stripeOf(ctx).webhooks.signature.verifyHeader(
          req.body.toString('utf8'),
          signature,
          keys.webhookSecret,
          WEBHOOK_TOLERANCE_SECONDS,
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          req.log.warn({ reason: error.message }, 'a Stripe webhook failed verification');
          throw badSignature('does not match the body, the signing secret or a recent time');
        }
        throw error;
      }
      // Stripe's SDK refuses an old signature; one from the future is a replay waiting to happen.
      const future = futureTimestampProblem(signature, Date.now(), WEBHOOK_TOLERANCE_SECONDS);
      if (future !== null) {
        req.log.warn({ reason: future }, 'a Stripe webhook failed verification');
        throw badSignature(future);
      }
      const input = readEvent(req.body);
      if (input.kind === 'malformed') {
        const storedAs = await storeMalformedEvent(ctx, req.body, input.problems);
        req.log.warn({ storedAs, problems: input.problems }, 'a signed Stripe webhook is not an event');
        throw new AppError('validation_failed', 'The Stripe webhook is signed but is not a Stripe event', {
          fields: input.problems,
          storedAs,
        });
      }
      const event = input.event;
      const stored = await storeEvent(ctx, event);
      // A duplicate whose first delivery is done (or under way) has nothing left to do.
      await processEvent(ctx, event.id);
      return { received: true, duplicate: stored === 'duplicate' };
    },
  );
}

/**
 * Before the core's GET /purchases/{id} answers: a card purchase still awaiting payment is
 * re-read from Stripe (briefly; a slow Stripe leaves it to the webhooks and the worker).
 */
function rereadCardPurchases(app: App, ctx: AppContext): void {
  const lastRead = new Map<string, number>();
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'GET' || req.routeOptions.url !== PURCHASE_PATH || !stripeConfigured(ctx)) return;
    const params = req.params;
    const id = typeof params === 'object' && params !== null && 'id' in params ? params.id : undefined;
    if (typeof id !== 'string' || !req.auth?.accountId) return;
    const purchase = await getPurchase(ctx.db, id, req.auth.accountId);
    if (purchase?.provider !== STRIPE_PROVIDER_ID || purchase.status !== 'awaiting_payment') return;
    const now = Date.now();
    if ((lastRead.get(id) ?? 0) > now - REREAD_EVERY_MS) return;
    lastRead.set(id, now);
    if (lastRead.size > 10_000) {
      for (const [key, at] of lastRead) if (at <= now - REREAD_EVERY_MS) lastRead.delete(key);
    }
    await convergePurchase(ctx, purchase, { requestOptions: INTERACTIVE_READ }).catch((err: unknown) =>
      req.log.warn({ err, purchaseId: id }, 'the card payment could not be re-read'),
    );
  });
}
