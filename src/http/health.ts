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
          }),
        },
      },
    },
    async () => {
      await ctx.db.query('select 1');
      return { status: 'ok' as const, database: ctx.db.kind, version: ctx.version };
    },
  );
};
