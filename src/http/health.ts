import { Type } from '@sinclair/typebox';
import type { RouteModule } from './app.js';

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and the database in use',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
            version: Type.String(),
            sandbox: Type.Boolean({
              description:
                'True when payments are not real: the Stripe sandbox, or the built-in bank details',
            }),
          }),
        },
      },
    },
    async () => {
      await ctx.db.query('select 1');
      const sandbox = ctx.config.stripe.sandbox || (ctx.config.bankTransfer?.sandbox ?? false);
      return { status: 'ok' as const, database: ctx.db.kind, version: ctx.version, sandbox };
    },
  );
};
