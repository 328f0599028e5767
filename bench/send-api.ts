// POST /messages under load: many concurrent keep-alive clients (a node:http load generator in
// this process) against a server in a child process, all sending for ONE account on a fresh
// PostgreSQL. Accepted requests/s and latency p50/p99, for the batched writer (default
// LEDGER_BATCH_MAX) beside a baseline server that debits one transaction per message
// (LEDGER_BATCH_MAX=1), in the same run.
//
//   npm run bench -- send-api [seconds=10] [clients=64]
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { log, percentile, round } from './support.js';

interface Ready {
  port: number;
  authorization: string;
}

/** Child mode: a server with its customer; prints {port, authorization}, stops on SIGTERM. */
async function serve(): Promise<void> {
  const { benchCustomer, benchServer } = await import('./campaign.js');
  const batchMax = process.env.LEDGER_BATCH_MAX;
  const server = await benchServer(batchMax ? { LEDGER_BATCH_MAX: batchMax } : {});
  const customer = await benchCustomer(server.ctx, '100000000');
  process.stdout.write(`${JSON.stringify({ port: server.port, authorization: customer.authorization })}\n`);
  process.on('SIGTERM', () => {
    void server.close().finally(() => process.exit(0));
  });
}

function startServer(env: Record<string, string>): Promise<{ ready: Ready; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, TOLLGATE_BENCH_SERVE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        resolve({
          ready: JSON.parse(line) as Ready,
          stop: () =>
            new Promise<void>((done) => {
              child.on('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

/** Closed loop: `clients` keep-alive connections, each sending its next request when answered. */
async function load(ready: Ready, seconds: number, clients: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let counter = 0;
  const send = () =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({
        to: `+346${String(counter++ % 10_000_000).padStart(7, '0')}1`,
        text: 'Your code is 123456',
      });
      const req = request(
        {
          host: '127.0.0.1',
          port: ready.port,
          method: 'POST',
          path: '/api/v1/messages',
          agent,
          headers: {
            authorization: ready.authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await send();
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const accepted = statuses.get(202) ?? 0;
  return {
    acceptedPerSecond: accepted / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses: Object.fromEntries(statuses),
  };
}

async function measure(label: string, env: Record<string, string>, seconds: number, clients: number) {
  const server = await startServer(env);
  try {
    await load(server.ready, 1, clients); // warm-up
    const result = await load(server.ready, seconds, clients);
    log(
      `${label}: ${round(result.acceptedPerSecond)} accepted/s, p50 ${round(result.p50, 2)} ms, ` +
        `p99 ${round(result.p99, 2)} ms, answers ${JSON.stringify(result.statuses)}`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

export async function run(args: string[]) {
  const seconds = Number(args[0] ?? 10);
  const clients = Number(args[1] ?? 64);
  const batched = await measure('batched writer (LEDGER_BATCH_MAX default)', {}, seconds, clients);
  const single = await measure(
    'one transaction per message (LEDGER_BATCH_MAX=1)',
    { LEDGER_BATCH_MAX: '1' },
    seconds,
    clients,
  );
  return {
    name: 'send-api',
    value: Math.round(batched.acceptedPerSecond),
    unit: 'accepted POST /messages per second (one account)',
    p50_ms: round(batched.p50, 2),
    p99_ms: round(batched.p99, 2),
    baseline: Math.round(single.acceptedPerSecond),
    baseline_p50_ms: round(single.p50, 2),
    baseline_p99_ms: round(single.p99, 2),
    baseline_desc: 'the same server with LEDGER_BATCH_MAX=1 (one debit transaction per message), same run',
    ratio: round(batched.acceptedPerSecond / single.acceptedPerSecond, 1),
    clients,
    seconds,
    answers: batched.statuses,
    baseline_answers: single.statuses,
    compared_with: 'one transaction per message on the same machine and database server',
  };
}

if (process.env.TOLLGATE_BENCH_SERVE === '1') await serve();
