// GET /usage on an account with a million messages over the last 30 days (and another account's
// half million beside them), on a fresh PostgreSQL database: the dashboard's default view (30
// days, per day) and its hourly view (24 hours), over HTTP, several times each. Compared with
// the target (500 ms for the month) and with the bare cost of reading the same rows (a count of
// the account's messages of the range by the same index), which no grouping can beat.
//
//   npm run bench -- usage [messages=1000000] [runs=7]
import { request } from 'node:http';
import { benchCustomer, benchServer } from './campaign.js';
import { log, percentile, round } from './support.js';

const TARGET_MS = 500;
const STATUSES = [
  'delivered',
  'delivered',
  'delivered',
  'delivered',
  'delivered',
  'delivered',
  'failed',
  'sent',
];

/** Messages spread evenly over the last 30 days, of every outcome, written by the database. */
async function seed(
  server: Awaited<ReturnType<typeof benchServer>>,
  accountId: string,
  count: number,
): Promise<void> {
  const statuses = `array[${STATUSES.map((s) => `'${s}'`).join(', ')}, 'canceled', 'queued']`;
  for (let start = 0; start < count; start += 100_000) {
    const end = Math.min(count, start + 100_000);
    await server.ctx.db.query(
      `insert into messages (id, account_id, to_number, country, text, encoding, segments, price_per_segment,
                             credits, status, hold_id, carrier, carrier_message_id, next_attempt_at,
                             refunded_at, created_at, updated_at)
       select 'msg_bench_' || $1 || '_' || i, $1, '+346' || lpad((i % 10000000)::text, 8, '0'), 'ES', 'Hello',
              'GSM-7', 1, 1000000, 1000000, s.status, 'hold:x' || i,
              case when s.status in ('sent', 'delivered', 'failed') then 'simulator' end,
              case when s.status in ('sent', 'delivered', 'failed') then 'c' || i end,
              case when s.status = 'queued' then now() end,
              case when s.status = 'failed' and i % 2 = 0 then now() end,
              now() - (i::float8 / $2) * interval '30 days', now()
         from generate_series($3::int, $4::int - 1) i
         cross join lateral (select (${statuses})[1 + i % 10] as status) s`,
      [accountId, count, start, end],
    );
  }
}

function get(port: number, path: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(runs: number, once: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

export async function run(args: string[]) {
  const count = Number(args[0] ?? 1_000_000);
  const runs = Number(args[1] ?? 7);
  const server = await benchServer();
  try {
    const customer = await benchCustomer(server.ctx, '1');
    const other = await benchCustomer(server.ctx, '1');
    log(`writing ${count} messages for the account and ${count / 2} for another…`);
    await seed(server, customer.accountId, count);
    await seed(server, other.accountId, count / 2);
    await server.ctx.db.query('analyze messages');

    let total = 0;
    const month = await timed(runs, async () => {
      const res = await get(server.port, '/api/v1/usage', customer.authorization);
      if (res.status !== 200) throw new Error(`usage answered ${res.status}: ${res.body.slice(0, 300)}`);
      const buckets = JSON.parse(res.body) as { messages: Record<string, number> }[];
      total = buckets.reduce((n, b) => n + Object.values(b.messages).reduce((a, c) => a + c, 0), 0);
    });
    if (total < count * 0.95) throw new Error(`the month counted ${total} of ${count} messages`);
    const day = await timed(runs, async () => {
      const res = await get(server.port, '/api/v1/usage?granularity=hour', customer.authorization);
      if (res.status !== 200) throw new Error(`usage answered ${res.status}`);
    });
    const bare = await timed(runs, async () => {
      await server.ctx.db.query(
        `select count(*) from messages where account_id = $1 and created_at >= now() - interval '31 days'`,
        [customer.accountId],
      );
    });
    const median = (t: number[]) => round(percentile(t, 50));
    log(
      `30 days by day (${total} messages): median ${median(month)} ms, worst ${round(month[month.length - 1] ?? 0)} ms; ` +
        `24 hours by hour: median ${median(day)} ms; reading the month's rows alone: median ${median(bare)} ms`,
    );
    return {
      name: 'usage',
      value: median(month),
      unit: 'ms',
      messages: total,
      runs,
      worstMs: round(month[month.length - 1] ?? 0),
      hourlyMedianMs: median(day),
      rowsReadMedianMs: median(bare),
      targetMs: TARGET_MS,
      comparedWith: 'target 500 ms; a bare count of the same rows by the same index',
      database: 'postgres',
    };
  } finally {
    await server.close();
  }
}
