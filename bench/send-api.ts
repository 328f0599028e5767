// POST /messages under load against a server in a child process, all sending for ONE account
// on a fresh PostgreSQL, for the batched writer (default LEDGER_BATCH_MAX) beside a baseline
// server that debits one transaction per message (LEDGER_BATCH_MAX=1), in the same run:
//
// - closed loop: `clients` keep-alive connections, each sending its next request when the last
//   is answered: the most accepted requests/s, with p50/p99, for each client count given (the
//   best is the headline, and the baseline runs with that many clients);
// - open loop (batched server only): requests offered at `rate`/s on a fixed schedule over at
//   most `clients` connections; latency counts from when a request was due, not when a
//   connection was free (no coordinated omission), so a server that falls behind shows it.
//
// The load generator shares the machine's cores with the server and PostgreSQL, so it is lean:
// raw keep-alive sockets, requests written as prepared bytes, answers read by status line and
// Content-Length. Its CPU time (and the server's) is reported beside each phase. The server logs
// at info, as in production, to /dev/null.
//
// - metrics on: the batched server again with METRICS_TOKEN set (every request timed into the
//   Prometheus histogram, /metrics scraped once a second as Prometheus would), with the best
//   client count and the same offered rate, beside the run above with metrics off.
//
//   npm run bench -- send-api [seconds=10] [clients=64,256] [rate=5000]
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
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
  const metricsToken = process.env.METRICS_TOKEN;
  // Logs as in production (a line per request, to stdout, which the parent points at /dev/null).
  const server = await benchServer({
    LOG_LEVEL: 'info',
    ...(batchMax ? { LEDGER_BATCH_MAX: batchMax } : {}),
    ...(metricsToken ? { METRICS_TOKEN: metricsToken } : {}),
  });
  const customer = await benchCustomer(server.ctx, '100000000');
  writeSync(3, `${JSON.stringify({ port: server.port, authorization: customer.authorization })}\n`);
  process.on('SIGTERM', () => {
    const { batches, messages, ms } = server.ctx.messaging.acceptStats;
    log(
      `  server: ${batches} batches of single sends, ${round(messages / batches, 1)} messages and ` +
        `${round(ms / batches, 1)} ms each on average`,
    );
    void server.close().finally(() => process.exit(0));
  });
}

interface Server {
  ready: Ready;
  pid: number;
  /** Started with METRICS_TOKEN: /metrics is scraped during its phases. */
  metrics: boolean;
  stop: () => Promise<void>;
}

/** The Node flags `npm start` gives the server (the start script's `--name=value` options). */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.match(/--[\w-]+=\S+/g) ?? [];
}

