// Customers' message webhooks: the URL (PUT, GET, DELETE /webhooks/messages), its secret
// (shown when created; POST …/rotate-secret replaces it), the deliveries made, and a test event
// sent on request (POST …/test).
import { Type } from '@sinclair/typebox';
import { nullable } from '../../http/schemas.js';
import { customerOf, requireCustomer } from '../../accounts/auth.js';
import type { RouteModule } from '../../http/app.js';
import { notFound } from '../../http/errors.js';
import { listDeliveries } from './list-deliveries.js';
import { deleteWebhook, getWebhook, putWebhook, rotateWebhookSecret } from './settings.js';
import { ACCOUNT_EVENT_TYPES } from './account-events.js';
import { enqueueTestEvent, TEST_EVENT_TYPE } from './test-event.js';

const WebhookBody = Type.Object(
  {
    url: Type.String({
      maxLength: 2_000,
      description:
        'https://… that receives a POST for every status change; local and private addresses are refused unless the operator allows them',
    }),
  },
  { additionalProperties: false },
);

const WebhookResponse = Type.Object({
  url: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  secret: Type.Optional(
    Type.String({ description: 'Shown only when the webhook is created; store it to verify signatures' }),
  ),
});

const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

const Delivery = Type.Object({
  id: Type.String({ description: 'The event id (also in the body): receivers dedupe by it' }),
  messageId: nullable(
    Type.String({ description: 'The message of a message.status event; null for account events' }),
  ),
  type: Type.String({
    description:
      'message.status, purchase.credited, balance.low, auto_refill.*, invoice.issued, webhook.test',
  }),
  status: DeliveryStatus,
  event: Type.Unknown({ description: 'The JSON body sent' }),
  attempts: Type.Integer(),
  lastStatusCode: nullable(Type.Integer()),
  lastError: nullable(Type.String()),
  nextAttemptAt: nullable(Type.String()),
  createdAt: Type.String(),
  deliveredAt: nullable(Type.String()),
});

const DeliveryPage = Type.Object({ data: Type.Array(Delivery), nextCursor: nullable(Type.String()) });

const DeliveryQuery = Type.Object({
  status: Type.Optional(DeliveryStatus),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

const SIGNING =
  'Each status change of your messages (sent, delivered, failed, canceled) is POSTed as JSON ' +
  '`{id, type: "message.status", message: {id, status, to, reference, campaignId, at}}` with ' +
  '`Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with your secret>`. ' +
  'A non-2xx answer or no answer within WEBHOOK_TIMEOUT_MS is retried with exponential back-off ' +
  'up to WEBHOOK_MAX_ATTEMPTS times; an event may arrive more than once, so dedupe by its id.';

/** Every event type a webhook receives, in the order the portal lists them. */
export const WEBHOOK_EVENT_TYPES = ['message.status', ...ACCOUNT_EVENT_TYPES, TEST_EVENT_TYPE] as const;

const Overview = Type.Object({
  webhook: nullable(Type.Object({ url: Type.String(), createdAt: Type.String(), updatedAt: Type.String() })),
  events: Type.Array(Type.String(), { description: 'The event types the webhook receives' }),
});

export const webhookRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.get(
    '/api/v1/webhooks',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'The account’s webhook (null when none is set) and the event types it receives',
        security,
        response: { 200: Overview },
      },
    },
    async (req) => ({
      webhook: await getWebhook(ctx.db, customerOf(req).accountId),
      events: [...WEBHOOK_EVENT_TYPES],
    }),
  );

  app.put(
    '/api/v1/webhooks/messages',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'Set the URL that receives message status changes (the secret is shown when it is created)',
        description: SIGNING,
        security,
        body: WebhookBody,
        response: { 200: WebhookResponse },
      },
    },
    async (req) =>
      putWebhook(
        ctx.db,
        customerOf(req).accountId,
        req.body.url,
        ctx.now(),
        ctx.config.campaigns.webhookPrivateAddresses,
      ),
  );

  app.get(
    '/api/v1/webhooks/messages',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'The message webhook (without its secret)',
        security,
        response: { 200: WebhookResponse },
      },
    },
    async (req) => {
      const webhook = await getWebhook(ctx.db, customerOf(req).accountId);
      if (!webhook) throw notFound('webhook');
      return webhook;
    },
  );

  app.delete(
    '/api/v1/webhooks/messages',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'Remove the message webhook; events not yet delivered are given up',
        security,
      },
    },
    async (req, reply) => {
      if (!(await deleteWebhook(ctx.db, customerOf(req).accountId))) throw notFound('webhook');
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/webhooks/messages/rotate-secret',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown once and signs every request from now on',
        security,
        response: { 200: Type.Object({ secret: Type.String() }) },
      },
    },
    async (req) => {
      const secret = await rotateWebhookSecret(ctx.db, customerOf(req).accountId, ctx.now());
      if (!secret) throw notFound('webhook');
      return { secret };
    },
  );

  app.post(
    '/api/v1/webhooks/messages/test',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a test event ({id, type: "webhook.test", at, data: {test: true}}) to the webhook, signed and retried ' +
          'like any event; its delivery is answered and listed under /webhooks/deliveries',
        security,
        response: { 202: Delivery },
      },
    },
    async (req, reply) => {
      reply.code(202);
      return enqueueTestEvent(ctx.db, customerOf(req).accountId, ctx.now());
    },
  );

  app.get(
    '/api/v1/webhooks/deliveries',
    {
      onRequest: customer,
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook deliveries, newest first, with their attempts and outcome',
        security,
        querystring: DeliveryQuery,
        response: { 200: DeliveryPage },
      },
    },
    async (req) => listDeliveries(ctx.db, customerOf(req).accountId, req.query),
  );
};
