// What watching costs a request, in CPU time (which a busy machine disturbs far less than
// throughput): the real HTTP app answering GET /health through app.inject, with metrics off
// and on (METRICS_TOKEN: every request timed into the Prometheus histogram), alternated in
// rounds in one process; and, on a bare Fastify app with the same hooks, the request-scoped
// log context (an AsyncLocalStorage per request and the logger's mixin on its one line) against
// none. The answer is the median CPU µs per request of each, and their differences.
//
//   npm run bench -- metrics [requests per round=20000] [rounds=6]
import { AsyncLocalStorage } from 'node:async_hooks';
import { openSync } from 'node:fs';
import Fastify from 'fastify';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { openDb } from '../src/db/index.js';
import { buildApp } from '../src/http/app.js';
import { healthRoutes } from '../src/http/health.js';
import { createLogger } from '../src/logger.js';
import { log, round } from './support.js';

type Inject = () => Promise<unknown>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** CPU µs per request over `requests` sequential injections, 64 in flight. */
async function cpuPerRequest(inject: Inject, requests: number): Promise<number> {
  const started = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < requests) await inject();
    }),
  );
  const used = process.cpuUsage(started);
  return (used.user + used.system) / requests;
}

async function realApp(env: Record<string, string>) {
  const config = loadConfig({ DATA_DIR: '/tmp/tollgate-bench', LOG_LEVEL: 'info', ...env });
  const db = await openDb({ databaseUrl: undefined, dataDir: 'memory' });
  const devNull = pino.destination({ dest: openSync('/dev/null', 'w'), sync: false });
  const ctx = createContext(config, db, createLogger(config, devNull));
  const app = await buildApp(ctx, [healthRoutes]);
  await app.ready();
  return {
    inject: () => app.inject({ method: 'GET', url: '/health' }),
    close: async () => {
      await app.close();
      await ctx.messaging.close();
      await db.close();
    },
  };
}

/** A bare app with one line per request, with or without the request's log context. */
async function bareApp(withContext: boolean) {
  const context = new AsyncLocalStorage<{ requestId: string }>();
  const logger = pino(
    withContext ? { mixin: () => ({ requestId: context.getStore()?.requestId }) } : {},
    pino.destination({ dest: openSync('/dev/null', 'w'), sync: false }),
  );
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
  app.addHook('onRequest', (req, _reply, done) => {
    if (withContext) context.run({ requestId: req.id }, done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ url: req.url, statusCode: reply.statusCode }, 'request');
    done();
  });
  app.get('/health', async () => {
    await Promise.resolve();
    return { status: 'ok' };
  });
  await app.ready();
  return { inject: () => app.inject({ method: 'GET', url: '/health' }), close: () => app.close() };
}

export async function run(args: string[]) {
  const requests = Number(args[0] ?? 20_000);
  const rounds = Number(args[1] ?? 6);
  const off = await realApp({});
  const on = await realApp({ METRICS_TOKEN: 'bench-metrics-token-0123456789' });
  const plain = await bareApp(false);
  const scoped = await bareApp(true);
  const samples = { off: [] as number[], on: [] as number[], plain: [] as number[], scoped: [] as number[] };
  try {
    for (const app of [off, on, plain, scoped]) await cpuPerRequest(app.inject, 2_000); // warm-up
    for (let i = 0; i < rounds; i++) {
      samples.off.push(await cpuPerRequest(off.inject, requests));
      samples.on.push(await cpuPerRequest(on.inject, requests));
      samples.plain.push(await cpuPerRequest(plain.inject, requests));
      samples.scoped.push(await cpuPerRequest(scoped.inject, requests));
      log(
        `round ${i + 1}: metrics off ${round(samples.off[i] ?? 0, 1)} µs, on ${round(samples.on[i] ?? 0, 1)} µs; ` +
          `bare app ${round(samples.plain[i] ?? 0, 1)} µs, with the log context ${round(samples.scoped[i] ?? 0, 1)} µs`,
      );
    }
  } finally {
    for (const app of [off, on, plain, scoped]) await app.close();
  }
  const m = {
    off: median(samples.off),
    on: median(samples.on),
    plain: median(samples.plain),
    scoped: median(samples.scoped),
  };
  return {
    name: 'metrics',
    value: round(m.on - m.off, 2),
    unit: 'CPU µs per request added by metrics (median of alternated rounds)',
    metrics_off_us: round(m.off, 1),
    metrics_on_us: round(m.on, 1),
    log_context_added_us: round(m.scoped - m.plain, 2),
    bare_app_us: round(m.plain, 1),
    bare_app_with_log_context_us: round(m.scoped, 1),
    requests_per_round: requests,
    rounds,
    compared_with:
      'the same GET /health of the real app with metrics off (no METRICS_TOKEN/PORT), and a bare Fastify app without the request log context, alternated in one process',
  };
}
