// PostgreSQL only: real concurrency needs many connections and more than one process's pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { auditLedger, BatchedWriter, type ItemResult, Ledger, parseCredits } from '../../src/ledger/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

describe('the ledger under concurrency (PostgreSQL)', () => {
  let t: TestDb;
  let db: Db;
  let other: Db;
  let ledger: Ledger;

  beforeAll(async () => {
    t = await createTestDb({ poolSize: 16 });
    db = t.db;
    other = await t.openAnother(16);
    ledger = new Ledger(db);
  });
  afterAll(() => t.drop());

  it('accepts exactly 2,500 of 5,000 concurrent 1-credit debits against 2,500 credits, through two writers', async () => {
    await ledger.openCustomerAccount('acc_hot');
    await ledger.apply([
      {
        type: 'transfer',
        id: 'fund_hot',
        debit: { system: 'sales' },
        credit: 'acc_hot',
        amount: parseCredits('2500'),
        code: 'purchase',
      },
    ]);
    // Two writers on two pools: what two API processes would be.
    const writers = [
      new BatchedWriter(db, { lingerMs: 1, maxBatch: 200 }),
      new BatchedWriter(other, { lingerMs: 1, maxBatch: 200 }),
    ];
    const results: ItemResult[] = await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        (writers[i % 2] as BatchedWriter).submit({
          type: 'transfer',
          id: `hot_${i}`,
          debit: 'acc_hot',
          credit: { system: 'consumption' },
          amount: parseCredits('1'),
          code: 'consumption',
        }),
      ),
    );
    await Promise.all(writers.map((w) => w.close()));
    const accepted = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(accepted).toHaveLength(2500);
    expect(refused).toHaveLength(2500);
    expect(refused.every((r) => !r.ok && r.error.code === 'insufficient_credit')).toBe(true);
    expect(await ledger.balance('acc_hot')).toEqual({ balance: 0n, held: 0n, available: 0n });
    const { rows } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from ledger_transfers where debit_account_id = 'acc_hot'`,
    );
    expect(rows[0]?.n).toBe(2500n);
    expect((await auditLedger(db)).problems).toEqual([]);
  });

  it('never overdraws when holds, posts and plain ledger groups race on one account from two pools', async () => {
    await ledger.openCustomerAccount('acc_mixed');
    await ledger.apply([
      {
        type: 'transfer',
        id: 'fund_mixed',
        debit: { system: 'sales' },
        credit: 'acc_mixed',
        amount: parseCredits('100'),
        code: 'purchase',
      },
    ]);
    const writer = new BatchedWriter(other, { lingerMs: 1, maxBatch: 100 });
    const holds = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        writer.submit({
          type: 'hold',
          id: `mixed_hold_${i}`,
          debit: 'acc_mixed',
          credit: { system: 'consumption' },
          amount: parseCredits('1'),
          code: 'consumption',
        }),
      ),
    );
    const held = holds.filter((h) => h.ok).map((h) => (h.ok ? h.transfer.id : ''));
    expect(held).toHaveLength(100);
    // Post half, void half, while another pool tries direct debits that must all fail or fit.
    const ends = held.map((id, i) =>
      writer.submit(
        i % 2 === 0
          ? { type: 'post', id: `mixed_post_${i}`, pendingId: id, code: 'consumption' }
          : { type: 'void', id: `mixed_void_${i}`, pendingId: id, code: 'release' },
        'acc_mixed',
      ),
    );
    const direct = Array.from({ length: 80 }, (_, i) =>
      new Ledger(db)
        .apply([
          {
            type: 'transfer',
            id: `mixed_direct_${i}`,
            debit: 'acc_mixed',
            credit: { system: 'consumption' },
            amount: parseCredits('1'),
            code: 'consumption',
          },
        ])
        .then(
          () => true,
          () => false,
        ),
    );
    const [endResults, directResults] = await Promise.all([Promise.all(ends), Promise.all(direct)]);
    await writer.close();
    expect(endResults.every((r) => r.ok)).toBe(true);
    const directOk = directResults.filter(Boolean).length;
    const balance = await ledger.balance('acc_mixed');
    expect(balance?.held).toBe(0n);
    expect(balance?.balance).toBe(parseCredits('100') - parseCredits('50') - parseCredits(String(directOk)));
    expect(balance && balance.available >= 0n).toBe(true);
    expect((await auditLedger(db)).problems).toEqual([]);
  });
});
