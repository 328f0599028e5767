// Composes the running system: database, migrations, context, HTTP app, worker, and an
// orderly shutdown (stop accepting, let in-flight requests finish, flush ledger batches).
import { balanceAlertsOf } from './balance-alerts/index.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openContext } from './open-context.js';
import { startMetricsServer } from './ops/metrics-server.js';
import { type App, buildApp } from './http/app.js';
import { createLogger } from './logger.js';
import { startDispatcher } from './messaging/dispatcher.js';
import { assertStripeForProduction, startInProcessSandbox } from './purchases/providers/stripe/index.js';
import { ROUTE_MODULES } from './routes.js';
import { startWorker, type Worker } from './worker.js';

export interface Running {
  ctx: AppContext;
  app: App | null;
  worker: Worker | null;
  url: string | null;
  stop(): Promise<void>;
}

export async function start(config: Config, { http = true, worker = true } = {}): Promise<Running> {
  assertStripeForProduction(config);
  // No Stripe keys: `serve` takes card payments against the Stripe sandbox, run in this process.
  const sandbox = http ? await startInProcessSandbox(config, createLogger(config)) : null;
  const stopSandbox = async (error: unknown): Promise<never> => {
    await sandbox?.stop();
    throw error;
  };
  const ctx = await openContext(sandbox?.config ?? config).catch(stopSandbox);
  const app = http ? await buildApp(ctx, ROUTE_MODULES) : null;
  const jobs = worker ? startWorker(ctx) : null;
  const dispatcher = worker ? startDispatcher(ctx) : null;
  const metricsServer = await startMetricsServer(ctx).catch(stopSandbox);
  let url: string | null = null;
  if (app) {
    await app.listen({ port: config.port, host: config.host }).catch(stopSandbox);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://localhost:${port}`;
    sandbox?.connect({ host: config.host, port });
    ctx.logger.info(
      { url, database: ctx.db.kind, worker, sandbox: ctx.config.stripe.sandbox },
      'tollgate is listening',
    );
  } else {
    ctx.logger.info({ database: ctx.db.kind }, 'tollgate worker started');
  }
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // First, so that no webhook delivery of the sandbox keeps a connection to the app open.
      await sandbox?.stop();
      await app?.close();
      await metricsServer?.close();
      // Submits in flight finish and are settled; nothing new is claimed.
      await dispatcher?.stop();
      await jobs?.stop();
      await ctx.messaging.close();
      await ctx.mailer.drain();
      ctx.mailer.close();
      await ctx.carrier.close?.();
      await ctx.writer.close();
      // Low-balance alerts the last batches started are written before the database goes.
      await balanceAlertsOf(ctx)?.idle();
      await ctx.db.close();
      ctx.logger.info('tollgate stopped');
    })();
    return stopping;
  };
  return { ctx, app, worker: jobs, url, stop };
}
