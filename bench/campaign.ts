// A 1,000,000-row campaign CSV uploaded over HTTP to a server on a fresh PostgreSQL database:
// read as a stream, every row checked and priced (a {placeholder} per row), estimated, staged,
// then reserved (one ledger hold per chunk of 10,000 rows) and queued (the first chunk as
// messages, the rest as reserved chunks the dispatcher turns into messages as it needs them).
// Reports the seconds from the first byte sent to the 201 answer and the process's peak RSS
// (server and client share the process; the client streams the file from disk), checks that
// the credit held is exactly the campaign's price, and then times the dispatcher's side of it:
// FEED_CHUNKS more chunks turned into messages with a hold each (not part of the target).
// Targets: 10 s and 500 MB.
//
//   npm run bench -- campaign [rows=1000000]
import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createApiKey } from '../src/accounts/api-keys.js';
import { signUp } from '../src/accounts/signup.js';
import { loadConfig } from '../src/config.js';
import { type AppContext, createContext } from '../src/context.js';
import { type App, buildApp } from '../src/http/app.js';
import { parseCredits } from '../src/ledger/amounts.js';
import { createLogger } from '../src/logger.js';
import { ROUTE_MODULES } from '../src/routes.js';
import { feedChunk } from '../src/messaging/campaigns/materialise.js';
import { freshPostgres, log, round } from './support.js';

/** Chunks fed after the answer, to time the dispatcher's side. */
const FEED_CHUNKS = 5;

export interface BenchServer {
  ctx: AppContext;
  app: App;
  port: number;
  close(): Promise<void>;
}

/** The app on a fresh PostgreSQL database, listening on a free port (no worker, no dispatcher). */
export async function benchServer(env: Record<string, string> = {}, poolSize = 20): Promise<BenchServer> {
  const pg = await freshPostgres(poolSize);
  const config = loadConfig({
    DATABASE_URL: pg.url,
    DATA_DIR: path.join(tmpdir(), 'tollgate-bench'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MULTIPLIER: '1000000',
    ...env,
  });
  const ctx = createContext(config, pg.db, createLogger(config));
  const app = await buildApp(ctx, ROUTE_MODULES);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    ctx,
    app,
    port,
    async close() {
      await app.close();
      await ctx.messaging.close();
      await ctx.writer.close();
      await pg.drop();
    },
  };
}

