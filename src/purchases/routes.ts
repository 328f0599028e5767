// The customer's purchase routes. The account always comes from the credentials; another
// account's purchase is 404, never 403.
//
//   POST /api/v1/pricing/quote              {packId} | {credits}, currency?  -> the price, tax included
//   POST /api/v1/purchases                  Idempotency-Key; 201 with bank details or card checkout
//   GET  /api/v1/purchases                  newest first, ?status=, paginated
//   GET  /api/v1/purchases/{id}
//   POST /api/v1/purchases/{id}/cancel      only while awaiting payment (else 409)
//   POST /api/v1/purchases/cancel-stale     every order awaiting payment for more than a day
import { Type } from '@sinclair/typebox';
import { literals, strict } from '../http/schemas.js';
import type { FastifyReply } from 'fastify';
import { customerOf, getAccount, requireCustomer } from '../accounts/index.js';
import type { RouteModule } from '../http/app.js';
import { notFound } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { quoteToJson } from '../pricing/quote.js';
import { cancelPurchase, cancelStaleOrders } from './cancel-purchase.js';
import { createPurchase } from './create-purchase.js';
import {
  getPurchase,
  listPurchases,
  PAYMENT_METHODS,
  PURCHASE_SOURCES,
  PURCHASE_STATUSES,
  refundedMicros,
} from './purchase.js';
import { quoteForAccount, viesCheckForAccount } from './quote.js';

import { invoiceIdsOfPurchases } from '../invoicing/store.js';
import { CurrencySchema, pageOf, PurchaseResponse, purchaseView, QuoteResponse } from './views.js';

const ItemFields = {
  packId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  credits: Type.Optional(
    Type.Union([Type.String({ maxLength: 24 }), Type.Integer()], {
      description: 'Whole credits, e.g. "5000" (a pack or credits, not both)',
    }),
  ),
  currency: Type.Optional(CurrencySchema),
};

export const QuoteBody = Type.Object(ItemFields, strict);
export const PurchaseBody = Type.Object(
  {
    ...ItemFields,
    paymentMethod: literals(PAYMENT_METHODS),
    cardId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'A saved card (GET /cards)' }),
    ),
    saveCard: Type.Optional(Type.Boolean()),
    retryOf: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'A failed card purchase this one pays again with another card; it is replaced by this one',
      }),
    ),
  },
  strict,
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object({
  status: Type.Optional(literals(PURCHASE_STATUSES)),
  source: Type.Optional(literals(PURCHASE_SOURCES)),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

export const purchaseRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const tags = ['purchases'];
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.post(
    '/api/v1/pricing/quote',
    {
      onRequest: customer,
      schema: {
        tags: ['pricing'],
        summary:
          'What a pack or a number of credits costs this account, tax included (from its billing data)',
        security,
        body: QuoteBody,
        response: { 200: QuoteResponse },
      },
    },
    async (req) => {
      const account = await getAccount(ctx.db, customerOf(req).accountId);
      if (!account) throw notFound('account');
      const vies = await viesCheckForAccount(ctx, account);
      const { quote, estimate } = await quoteForAccount(ctx, account, req.body, ctx.db, vies);
      return { ...quoteToJson(quote), taxEstimate: estimate };
    },
  );

  app.post(
    '/api/v1/purchases',
    {
      onRequest: customer,
      schema: {
        tags,
        summary:
          'Buy credits: a pack or a number of credits, by card or bank transfer. Needs complete billing data ' +
          'and a verified mobile. Send an Idempotency-Key to retry safely. A card checkout for the same ' +
          'quote as an open one (less than a day old) answers that order instead of making another.',
        security,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
        body: PurchaseBody,
        response: { 201: PurchaseResponse },
      },
    },
    idempotent(
      ctx,
      // A declined card is work done (a purchase recorded, a charge attempted): the same key
      // again must answer the same 402, not try the card a second time.
      { scope: (req) => customerOf(req).accountId, rememberErrors: ['payment_failed'] },
      async (req, reply, key) => {
        const who = customerOf(req);
        const purchase = await createPurchase(ctx, who.accountId, {
          ...req.body,
          source: who.via === 'session' ? 'portal' : 'api',
          idempotencyKey: key,
        });
        reply.code(201);
        noStore(reply);
        return purchaseView(purchase);
      },
    ),
  );

  app.get(
    '/api/v1/purchases',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: "The account's purchases, newest first",
        security,
        querystring: ListQuery,
        response: { 200: pageOf(PurchaseResponse) },
      },
    },
    async (req, reply) => {
      noStore(reply);
      const { purchases, nextCursor } = await listPurchases(ctx.db, {
        accountId: customerOf(req).accountId,
        withoutReplaced: true,
        status: req.query.status,
        source: req.query.source,
        limit: req.query.limit,
        cursor: req.query.cursor,
      });
      const refunded = await refundedMicros(
        ctx.db,
        purchases.map((p) => p.id),
      );
      const invoices = await invoiceIdsOfPurchases(
        ctx.db,
        purchases.map((p) => p.id),
      );
      return {
        data: purchases.map((p) => purchaseView(p, refunded.get(p.id), invoices.get(p.id) ?? null)),
        nextCursor,
      };
    },
  );

  app.get(
    '/api/v1/purchases/:id',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: 'One purchase',
        security,
        params: IdParams,
        response: { 200: PurchaseResponse },
      },
    },
    async (req, reply) => {
      const purchase = await getPurchase(ctx.db, req.params.id, customerOf(req).accountId);
      if (!purchase) throw notFound('purchase');
      noStore(reply);
      const refunded = await refundedMicros(ctx.db, [purchase.id]);
      const invoices = await invoiceIdsOfPurchases(ctx.db, [purchase.id]);
      return purchaseView(purchase, refunded.get(purchase.id), invoices.get(purchase.id) ?? null);
    },
  );

  app.post(
    '/api/v1/purchases/:id/cancel',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: 'Cancel a purchase that is still awaiting payment',
        security,
        params: IdParams,
        response: { 200: PurchaseResponse },
      },
    },
    async (req) => purchaseView(await cancelPurchase(ctx, customerOf(req).accountId, req.params.id)),
  );

  app.post(
    '/api/v1/purchases/cancel-stale',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: 'Cancel every purchase that has awaited payment for more than a day',
        security,
        response: { 200: Type.Object({ canceled: Type.Array(Type.String()) }) },
      },
    },
    async (req, reply) => {
      noStore(reply);
      return { canceled: await cancelStaleOrders(ctx, customerOf(req).accountId) };
    },
  );
};