function startServer(env: Record<string, string>): Promise<Server> {
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const flags = [...startFlags(), ...extra];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, TOLLGATE_BENCH_SERVE: '1' },
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
  });
  const ready = child.stdio[3] as Readable;
  return new Promise((resolve, reject) => {
    let out = '';
    ready.setEncoding('utf8');
    ready.on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        resolve({
          ready: JSON.parse(line) as Ready,
          pid: child.pid ?? 0,
          metrics: env.METRICS_TOKEN !== undefined,
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

/** CPU seconds (user + system) a process has used so far; NaN where /proc is missing. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ)
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds all PostgreSQL processes of this machine have used so far (NaN without /proc). */
function postgresCpuSeconds(): number {
  let total = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return Number.NaN;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      found = true;
      total += cpuSecondsOf(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return found ? total : Number.NaN;
}

const selfCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** One keep-alive HTTP/1.1 connection, one request at a time. */
class Connection {
  private socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;
  private failed: ((error: Error) => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.failed?.(error));
    socket.on('close', () => this.failed?.(new Error('connection closed by the server')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer | string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.socket.write(bytes);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length?.[1]) throw new Error(`answer without Content-Length: ${head}`);
    const total = end + 4 + Number(length[1]);
    if (this.buffer.length < total) return;
    if (this.buffer.length > total) throw new Error('more bytes than one answer');
    this.buffer = Buffer.alloc(0);
    const resolve = this.waiting;
    this.waiting = null;
    this.failed = null;
    resolve?.(status);
  }

  close(): void {
    this.socket.destroy();
  }
}

let counter = 0;
function sendRequest(ready: Ready): string {
  const body = `{"to":"+346${String(counter++ % 10_000_000).padStart(7, '0')}1","text":"Your code is 123456"}`;
  return (
    'POST /api/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
    `authorization: ${ready.authorization}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

interface PhaseResult {
  acceptedPerSecond: number;
  offeredPerSecond: number | null;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  clientCpu: number;
  serverCpu: number;
  /** Every PostgreSQL process of the machine (the database server is shared). */
  postgresCpu: number;
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789';

/** Scrapes /metrics every second while the server has METRICS_TOKEN set, as Prometheus would. */
function scrapeEverySecond(server: Server): () => void {
  if (!server.metrics) return () => {};
  const timer = setInterval(() => {
    void fetch(`http://127.0.0.1:${server.ready.port}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    })
      .then((res) => res.text())
      .catch(() => undefined);
  }, 1000);
  return () => clearInterval(timer);
}

async function phase(
  server: Server,
  seconds: number,
  clients: number,
  rate: number | null,
): Promise<PhaseResult> {
  const stopScraping = scrapeEverySecond(server);
  try {
    return await measurePhase(server, seconds, clients, rate);
  } finally {
    stopScraping();
  }
}

async function measurePhase(
  server: Server,
  seconds: number,
  clients: number,
  rate: number | null,
): Promise<PhaseResult> {
  const connections = await Promise.all(
    Array.from({ length: clients }, () => Connection.open(server.ready.port)),
  );
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const cpu0 = selfCpuSeconds();
  const serverCpu0 = cpuSecondsOf(server.pid);
  const postgresCpu0 = postgresCpuSeconds();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const record = (t0: number, status: number) => {
    latencies.push(performance.now() - t0);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };
  if (rate === null) {
    await Promise.all(
      connections.map(async (connection) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          record(t0, await connection.request(sendRequest(server.ready)));
        }
      }),
    );
  } else {
    // Requests fall due every 1/rate s; a due request takes a free connection or waits for one.
    const interval = 1000 / rate;
    const total = Math.floor(seconds * rate);
    const due: number[] = [];
    const idle = [...connections];
    let issued = 0;
    let answered = 0;
    await new Promise<void>((finished) => {
      const run = (connection: Connection, t0: number) => {
        void connection.request(sendRequest(server.ready)).then((status) => {
          record(t0, status);
          answered++;
          const next = due.shift();
          if (next !== undefined) run(connection, next);
          else idle.push(connection);
          if (answered === total) finished();
        });
      };
      const tick = () => {
        const now = performance.now();
        while (issued < total && started + issued * interval <= now) {
          const t0 = started + issued * interval;
          issued++;
          const connection = idle.pop();
          if (connection) run(connection, t0);
          else due.push(t0);
        }
        if (issued < total) setTimeout(tick, 1);
      };
      tick();
    });
  }
  const elapsed = (performance.now() - started) / 1000;
  const clientCpu = selfCpuSeconds() - cpu0;
  const serverCpu = cpuSecondsOf(server.pid) - serverCpu0;
  const postgresCpu = postgresCpuSeconds() - postgresCpu0;
  for (const connection of connections) connection.close();
  latencies.sort((a, b) => a - b);
  const accepted = statuses.get(202) ?? 0;
  return {
    acceptedPerSecond: accepted / elapsed,
    offeredPerSecond: rate,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses: Object.fromEntries(statuses),
    clientCpu: clientCpu / elapsed,
    serverCpu: serverCpu / elapsed,
    postgresCpu: postgresCpu / elapsed,
  };
}

function describe(label: string, r: PhaseResult): void {
  log(
    `${label}: ${round(r.acceptedPerSecond)} accepted/s${r.offeredPerSecond ? ` of ${r.offeredPerSecond}/s offered` : ''}, ` +
      `p50 ${round(r.p50, 2)} ms, p99 ${round(r.p99, 2)} ms, answers ${JSON.stringify(r.statuses)}; ` +
      `CPU: load generator ${round(r.clientCpu * 100)}% of a core, server ${round(r.serverCpu * 100)}%, ` +
      `PostgreSQL ${round(r.postgresCpu * 100)}% (server ${round((r.serverCpu / r.acceptedPerSecond) * 1e6)} µs, ` +
      `PostgreSQL ${round((r.postgresCpu / r.acceptedPerSecond) * 1e6)} µs of CPU per accepted request)`,
  );
}

interface Measured {
  /** Closed loop, for each number of clients. */
  closed: { clients: number; result: PhaseResult }[];
  open: PhaseResult | null;
}

async function measure(
  label: string,
  env: Record<string, string>,
  seconds: number,
  clientCounts: number[],
  rate: number | null,
): Promise<Measured> {
  const server = await startServer(env);
  try {
    await phase(server, 1, clientCounts[0] ?? 64, null); // warm-up
    const closed: Measured['closed'] = [];
    for (const clients of clientCounts) {
      const result = await phase(server, seconds, clients, null);
      describe(`${label}, ${clients} clients as fast as answered`, result);
      closed.push({ clients, result });
    }
    let open: PhaseResult | null = null;
    if (rate !== null) {
      // Enough connections for every request of 100 ms at the offered rate, so the generator
      // never holds requests back while the server could take them.
      open = await phase(server, seconds, Math.max(...clientCounts, Math.ceil(rate / 10)), rate);
      describe(`${label}, offered ${rate}/s`, open);
    }
    return { closed, open };
  } finally {
    await server.stop();
  }
}

const perClients = (closed: Measured['closed']) =>
  Object.fromEntries(
    closed.map(({ clients, result }) => [
      clients,
      {
        accepted_per_second: Math.round(result.acceptedPerSecond),
        p50_ms: round(result.p50, 2),
        p99_ms: round(result.p99, 2),
        server_cpu_us_per_request: round((result.serverCpu / result.acceptedPerSecond) * 1e6),
        postgres_cpu_us_per_request: round((result.postgresCpu / result.acceptedPerSecond) * 1e6),
      },
    ]),
  );

export async function run(args: string[]) {
  const seconds = Number(args[0] ?? 10);
  // Several client counts, each a closed loop: the headline is the best of them, and the
  // baseline is measured with the same number of clients.
  const clientCounts = (args[1] ?? '64,256').split(',').map(Number);
  const rate = Number(args[2] ?? 5000);
  const batched = await measure('batched writer (LEDGER_BATCH_MAX default)', {}, seconds, clientCounts, rate);
  const best = batched.closed.reduce((a, b) =>
    b.result.acceptedPerSecond > a.result.acceptedPerSecond ? b : a,
  );
  const withMetrics = await measure(
    'batched writer, metrics on (METRICS_TOKEN, scraped every second)',
    { METRICS_TOKEN: METRICS_TOKEN },
    seconds,
    [best.clients],
    rate,
  );
  const single = await measure(
    'one transaction per message (LEDGER_BATCH_MAX=1)',
    { LEDGER_BATCH_MAX: '1' },
    seconds,
    [best.clients],
    null,
  );
  const b = best.result;
  const s = (single.closed[0] as Measured['closed'][number]).result;
  const m = (withMetrics.closed[0] as Measured['closed'][number]).result;
  const open = batched.open;
  return {
    name: 'send-api',
    value: Math.round(b.acceptedPerSecond),
    unit: 'accepted POST /messages per second (one account)',
    clients: best.clients,
    p50_ms: round(b.p50, 2),
    p99_ms: round(b.p99, 2),
    per_clients: perClients(batched.closed),
    offered_per_second: rate,
    offered_accepted_per_second: open ? Math.round(open.acceptedPerSecond) : null,
    offered_p50_ms: open ? round(open.p50, 2) : null,
    offered_p99_ms: open ? round(open.p99, 2) : null,
    offered_answers: open?.statuses ?? null,
    load_generator_cpu_cores: round(b.clientCpu, 2),
    server_cpu_cores: round(b.serverCpu, 2),
    postgres_cpu_cores: round(b.postgresCpu, 2),
    baseline: Math.round(s.acceptedPerSecond),
    baseline_p50_ms: round(s.p50, 2),
    baseline_p99_ms: round(s.p99, 2),
    baseline_desc: `the same server with LEDGER_BATCH_MAX=1 (one debit transaction per message), ${best.clients} clients, same run`,
    ratio: round(b.acceptedPerSecond / s.acceptedPerSecond, 1),
    metrics_on_accepted_per_second: Math.round(m.acceptedPerSecond),
    metrics_on_p99_ms: round(m.p99, 2),
    metrics_on_server_cpu_us_per_request: round((m.serverCpu / m.acceptedPerSecond) * 1e6),
    metrics_on_offered_p99_ms: withMetrics.open ? round(withMetrics.open.p99, 2) : null,
    metrics_ratio: round(m.acceptedPerSecond / b.acceptedPerSecond, 3),
    metrics_desc: `the same batched server with METRICS_TOKEN set and /metrics scraped every second, ${best.clients} clients, same run; metrics_ratio = on / off`,
    seconds,
    answers: b.statuses,
    baseline_answers: s.statuses,
    compared_with: 'one transaction per message on the same machine and database server',
  };
}

if (process.env.TOLLGATE_BENCH_SERVE === '1') await serve();
