// GET /transactions?group=campaign_day on an account with a million charged messages over the
// last 30 days (60 campaigns, two a day, and single sends every day; another account's half
// million beside them), on a fresh PostgreSQL database, over HTTP: the first page of 50 grouped
// rows (the transactions page), the dashboard's 5, the third page, and the first 50 messages of
// one grouped row (opening it). Compared with the detailed first page (the ledger's own history
// walk) and with grouping the whole history in one GROUP BY, which the windowed grouping avoids.
//
//   npm run bench -- transactions [messages=1000000] [runs=7]
import { request } from 'node:http';
import { createApiKey } from '../src/accounts/api-keys.js';
import { signUp } from '../src/accounts/signup.js';
import { benchServer } from './campaign.js';
import { log, percentile, round } from './support.js';

const DAYS = 30;
const CAMPAIGNS_PER_DAY = 2;
const TARGET_MS = 500;

export async function account(ctx: Awaited<ReturnType<typeof benchServer>>['ctx']) {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const { accountId, userId } = await signUp(
    ctx,
    { email, password: 'correct horse battery staple', name: 'Bench' },
    'en',
  );
  await ctx.db.query(
    `update accounts set status = 'active', country = 'ES', timezone = 'Europe/Madrid' where id = $1`,
    [accountId],
  );
  await ctx.db.query('update users set email_verified_at = $2 where id = $1', [userId, ctx.now()]);
  const key = await createApiKey(ctx.db, { accountId, userId, name: 'bench', now: ctx.now() });
  return { accountId, authorization: `Bearer ${key.key}` };
}

/**
 * `count` messages charged evenly over the last 30 days, in time order (as the ledger writes
 * them: a later movement has a later seq), each message of day d belonging to one of that day's
 * two campaigns or, one in ten, a single send; then the credit they came from, now.
 */
