// The messaging routes: single sends, reading messages, the outbox and Remove outbox. Every
// route takes the account from the credentials; another account's objects are not found.
import { customerOf, requireCustomer } from '../accounts/auth.js';
import type { RouteModule } from '../http/app.js';
import { notFound } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { formatCredits } from '../ledger/amounts.js';
import { campaignExists } from './campaigns/create-campaign.js';
import { getMessage, listMessages } from './list-messages.js';
import { outboxSummary } from './outbox.js';
import { removeOutbox } from './remove-outbox.js';
import {
  IdParams,
  ListQuery,
  MessageDetailResponse,
  MessagePage,
  OutboxResponse,
  RemoveOutboxResponse,
  SendBody,
  SendResponse,
} from './schemas.js';
import { type SendResult, sendMessage } from './send-message.js';

type SendView = Omit<SendResult, 'credits'> & { credits: string };

export const messagingRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.post(
    '/api/v1/messages',
    {
      onRequest: customer,
      schema: {
        tags: ['messages'],
        summary: 'Send one SMS: its credits are reserved at once, and charged when the carrier takes it',
        security,
        body: SendBody,
        response: { 202: SendResponse },
      },
    },
    idempotent(
      ctx,
      { scope: (req) => customerOf(req).accountId },
      async (req, reply, key): Promise<SendView> => {
        const auth = customerOf(req);
        const sent = await sendMessage(ctx, auth.accountId, req.body, {
          idempotencyKey: key,
          // Read with the credentials; re-read after a wait for the key's first request.
          account: key === null ? auth.account : undefined,
        });
        reply.code(202);
        return { ...sent, credits: formatCredits(sent.credits) };
      },
    ),
  );

  app.get(
    '/api/v1/messages',
    {
      onRequest: customer,
      schema: {
        tags: ['messages'],
        summary: 'Messages, newest first',
        security,
        querystring: ListQuery,
        response: { 200: MessagePage },
      },
    },
    async (req) => listMessages(ctx.db, customerOf(req).accountId, req.query),
  );

  app.get(
    '/api/v1/messages/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['messages'],
        summary: 'One message, with the price used and its status history',
        security,
        params: IdParams,
        response: { 200: MessageDetailResponse },
      },
    },
    async (req) => {
      const message = await getMessage(ctx.db, customerOf(req).accountId, req.params.id);
      if (!message) throw notFound('message');
      return message;
    },
  );

  app.get(
    '/api/v1/outbox',
    {
      onRequest: customer,
      schema: {
        tags: ['outbox'],
        summary: 'Everything not yet handed to a carrier: scheduled, queued and waiting for credit',
        security,
        response: { 200: OutboxResponse },
      },
    },
    async (req) => outboxSummary(ctx.db, customerOf(req).accountId),
  );

  app.delete(
    '/api/v1/outbox',
    {
      onRequest: customer,
      schema: {
        tags: ['outbox'],
        summary: 'Remove outbox: cancel every message not yet handed to a carrier and release its credits',
        security,
        response: { 200: RemoveOutboxResponse },
      },
    },
    async (req) => {
      const removed = await removeOutbox(ctx.db, customerOf(req).accountId, ctx.now);
      return { canceled: removed.canceled, releasedCredits: formatCredits(removed.releasedMicros) };
    },
  );

  app.delete(
    '/api/v1/campaigns/:id/outbox',
    {
      onRequest: customer,
      schema: {
        tags: ['outbox'],
        summary: 'Remove one campaign’s outbox',
        security,
        params: IdParams,
        response: { 200: RemoveOutboxResponse },
      },
    },
    async (req) => {
      const { accountId } = customerOf(req);
      if (!(await campaignExists(ctx, accountId, req.params.id))) throw notFound('campaign');
      const removed = await removeOutbox(ctx.db, accountId, ctx.now, { campaignId: req.params.id });
      return { canceled: removed.canceled, releasedCredits: formatCredits(removed.releasedMicros) };
    },
  );
};
