// The low-balance alert on PostgreSQL, in one run:
//  1. Delay from the commit of the batch that crossed the limit to the alert's row (the
//     transaction with the e-mail) being committed, over many crossings while debits of
//     other accounts keep the batched writer busy. Each crossing is followed by a recovery
//     (a credit above the limit), which re-arms the alert.
//  2. The hot path's cost: debits/s of the batched writer on one account with no listener
//     against with the alert's listener (alternated rounds), and the time spent inside the
//     listener per batch.
//
//   npm run bench -- low-balance [crossings=60] [seconds per round=3] [rounds=3]
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Alerted, BalanceAlertWatcher, watchBalanceAlerts } from '../src/balance-alerts/index.js';
import { loadConfig } from '../src/config.js';
import { type AppContext, createContext } from '../src/context.js';
import { BatchedWriter } from '../src/ledger/batched-writer.js';
import type { AvailableChange } from '../src/ledger/available-signal.js';
import type { LedgerRequest } from '../src/ledger/types.js';
import { createLogger } from '../src/logger.js';
import { freshPostgres, log, percentile, round } from './support.js';

const CREDIT = 1_000_000n;
let counter = 0;

const debit = (account: string, micros = CREDIT): LedgerRequest => ({
  type: 'transfer',
  id: `lb${++counter}`,
  debit: account,
  credit: { system: 'consumption' },
  amount: micros,
  code: 'consumption',
});
const credit = (account: string, micros: bigint): LedgerRequest => ({
  type: 'transfer',
  id: `lbc${++counter}`,
  debit: { system: 'grants' },
  credit: account,
  amount: micros,
  code: 'grant',
});

/** An account with an owner who gets the e-mail, and a limit of `limitCredits`. */
async function customer(
  ctx: AppContext,
  id: string,
  limitCredits: bigint | null,
  funds: bigint,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await ctx.ledger.openCustomerAccount(id, tx);
    await tx.query(
      `insert into accounts (id, name, status, low_balance_alert_micros) values ($1, $1, 'active', $2)`,
      [id, limitCredits === null ? null : (limitCredits * CREDIT).toString()],
    );
    await tx.query(
      `insert into users (id, account_id, role, email, name, password_hash) values ($1, $2, 'owner', $3, 'Bench', 'x')`,
      [`usr_${id}`, id, `${id.toLowerCase()}@bench.test`],
    );
  });
  await ctx.ledger.apply([credit(id, funds * CREDIT)]);
}

