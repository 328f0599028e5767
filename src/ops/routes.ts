// GET /health/ready for load balancers, and GET /metrics on the main port when METRICS_TOKEN
// is set (METRICS_PORT serves it on a port of its own: metrics-server.ts).
import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../http/app.js';
import { AppError } from '../http/errors.js';
import { bearerMatches, METRICS_CONTENT_TYPE, scrape } from './scrape.js';
import { readinessOf } from './readiness.js';

const ProbeSchema = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  ms: Type.Number(),
  detail: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

const Checks = Type.Object({
  database: Type.Optional(ProbeSchema),
  smtp: Type.Optional(ProbeSchema),
  stripe: Type.Optional(ProbeSchema),
  carrier: Type.Optional(ProbeSchema),
});

/** How long a load balancer should wait before asking again after a 503. */
const RETRY_AFTER_SECONDS = '5';

export const opsRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary:
          'Readiness for a load balancer: 200 when the database, SMTP, Stripe and the carrier binds ' +
          'answer; 503 `unavailable` naming what is down (details.down). Probes are cached briefly.',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Checks, checkedAt: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      const report = await readinessOf(ctx).check();
      reply.header('cache-control', 'no-store');
      if (!report.ready) {
        throw new AppError(
          'unavailable',
          `Not ready: ${report.down.map((name) => `${name} is down`).join(', ')}`,
          { down: report.down, checks: report.checks, checkedAt: report.checkedAt.toISOString() },
          { 'retry-after': RETRY_AFTER_SECONDS },
        );
      }
      return { status: 'ready' as const, checks: report.checks, checkedAt: report.checkedAt.toISOString() };
    },
  );

  const token = ctx.config.ops.metrics.token;
  if (token === undefined) return;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      throw new AppError(
        'unauthenticated',
        'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>',
      );
    }
    reply.header('content-type', METRICS_CONTENT_TYPE).header('cache-control', 'no-store');
    return scrape(ctx);
  });
};