export async function seed(
  ctx: Awaited<ReturnType<typeof benchServer>>['ctx'],
  accountId: string,
  count: number,
) {
  await ctx.db.query(
    `insert into campaigns (id, account_id, name, text, status, recipients, created_at, updated_at)
     select 'cmp_b' || $1 || '_' || c, $1, 'Campaign ' || c, 'Hello', 'completed', 0, now(), now()
       from generate_series(0, $2::int - 1) c`,
    [accountId, DAYS * CAMPAIGNS_PER_DAY],
  );
  for (let start = 0; start < count; start += 100_000) {
    const end = Math.min(count, start + 100_000);
    const rows = `from generate_series($3::int, $4::int - 1) i
      cross join lateral (select now() - interval '30 days' + (i::float8 / $2) * interval '30 days' as at,
                                 floor(i::float8 / $2 * ${DAYS})::int as day) d`;
    await ctx.db.query(
      `insert into messages (id, account_id, campaign_id, to_number, country, text, encoding, segments,
                             price_per_segment, credits, status, hold_id, carrier, carrier_message_id,
                             created_at, updated_at)
       select 'msg_b' || $1 || '_' || i, $1,
              case when i % 10 = 0 then null else 'cmp_b' || $1 || '_' || (d.day * ${CAMPAIGNS_PER_DAY} + i % ${CAMPAIGNS_PER_DAY}) end,
              '+346' || lpad((i % 10000000)::text, 8, '0'), 'ES', 'Hello', 'GSM-7', 1, 1000000, 1000000,
              'delivered', 'hold:msg_b' || $1 || '_' || i, 'simulator', 'c' || i, d.at, d.at
       ${rows}`,
      [accountId, count, start, end],
    );
    await ctx.db.query(
      `insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, pending_id, code,
                                     reference, debit_balance_after, debit_available_after, credit_balance_after,
                                     credit_available_after, created_at)
       select 'post:msg_b' || $1 || '_' || i, 'post', $1, 'sys_consumption_00', 1000000,
              'hold:msg_b' || $1 || '_' || i, 'consumption', 'msg_b' || $1 || '_' || i,
              ($2::bigint - i - 1) * 1000000, ($2::bigint - i - 1) * 1000000, 0, 0, d.at
       ${rows}
       order by i`,
      [accountId, count, start, end],
    );
  }
  await ctx.db.query(
    `insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, code, description,
                                   debit_balance_after, debit_available_after, credit_balance_after,
                                   credit_available_after, created_at)
     values ('bench_grant_' || $1, 'posted', 'sys_grants_00', $1, 1000000, 'grant', 'bench credit', 0, 0, 1000000,
             1000000, now())`,
    [accountId],
  );
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

interface Page {
  data: { count: number; detail: string | null; credits: string }[];
  nextCursor: string | null;
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
    const customer = await account(server.ctx);
    const other = await account(server.ctx);
    log(`writing ${count} charged messages for the account and ${count / 2} for another…`);
    await seed(server.ctx, other.accountId, count / 2);
    await seed(server.ctx, customer.accountId, count);
    await server.ctx.db.query('analyze messages');
    await server.ctx.db.query('analyze ledger_transfers');

    const page = async (query: string): Promise<Page> => {
      const res = await get(server.port, `/api/v1/transactions?${query}`, customer.authorization);
      if (res.status !== 200)
        throw new Error(`transactions answered ${res.status}: ${res.body.slice(0, 300)}`);
      return JSON.parse(res.body) as Page;
    };
    let first: Page = { data: [], nextCursor: null };
    const firstPage = await timed(runs, async () => {
      first = await page('group=campaign_day&limit=50');
    });
    const folded = first.data.reduce((n, r) => n + r.count, 0);
    if (first.data.length !== 50 || folded < count / 10) {
      throw new Error(`the first page had ${first.data.length} rows folding ${folded} movements`);
    }
    const dashboard = await timed(runs, async () => {
      await page('group=campaign_day&limit=5');
    });
    const second = await page(
      `group=campaign_day&limit=50&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
    );
    const thirdPage = await timed(runs, async () => {
      await page(`group=campaign_day&limit=50&cursor=${encodeURIComponent(second.nextCursor ?? '')}`);
    });
    const group = first.data.find((r) => r.detail);
    const open = await timed(runs, async () => {
      const detail = await page(`${(group?.detail ?? '').split('?')[1]}&limit=50`);
      if (detail.data.length !== 50) throw new Error(`a group opened to ${detail.data.length} rows`);
    });
    const detailed = await timed(runs, async () => {
      await page('limit=50');
    });
    // The naive way: group the account's whole history in one statement.
    const whole = await timed(Math.min(runs, 3), async () => {
      await server.ctx.db.query(
        `select to_char(t.created_at at time zone 'Europe/Madrid', 'YYYY-MM-DD'), m.campaign_id, count(*), sum(t.amount)
           from ledger_transfers t left join messages m on m.id = t.reference
          where t.debit_account_id = $1 and t.debit_account_id not like 'sys\\_%' and t.kind in ('posted', 'post')
          group by 1, 2 order by 1 desc limit 51`,
        [customer.accountId],
      );
    });
    const median = (t: number[]) => round(percentile(t, 50));
    log(
      `grouped, first page of 50 rows (${folded} movements): median ${median(firstPage)} ms, worst ` +
        `${round(firstPage[firstPage.length - 1] ?? 0)} ms; 5 rows: ${median(dashboard)} ms; third page: ` +
        `${median(thirdPage)} ms; opening a row (50 messages): ${median(open)} ms; detailed first page: ` +
        `${median(detailed)} ms; the whole history in one GROUP BY: ${median(whole)} ms`,
    );
    return {
      name: 'transactions',
      value: median(firstPage),
      unit: 'ms',
      messages: count,
      runs,
      worstMs: round(firstPage[firstPage.length - 1] ?? 0),
      dashboardMedianMs: median(dashboard),
      thirdPageMedianMs: median(thirdPage),
      openRowMedianMs: median(open),
      detailedFirstPageMedianMs: median(detailed),
      wholeHistoryGroupByMedianMs: median(whole),
      targetMs: TARGET_MS,
      comparedWith:
        'target 500 ms; the detailed first page; one GROUP BY over the whole history (what the windowed grouping avoids)',
      database: 'postgres',
    };
  } finally {
    await server.close();
  }
}
