// GET /api/v1/usage: the account's messages and spent credits per day or hour, for charts.
import { Type } from '@sinclair/typebox';
import { customerOf, requireCustomer } from '../accounts/auth.js';
import type { RouteModule } from '../http/app.js';
import { literals } from '../http/schemas.js';
import { GRANULARITIES, MAX_BUCKETS, usage } from './usage.js';

const UsageQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      maxLength: 40,
      description:
        'A day of the account’s time zone (2026-11-01, included) or an instant (2026-11-01T10:00:00Z). Default: 30 days (24 hours) before `to`',
    }),
  ),
  to: Type.Optional(
    Type.String({
      maxLength: 40,
      description: 'A day (included) or an instant (excluded). Default: now, its bucket included',
    }),
  ),
  granularity: Type.Optional(literals(GRANULARITIES)),
});

const Count = Type.Integer({ minimum: 0 });
const UsageResponse = Type.Array(
  Type.Object({
    at: Type.String({ description: 'Start of the bucket (UTC): a local midnight, or an hour' }),
    creditsSpent: Type.String({
      description: 'What the messages created in the bucket were charged (GET /messages `charged`)',
    }),
    messages: Type.Object(
      {
        delivered: Count,
        failed: Count,
        canceled: Count,
        sent: Type.Integer({ minimum: 0, description: 'With a carrier, no delivery report yet' }),
        pending: Type.Integer({ minimum: 0, description: 'Not yet handed to a carrier' }),
      },
      { description: 'Messages created in the bucket, each counted once by its status now' },
    ),
  }),
);

export const usageRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/api/v1/usage',
    {
      onRequest: requireCustomer(ctx),
      schema: {
        tags: ['messages'],
        summary: `Messages and spent credits per day or hour of the account’s time zone, every bucket of the range listed (at most ${MAX_BUCKETS.day} days or ${MAX_BUCKETS.hour} hours)`,
        security: [{ session: [] }, { apiKey: [] }],
        querystring: UsageQuery,
        response: { 200: UsageResponse },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return usage(ctx.db, customerOf(req).accountId, req.query, ctx.now());
    },
  );
};
