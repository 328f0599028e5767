// Debits per second on ONE account: the batched writer against one transaction per debit,
// side by side in one run, on PostgreSQL and on PGlite; then p99 latency per debit while
// 10,000 debits/s are offered (open loop) on PostgreSQL.
import type { Db } from '../src/db/types.js';
import { BatchedWriter, Ledger, type LedgerRequest } from '../src/ledger/index.js';
import { freshPglite, freshPostgres, log, percentile, round } from './support.js';

let counter = 0;
const debit = (account: string): LedgerRequest => ({
  type: 'transfer',
  id: `b${++counter}`,
  debit: account,
  credit: { system: 'consumption' },
  amount: 1_000_000n,
  code: 'consumption',
});

async function funded(db: Db, account: string): Promise<void> {
  const ledger = new Ledger(db);
  await ledger.openCustomerAccount(account);
  await ledger.apply([
    {
      type: 'transfer',
      id: `fund_${account}`,
      debit: { system: 'sales' },
      credit: account,
      amount: 10n ** 15n,
      code: 'purchase',
    },
  ]);
}

/** Closed loop: `concurrency` callers, each submitting its next debit when the last is answered. */
async function closedLoop(
  seconds: number,
  concurrency: number,
  submit: () => Promise<boolean>,
): Promise<number> {
  let done = 0;
  let refused = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (await submit()) done++;
        else refused++;
      }
    }),
  );
  if (refused > 0) throw new Error(`${refused} debits were refused; the account should have had enough`);
  return done / ((performance.now() - started) / 1000);
}

async function batched(db: Db, account: string, seconds: number): Promise<number> {
  const writer = new BatchedWriter(db, { lingerMs: 1, maxBatch: 2000 });
  const rate = await closedLoop(seconds, 4000, async () => (await writer.submit(debit(account))).ok);
  await writer.close();
  return rate;
}

async function onePerTransaction(db: Db, account: string, seconds: number, clients: number): Promise<number> {
  const ledger = new Ledger(db);
  return closedLoop(seconds, clients, () => ledger.apply([debit(account)]).then(() => true));
}

/** Open loop: offers `rate` debits per second for `seconds`, measuring each one's latency. */
async function latencyAt(db: Db, account: string, rate: number, seconds: number) {
  const writer = new BatchedWriter(db, { lingerMs: 1, maxBatch: 2000 });
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const total = rate * seconds;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const t0 = performance.now();
      pending.push(
        writer.submit(debit(account)).then((r) => {
          if (!r.ok) throw new Error('refused');
          latencies.push(performance.now() - t0);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - started) / 1000);
  await writer.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), achieved };
}

export async function run(args: string[]) {
  const seconds = Number(args[0] ?? 5);
  const pgDb = await freshPostgres(16);
  try {
    await funded(pgDb.db, 'acc_bench');
    log('PostgreSQL: warming up…');
    await batched(pgDb.db, 'acc_bench', 1);
    const baseline = await onePerTransaction(pgDb.db, 'acc_bench', seconds, 16);
    log(`PostgreSQL, one transaction per debit (16 clients): ${round(baseline)} debits/s`);
    const pgBatched = await batched(pgDb.db, 'acc_bench', seconds);
    log(`PostgreSQL, batched writer: ${round(pgBatched)} debits/s`);
    const latency = await latencyAt(pgDb.db, 'acc_bench', 10_000, seconds);
    log(
      `PostgreSQL, 10,000 debits/s offered: p50 ${round(latency.p50, 2)} ms, p99 ${round(latency.p99, 2)} ms`,
    );

    const lite = await freshPglite();
    await funded(lite, 'acc_bench');
    await batched(lite, 'acc_bench', 1);
    const liteBaseline = await onePerTransaction(lite, 'acc_bench', seconds, 16);
    log(`PGlite, one transaction per debit: ${round(liteBaseline)} debits/s`);
    const liteBatched = await batched(lite, 'acc_bench', seconds);
    log(`PGlite, batched writer: ${round(liteBatched)} debits/s`);
    await lite.close();

    return {
      name: 'ledger',
      value: Math.round(pgBatched),
      unit: 'debits/s',
      baseline: Math.round(baseline),
      baseline_desc: 'one transaction per debit, 16 clients, same PostgreSQL, same run',
      ratio: round(pgBatched / baseline, 1),
      pglite: Math.round(liteBatched),
      pglite_baseline: Math.round(liteBaseline),
      p50_ms: round(latency.p50, 2),
      p99_ms: round(latency.p99, 2),
      offered_per_s: 10_000,
      achieved_per_s: Math.round(latency.achieved),
      targets: { value: 50_000, pglite: 20_000, p99_ms: 20 },
    };
  } finally {
    await pgDb.drop();
  }
}
