import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import {
  type AvailableChange,
  auditLedger,
  BatchedWriter,
  Ledger,
  type LedgerRequest,
  parseCredits,
} from '../../src/ledger/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const c = parseCredits;
let n = 0;
const uid = (p: string) => `${p}_${++n}_${Math.random().toString(36).slice(2, 8)}`;

describe('the available-credit signal', () => {
  let t: TestDb;
  let db: Db;
  let ledger: Ledger;

  beforeAll(async () => {
    t = await createTestDb();
    db = t.db;
    ledger = new Ledger(db);
  });
  afterAll(async () => {
    expect((await auditLedger(db)).problems).toEqual([]);
    await t.drop();
  });

  /** Subscribes for the length of `body`; returns every call's changes. */
  async function heard(body: () => Promise<void>): Promise<AvailableChange[][]> {
    const calls: AvailableChange[][] = [];
    const off = ledger.onAvailableChanged((changes) => calls.push([...changes]));
    try {
      await body();
    } finally {
      off();
    }
    return calls;
  }

  const fund = (account: string, credits: string): LedgerRequest => ({
    type: 'transfer',
    id: uid('fund'),
    debit: { system: 'sales' },
    credit: account,
    amount: c(credits),
    code: 'purchase',
  });
  const debit = (account: string, amount: string): LedgerRequest => ({
    type: 'transfer',
    id: uid('d'),
    debit: account,
    credit: { system: 'consumption' },
    amount: c(amount),
    code: 'consumption',
  });
  const hold = (account: string, amount: string, id = uid('h')): LedgerRequest => ({
    type: 'hold',
    id,
    debit: account,
    credit: { system: 'consumption' },
    amount: c(amount),
    code: 'consumption',
  });

  async function account(credits: string | null): Promise<string> {
    const id = uid('acc');
    await ledger.openCustomerAccount(id);
    if (credits) await ledger.apply([fund(id, credits)]);
    return id;
  }

  it('tells each batch of the writer once, with the new available credit of the customer accounts it changed', async () => {
    const a = await account('100');
    const b = await account('50');
    const batches: number[] = [];
    const writer = new BatchedWriter(db, {
      lingerMs: 5,
      maxBatch: 1000,
      onBatch: (size) => batches.push(size),
    });
    const calls = await heard(async () => {
      // One lane for both accounts: their requests share batches.
      await Promise.all([
        ...Array.from({ length: 40 }, () => writer.submit(debit(a, '1'), 'shared')),
        ...Array.from({ length: 10 }, () => writer.submit(hold(b, '2'), 'shared')),
      ]);
      await writer.close();
    });
    expect(calls.length).toBe(batches.length);
    for (const changes of calls) {
      expect(changes.every((change) => change.accountId === a || change.accountId === b)).toBe(true);
      expect(changes.every((change) => change.decreased)).toBe(true);
      expect(new Set(changes.map((change) => change.accountId)).size).toBe(changes.length);
    }
    const last = (id: string) =>
      calls
        .flat()
        .filter((change) => change.accountId === id)
        .at(-1)?.availableMicros;
    expect(last(a)).toBe(c('60'));
    expect(last(b)).toBe(c('30'));
  });

  it('says the balance went up for a credit, a void and a partial post', async () => {
    const a = await account(null);
    const holdId = uid('h');
    const calls = await heard(async () => {
      await ledger.apply([fund(a, '10')]);
      await ledger.apply([hold(a, '4', holdId)]);
      await ledger.apply([
        { type: 'post', id: uid('p'), pendingId: holdId, amount: c('1'), code: 'consumption' },
      ]);
    });
    expect(calls).toEqual([
      [{ accountId: a, availableMicros: c('10'), decreased: false }],
      [{ accountId: a, availableMicros: c('6'), decreased: true }],
      [{ accountId: a, availableMicros: c('9'), decreased: false }],
    ]);
  });

  it('is told by the time the write returns, and only after its transaction commits', async () => {
    const a = await account('10');
    const seenInside: number[] = [];
    const calls = await heard(async () => {
      await db.transaction(async (tx) => {
        await ledger.apply([debit(a, '3')], tx);
        await ledger.apply([debit(a, '2')], tx);
        await tx.query('select 1');
        seenInside.push(0);
      });
    });
    expect(seenInside).toEqual([0]);
    // Both writes of the transaction in one call: where it started (10) to where it ended (5).
    expect(calls).toEqual([[{ accountId: a, availableMicros: c('5'), decreased: true }]]);
  });

  it('tells nothing when the transaction rolls back or every request is refused', async () => {
    const a = await account('2');
    const writer = new BatchedWriter(db, { lingerMs: 0, maxBatch: 10 });
    const calls = await heard(async () => {
      await expect(
        db.transaction(async (tx) => {
          await ledger.apply([debit(a, '1')], tx);
          throw new Error('the purchase failed after its debit');
        }),
      ).rejects.toThrow('the purchase failed');
      const refused = await writer.submit(debit(a, '5'));
      expect(refused.ok).toBe(false);
      await writer.close();
    });
    expect(calls).toEqual([]);
    expect((await ledger.balance(a))?.available).toBe(c('2'));
  });

  it('a listener that throws is logged and disturbs neither the writer nor the other listeners', async () => {
    const logged: unknown[] = [];
    const quiet = new Ledger(db, { logger: { error: (fields) => logged.push(fields) } });
    const a = await account('10');
    const off = quiet.onAvailableChanged(() => {
      throw new Error('listener bug');
    });
    const writer = new BatchedWriter(db, { lingerMs: 0, maxBatch: 10 });
    try {
      const calls = await heard(async () => {
        const result = await writer.submit(debit(a, '1'));
        expect(result.ok).toBe(true);
        await writer.close();
      });
      expect(calls).toEqual([[{ accountId: a, availableMicros: c('9'), decreased: true }]]);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ accounts: [a] });
    } finally {
      off();
    }
    expect((await ledger.balance(a))?.available).toBe(c('9'));
  });

  it('stops telling a listener that unsubscribed', async () => {
    const a = await account('10');
    const calls: AvailableChange[][] = [];
    const off = ledger.onAvailableChanged((changes) => calls.push([...changes]));
    await ledger.apply([debit(a, '1')]);
    off();
    await ledger.apply([debit(a, '1')]);
    expect(calls).toHaveLength(1);
  });
});
