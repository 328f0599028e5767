import { Type } from '@sinclair/typebox';
import { mailboxEnabled } from '../notifications/mailbox.js';
import type { RouteModule } from './app.js';

export const healthRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary:
          'Liveness: 200 while the process runs, whatever its dependencies do (GET /health/ready asks them)',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
            version: Type.String(),
            sandbox: Type.Boolean({
              description:
                'True when payments are not real: the Stripe sandbox, or the built-in bank details',
            }),
            mailbox: Type.Boolean({
              description:
                'True in the default mode, where e-mail is written to files and GET /api/v1/mailbox reads them',
            }),
          }),
        },
      },
    },
    async () => {
      const sandbox = ctx.config.stripe.sandbox || (ctx.config.bankTransfer?.sandbox ?? false);
      const mailbox = mailboxEnabled(ctx.config);
      return { status: 'ok' as const, database: ctx.db.kind, version: ctx.version, sandbox, mailbox };
    },
  );
};
