// What watching costs a request, in CPU time (which a busy machine disturbs far less than
// throughput): the real HTTP app answering GET /health over keep-alive sockets (a lean client
// in the same process, the same for every variant), with metrics off
// and on (METRICS_TOKEN: every request timed into the Prometheus histogram), alternated in
// rounds in one process; and, on a bare Fastify app with the same hooks, the request-scoped
// log context (an AsyncLocalStorage per request and the logger's mixin on its one line) against
// none. The answer is the median CPU µs per request of each, and their differences.
//
//   npm run bench -- metrics [requests per round=20000] [rounds=6]
import { AsyncLocalStorage } from 'node:async_hooks';
import { openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { openDb } from '../src/db/index.js';
import { buildApp } from '../src/http/app.js';
import { healthRoutes } from '../src/http/health.js';
import { createLogger } from '../src/logger.js';
import { log, round } from './support.js';

type Inject = () => Promise<unknown>;

/** One keep-alive connection sending GET /health, one request at a time. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(this.buffer.toString('latin1', 0, end));
      const total = end + 4 + Number(length?.[1] ?? 0);
      if (this.buffer.length < total) return;
      this.buffer = this.buffer.subarray(total);
      const done = this.waiting;
      this.waiting = null;
      done?.();
    });
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  get(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write('GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `inject` over 64 keep-alive connections, taken in turn. */
async function client(port: number): Promise<{ inject: Inject; close: () => void }> {
  const connections = await Promise.all(Array.from({ length: 64 }, () => Connection.open(port)));
  const idle = [...connections];
  const waiters: ((c: Connection) => void)[] = [];
  return {
    inject: async () => {
      const connection = idle.pop() ?? (await new Promise<Connection>((resolve) => waiters.push(resolve)));
      await connection.get();
      const waiter = waiters.shift();
      if (waiter) waiter(connection);
      else idle.push(connection);
    },
    close: () => {
      for (const connection of connections) connection.close();
    },
  };
}

async function listening(app: {
  listen: (o: { port: number; host: string }) => Promise<string>;
  server: { address(): unknown };
}) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address !== null && 'port' in address ? Number(address.port) : 0;
}

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
  const http = await client(await listening(app));
  return {
    inject: http.inject,
    close: async () => {
      http.close();
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
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
  });
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
  const http = await client(await listening(app));
  return {
    inject: http.inject,
    close: async () => {
      http.close();
      await app.close();
    },
  };
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