/** An active customer (default country ES) with `credits` and an API key. */
export async function benchCustomer(
  ctx: AppContext,
  credits: string,
): Promise<{ accountId: string; authorization: string }> {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const { accountId, userId } = await signUp(
    ctx,
    { email, password: 'correct horse battery staple', name: 'Bench' },
    'en',
  );
  await ctx.db.query(`update accounts set status = 'active', country = 'ES' where id = $1`, [accountId]);
  await ctx.db.query('update users set email_verified_at = $2 where id = $1', [userId, ctx.now()]);
  await ctx.ledger.apply([
    {
      type: 'transfer',
      id: `bench_grant_${accountId}`,
      debit: { system: 'grants' },
      credit: accountId,
      amount: parseCredits(credits),
      code: 'grant',
    },
  ]);
  const key = await createApiKey(ctx.db, { accountId, userId, name: 'bench', now: ctx.now() });
  return { accountId, authorization: `Bearer ${key.key}` };
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('phone,name\n');
  for (let start = 0; start < rows; start += 10_000) {
    let chunk = '';
    for (let i = start; i < Math.min(rows, start + 10_000); i++) {
      // Distinct Spanish mobiles (6xx xxx xxx and 7[1-4]x xxx xxx), a name per row.
      const prefix = i % 5 === 4 ? '71' : '6';
      chunk += `+34${prefix}${String(i).padStart(prefix.length === 1 ? 8 : 7, '0')},Name${i}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function run(args: string[]) {
  const rows = Number(args[0] ?? 1_000_000);
  const file = path.join(tmpdir(), `tollgate-bench-campaign-${process.pid}.csv`);
  log(`writing a ${rows}-row CSV…`);
  await writeCsv(file, rows);
  const fileBytes = statSync(file).size;
  const server = await benchServer();
  try {
    const customer = await benchCustomer(server.ctx, String(rows * 2));
    const boundary = 'tollgatebenchboundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nBench\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nHello {name}, the spring sale starts today\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    log(`uploading ${round(fileBytes / 1e6)} MB…`);
    const started = performance.now();
    const startedAt = Date.now();
    const cpuBefore = process.cpuUsage();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/v1/campaigns',
          headers: {
            authorization: customer.authorization,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': String(head.length + fileBytes + tail.length),
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      const body = new PassThrough();
      body.pipe(req);
      body.write(head);
      const csv = createReadStream(file);
      csv.on('end', () => body.end(tail));
      csv.pipe(body, { end: false });
    });
    const seconds = (performance.now() - started) / 1000;
    const answeredAt = Date.now();
    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (answer.status !== 201)
      throw new Error(`upload answered ${answer.status}: ${answer.body.slice(0, 500)}`);
    const created = JSON.parse(answer.body) as {
      id: string;
      recipients: number;
      reserved: number;
      waitingCredit: number;
    };
    const { rows: counted } = await server.ctx.db.query<{ status: string; n: bigint }>(
      'select status, count(*)::bigint as n from messages group by status',
    );
    const balance = await server.ctx.ledger.balance(customer.accountId);
    // The campaign row is written once every row is read, checked and staged: before it, the
    // upload (parse, check, price, stage); after it, the reservation (holds, messages).
    const { rows: made } = await server.ctx.db.query<{ created_at: Date }>(
      'select created_at from campaigns where id = $1',
      [created.id],
    );
    const createdAt = made[0]?.created_at.getTime() ?? answeredAt;
    const stagedSeconds = (createdAt - startedAt) / 1000;
    const reservedSeconds = (answeredAt - createdAt) / 1000;
    log(
      `${rows} rows: ${round(seconds, 2)} s (read and staged ${round(stagedSeconds, 2)} s, reserved and queued ${round(reservedSeconds, 2)} s; this process's CPU ${round(nodeCpuSeconds, 1)} s), peak RSS ${round(peakRss / 1e6)} MB (at start ${round(baseRss / 1e6)} MB); ` +
        `messages ${JSON.stringify(Object.fromEntries(counted.map((r) => [r.status, Number(r.n)])))}, held ${balance?.held}`,
    );
    if (created.reserved !== rows) throw new Error(`expected ${rows} reserved, got ${created.reserved}`);
    // Reserved means held: the ledger holds exactly the campaign's price, in chunks and messages.
    const { rows: priced } = await server.ctx.db.query<{ credits: bigint; chunks: number; unfed: bigint }>(
      `select e.credits::bigint as credits,
              (select count(*)::int from campaign_chunks where campaign_id = $1) as chunks,
              (select coalesce(sum(rows), 0)::bigint from campaign_chunks
                where campaign_id = $1 and status = 'reserved') as unfed
         from campaign_estimates e where e.campaign_id = $1`,
      [created.id],
    );
    const price = priced[0];
    if (!price || balance?.held !== price.credits) {
      throw new Error(`held ${balance?.held}, but the campaign costs ${price?.credits}`);
    }
    const queued = counted.find((r) => r.status === 'queued')?.n ?? 0n;
    if (queued + price.unfed !== BigInt(rows)) {
      throw new Error(`${queued} messages queued and ${price.unfed} rows in reserved chunks, not ${rows}`);
    }
    // The dispatcher's side: chunks turned into messages, each with its own hold.
    const feedStarted = performance.now();
    let fed = 0;
    for (let i = 0; i < FEED_CHUNKS; i++) fed += await feedChunk(server.ctx);
    const feedSeconds = (performance.now() - feedStarted) / 1000;
    log(
      `${price.chunks} chunks held; the dispatcher's side: ${fed} more rows became messages in ${round(feedSeconds, 2)} s (${Math.round(fed / feedSeconds)}/s)`,
    );
    return {
      name: 'campaign',
      value: round(seconds, 2),
      unit: 's',
      rows,
      file_mb: round(fileBytes / 1e6, 1),
      rows_per_s: Math.round(rows / seconds),
      staged_s: round(stagedSeconds, 2),
      reserved_s: round(reservedSeconds, 2),
      node_cpu_s: round(nodeCpuSeconds, 1),
      peak_rss_mb: round(peakRss / 1e6),
      start_rss_mb: round(baseRss / 1e6),
      reserved: created.reserved,
      chunks: price.chunks,
      feed_rows_per_s: Math.round(fed / feedSeconds),
      compared_with:
        'targets: at most 10 s and 500 MB peak RSS for 1,000,000 rows (PostgreSQL, same machine)',
      targets: { value: 10, peak_rss_mb: 500 },
    };
  } finally {
    await server.close();
    rmSync(file, { force: true });
  }
}