async function crossings(ctx: AppContext, count: number) {
  const account = 'acc_bench_alert';
  const limit = 1000n;
  await customer(ctx, account, limit, limit + 20n);
  // Load beside it: 20 accounts debited continuously through the same writer.
  const others = Array.from({ length: 20 }, (_, i) => `acc_bench_load_${i}`);
  for (const other of others) await customer(ctx, other, null, 10_000_000n);
  let loading = true;
  let loadDone = 0;
  const load = Promise.all(
    others.flatMap((other) =>
      Array.from({ length: 25 }, async () => {
        while (loading) {
          await ctx.writer.submit(debit(other));
          loadDone++;
        }
      }),
    ),
  );

  let committedAt = 0;
  let alertedAt = 0;
  let alerted: (() => void) | null = null;
  const off = ctx.ledger.onAvailableChanged((changes: readonly AvailableChange[]) => {
    for (const change of changes) {
      if (change.accountId === account && change.decreased && change.availableMicros <= limit * CREDIT) {
        committedAt ||= performance.now();
      }
    }
  });
  watchBalanceAlerts(ctx, {
    onAlerted: (id: string, _alert: Alerted) => {
      if (id !== account) return;
      alertedAt = performance.now();
      alerted?.();
    },
  });
  const delays: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    committedAt = 0;
    alertedAt = 0;
    const arrived = new Promise<void>((resolve) => {
      alerted = resolve;
    });
    // 1,020 available: debits of 5 at a time cross 1,000 on the fifth.
    for (let k = 0; k < 6; k++) await ctx.writer.submit(debit(account, 5n * CREDIT));
    await Promise.race([arrived, new Promise((r) => setTimeout(r, 5000))]);
    if (!alertedAt || !committedAt) throw new Error(`crossing ${i + 1}: no alert within 5 s`);
    delays.push(alertedAt - committedAt);
    // Recover above the limit (re-arms), back to 1,020.
    await ctx.ledger.apply([credit(account, 30n * CREDIT)]);
    const idle = performance.now();
    while (performance.now() - idle < 2000) {
      const { rows } = await ctx.db.query<{ armed: boolean }>(
        'select armed from balance_alerts where account_id = $1',
        [account],
      );
      if (rows[0]?.armed) break;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  loading = false;
  await load;
  off();
  const { rows } = await ctx.db.query<{ n: number }>(
    "select count(*)::int as n from email_outbox where template = 'low_balance' and to_address = $1",
    [`${account}@bench.test`],
  );
  if (rows[0]?.n !== count) throw new Error(`${rows[0]?.n} alert e-mails for ${count} crossings`);
  delays.sort((a, b) => a - b);
  return {
    median: percentile(delays, 50),
    p99: percentile(delays, 99),
    max: delays[delays.length - 1] ?? Number.NaN,
    loadPerSecond: loadDone / elapsed,
  };
}

/** Closed loop on one account through a batched writer for `seconds`: debits/s and batches. */
async function writerRound(ctx: AppContext, account: string, seconds: number) {
  let batches = 0;
  const writer = new BatchedWriter(ctx.db, {
    lingerMs: 1,
    maxBatch: 2000,
    onBatch: () => {
      batches++;
    },
  });
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 2000 }, async () => {
      while (performance.now() < deadline) {
        const result = await writer.submit(debit(account));
        if (!result.ok) throw new Error(`a debit was refused: ${result.error.code}`);
        done++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  await writer.close();
  const wall = (performance.now() - started) / 1000;
  return { rate: done / wall, batches, cpuMsPerBatch: (used.user + used.system) / 1000 / batches };
}

async function hotPath(ctx: AppContext, seconds: number, rounds: number) {
  const account = 'acc_bench_hot';
  // Armed and far above its limit: the listener's fast path, as for almost every batch.
  await customer(ctx, account, 100n, 1_000_000_000n);
  // No listener at all for the "without" rounds: the watcher createContext subscribed goes.
  watchBalanceAlerts(ctx)();
  const without: { rate: number; cpuMsPerBatch: number }[] = [];
  const withListener: { rate: number; cpuMsPerBatch: number }[] = [];
  // Warm-up (prepared statements, JIT).
  await writerRound(ctx, account, 1);
  for (let r = 0; r < rounds; r++) {
    without.push(await writerRound(ctx, account, seconds));
    const stop = watchBalanceAlerts(ctx);
    withListener.push(await writerRound(ctx, account, seconds));
    stop();
  }
  // The listener alone, called as the ledger calls it, once per batch of this account: after
  // the first batch taught it the account, every batch above the limit takes the fast path.
  const watcher = new BalanceAlertWatcher(ctx);
  watcher.onChanges([{ accountId: account, availableMicros: 500_000_000n * CREDIT, decreased: true }]);
  await watcher.idle();
  const change: AvailableChange[] = [
    { accountId: account, availableMicros: 400_000_000n * CREDIT, decreased: true },
  ];
  const calls = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) watcher.onChanges(change);
  const listenerNs = Number(process.hrtime.bigint() - t0) / calls;
  await watcher.idle();
  const median = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  return {
    withoutRate: median(without.map((x) => x.rate)),
    withRate: median(withListener.map((x) => x.rate)),
    withoutCpuMsPerBatch: median(without.map((x) => x.cpuMsPerBatch)),
    withCpuMsPerBatch: median(withListener.map((x) => x.cpuMsPerBatch)),
    listenerNsPerCall: listenerNs,
    rounds: { without, with: withListener },
  };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const count = Number(args[0] ?? 60);
  const seconds = Number(args[1] ?? 3);
  const rounds = Number(args[2] ?? 3);
  const pg = await freshPostgres(20);
  const config = loadConfig({
    DATABASE_URL: pg.url,
    DATA_DIR: path.join(tmpdir(), 'tollgate-bench'),
    SMTP_URL: 'smtp://127.0.0.1:9',
    LOG_LEVEL: 'silent',
  });
  const ctx = createContext(config, pg.db, createLogger(config));
  try {
    log(`low-balance: ${count} crossings under load…`);
    const delay = await crossings(ctx, count);
    log(
      `  crossing commit -> alert committed: median ${round(delay.median, 2)} ms, p99 ${round(delay.p99, 2)} ms, max ${round(delay.max, 2)} ms (load beside it ${Math.round(delay.loadPerSecond)} debits/s)`,
    );
    log(`hot path: ${rounds} alternated rounds of ${seconds} s, one account, batched writer…`);
    const hot = await hotPath(ctx, seconds, rounds);
    for (const [i, r] of hot.rounds.without.entries()) {
      const w = hot.rounds.with[i];
      log(
        `  round ${i + 1}: without ${Math.round(r.rate)}/s (${round(r.cpuMsPerBatch, 3)} ms CPU/batch), with ${Math.round(w?.rate ?? 0)}/s (${round(w?.cpuMsPerBatch ?? 0, 3)} ms CPU/batch)`,
      );
    }
    log(`  the listener's fast path: ${round(hot.listenerNsPerCall, 0)} ns per batch`);
    return {
      name: 'low-balance',
      value: round(delay.median, 2),
      unit: 'ms',
      p99_ms: round(delay.p99, 2),
      max_ms: round(delay.max, 2),
      crossings: count,
      load_debits_per_s: Math.round(delay.loadPerSecond),
      listener_ns_per_batch: round(hot.listenerNsPerCall, 0),
      debits_per_s_without_listener: Math.round(hot.withoutRate),
      debits_per_s_with_listener: Math.round(hot.withRate),
      cpu_ms_per_batch_without: round(hot.withoutCpuMsPerBatch, 3),
      cpu_ms_per_batch_with: round(hot.withCpuMsPerBatch, 3),
      compared_with: 'the same writer without the listener, alternated rounds in the same run',
    };
  } finally {
    await ctx.messaging.close();
    await ctx.writer.close();
    await pg.drop();
  }
}
