// A writer process killed with SIGKILL in the middle of a stream of batches: every batch is
// all or nothing, and replaying the same transfer ids applies each exactly once.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { auditLedger, BatchedWriter, Ledger } from '../../src/ledger/index.js';
import { sharedTestDatabase } from '../helpers/db.js';
import { runUntilKilled } from '../helpers/kill-child.js';

const TOTAL = 20_000;
const child = path.join(import.meta.dirname, 'fixtures', 'crash-child.ts');

describe('a writer killed mid-stream', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('leaves no half-applied batch, and a replay applies each transfer exactly once', async () => {
    const { target, open, remove } = await sharedTestDatabase('tollgate-crash-');
    cleanups.push(remove);

    let db = await open();
    await migrate(db);
    const ledger = new Ledger(db);
    await ledger.openCustomerAccount('acc_crash');
    await ledger.apply([
      {
        type: 'transfer',
        id: 'crash_fund',
        debit: { system: 'sales' },
        credit: 'acc_crash',
        amount: 1_000_000_000n,
        code: 'purchase',
      },
    ]);
    await db.close();

    const { progress: killedAt, finished } = await runUntilKilled(
      child,
      [target, String(TOTAL)],
      'committed',
      2_000,
    );
    expect(finished).toBe(false);
    expect(killedAt).toBeGreaterThanOrEqual(2_000);

    db = await open();
    const after = new Ledger(db);
    // Every committed transfer is matched by the totals; nothing half-written.
    expect((await auditLedger(db)).problems).toEqual([]);
    const count = async () => {
      const { rows } = await db.query<{ n: bigint }>(
        `select count(*)::bigint as n from ledger_transfers where id like 'crash\\_%' and id <> 'crash_fund'`,
      );
      return rows[0]?.n ?? 0n;
    };
    const survived = await count();
    expect(survived).toBeGreaterThanOrEqual(BigInt(killedAt));
    expect(survived).toBeLessThan(BigInt(TOTAL));
    expect((await after.balance('acc_crash'))?.balance).toBe(1_000_000_000n - survived * 1_000n);

    // Replay the whole stream: the survivors are replays, the rest are applied once.
    const writer = new BatchedWriter(db, { lingerMs: 1, maxBatch: 500 });
    const results = await Promise.all(
      Array.from({ length: TOTAL }, (_, i) =>
        writer.submit({
          type: 'transfer',
          id: `crash_${i}`,
          debit: 'acc_crash',
          credit: { system: 'consumption' },
          amount: 1_000n,
          code: 'consumption',
        }),
      ),
    );
    await writer.close();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(BigInt(results.filter((r) => r.ok && r.replayed).length)).toBe(survived);
    expect(await count()).toBe(BigInt(TOTAL));
    expect((await after.balance('acc_crash'))?.balance).toBe(1_000_000_000n - BigInt(TOTAL) * 1_000n);
    expect((await auditLedger(db)).problems).toEqual([]);
    await db.close();
  });
});
