import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import {
  auditLedger,
  BatchedWriter,
  type ItemResult,
  Ledger,
  type LedgerRequest,
  parseCredits,
  WriterClosedError,
} from '../../src/ledger/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const c = parseCredits;
let n = 0;
const uid = (p: string) => `${p}_${++n}_${Math.random().toString(36).slice(2, 8)}`;

describe('the batched writer', () => {
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

  async function fundedAccount(credits: string): Promise<string> {
    const id = uid('acc');
    await ledger.openCustomerAccount(id);
    await ledger.apply([
      {
        type: 'transfer',
        id: uid('fund'),
        debit: { system: 'sales' },
        credit: id,
        amount: c(credits),
        code: 'purchase',
      },
    ]);
    return id;
  }
  const debit = (account: string, amount: string, id = uid('d')): LedgerRequest => ({
    type: 'transfer',
    id,
    debit: account,
    credit: { system: 'consumption' },
    amount: c(amount),
    code: 'consumption',
  });

  it('coalesces concurrent debits into few transactions, answering each caller', async () => {
    const account = await fundedAccount('100');
    const sizes: number[] = [];
    const writer = new BatchedWriter(db, {
      lingerMs: 5,
      maxBatch: 1000,
      onBatch: (size) => sizes.push(size),
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => writer.submit(debit(account, '0.5'))),
    );
    await writer.close();
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(sizes.length).toBeLessThan(20);
    expect(await ledger.balance(account)).toEqual({ balance: 0n, held: 0n, available: 0n });
  });

  it('decides requests in arrival order: the first ones that fit are accepted', async () => {
    const account = await fundedAccount('3');
    const writer = new BatchedWriter(db, { lingerMs: 20, maxBatch: 1000 });
    const amounts = ['2', '2', '1', '0.5'];
    const results = await Promise.all(amounts.map((a) => writer.submit(debit(account, a))));
    await writer.close();
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false]);
    const refused = results[1] as Extract<ItemResult, { ok: false }>;
    expect(refused.error.code).toBe('insufficient_credit');
    expect(refused.error.details).toEqual({ required: '2', available: '1' });
    const last = results[3] as Extract<ItemResult, { ok: false }>;
    expect(last.error.details).toEqual({ required: '0.5', available: '0' });
  });

  it('gives a retried id its first answer, within a batch and across batches', async () => {
    const account = await fundedAccount('10');
    const writer = new BatchedWriter(db, { lingerMs: 10, maxBatch: 1000 });
    const id = uid('same');
    const [a, b] = await Promise.all([
      writer.submit(debit(account, '1', id)),
      writer.submit(debit(account, '1', id)),
    ]);
    const later = await writer.submit(debit(account, '1', id));
    const conflict = await writer.submit(debit(account, '2', id));
    await writer.close();
    expect(a.ok && !a.replayed).toBe(true);
    expect(b.ok && b.replayed).toBe(true);
    expect(later.ok && later.replayed).toBe(true);
    expect(!conflict.ok && conflict.error.code).toBe('id_conflict');
    expect((await ledger.balance(account))?.balance).toBe(c('9'));
  });

  it('gives a retried id its first answer even when the request would be refused now', async () => {
    const account = await fundedAccount('3');
    const writer = new BatchedWriter(db, { lingerMs: 1, maxBatch: 1000 });
    const hold: LedgerRequest = {
      type: 'hold',
      id: uid('h'),
      debit: account,
      credit: { system: 'consumption' },
      amount: c('3'),
      code: 'consumption',
    };
    const first = await writer.submit(hold);
    // Nothing is available now, so the hold decided afresh would be refused for lack of credit;
    // a void of it, once it is posted, would be refused as already resolved.
    const again = await writer.submit(hold);
    const post: LedgerRequest = { type: 'post', id: uid('p'), pendingId: hold.id, code: 'consumption' };
    const posted = await writer.submit(post, account);
    const postedAgain = await writer.submit(post, account);
    await writer.close();
    expect(first.ok && !first.replayed).toBe(true);
    expect(again.ok && again.replayed && again.transfer.seq).toBe(first.ok && first.transfer.seq);
    expect(posted.ok && !posted.replayed).toBe(true);
    expect(postedAgain.ok && postedAgain.replayed).toBe(true);
    expect(await ledger.balance(account)).toEqual({ balance: 0n, held: 0n, available: 0n });
  });

  it('holds, then posts and voids through the same writer', async () => {
    const account = await fundedAccount('10');
    const writer = new BatchedWriter(db, { lingerMs: 1, maxBatch: 100 });
    const holds = await Promise.all(
      [1, 2, 3].map(() =>
        writer.submit({
          type: 'hold',
          id: uid('h'),
          debit: account,
          credit: { system: 'consumption' },
          amount: c('2'),
          code: 'consumption',
        }),
      ),
    );
    expect(await ledger.balance(account)).toEqual({ balance: c('10'), held: c('6'), available: c('4') });
    const ids = holds.map((h) => (h.ok ? h.transfer.id : ''));
    const ends = await Promise.all([
      writer.submit({ type: 'post', id: uid('p'), pendingId: ids[0] ?? '', code: 'consumption' }, account),
      writer.submit(
        { type: 'post', id: uid('p'), pendingId: ids[1] ?? '', amount: c('0.5'), code: 'consumption' },
        account,
      ),
      writer.submit({ type: 'void', id: uid('v'), pendingId: ids[2] ?? '', code: 'release' }, account),
      writer.submit({ type: 'void', id: uid('v'), pendingId: ids[0] ?? '', code: 'release' }, account),
    ]);
    await writer.close();
    expect(ends.map((e) => e.ok)).toEqual([true, true, true, false]);
    expect(await ledger.balance(account)).toEqual({ balance: c('7.5'), held: 0n, available: c('7.5') });
  });

  it('refuses a malformed request for its caller only', async () => {
    const account = await fundedAccount('10');
    const writer = new BatchedWriter(db, { lingerMs: 5, maxBatch: 100 });
    const [good, bad] = await Promise.all([
      writer.submit(debit(account, '1')),
      writer.submit({
        type: 'transfer',
        id: uid('z'),
        debit: account,
        credit: { system: 'consumption' },
        amount: 0n,
        code: 'consumption',
      }),
    ]);
    await writer.close();
    expect(good.ok).toBe(true);
    expect(!bad.ok && bad.error.code).toBe('invalid_request');
  });

  it('writes everything queued before it closes, then refuses new work', async () => {
    const account = await fundedAccount('10');
    const writer = new BatchedWriter(db, { lingerMs: 50, maxBatch: 100 });
    const queued = Array.from({ length: 10 }, () => writer.submit(debit(account, '1')));
    await writer.close();
    expect((await Promise.all(queued)).every((r) => r.ok)).toBe(true);
    await expect(writer.submit(debit(account, '1'))).rejects.toBeInstanceOf(WriterClosedError);
    expect((await ledger.balance(account))?.available).toBe(0n);
  });

  it('serves many accounts at once without mixing them up', async () => {
    const accounts = await Promise.all([1, 2, 3, 4, 5].map(() => fundedAccount('5')));
    const writer = new BatchedWriter(db, { lingerMs: 2, maxBatch: 50 });
    const results = await Promise.all(
      accounts.flatMap((a) => Array.from({ length: 8 }, () => writer.submit(debit(a, '1')))),
    );
    await writer.close();
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    for (const a of accounts) expect((await ledger.balance(a))?.available).toBe(0n);
  });

  it('stores and returns each transfer of a batch with its own seq, time and balances after it', async () => {
    const account = await fundedAccount('20');
    const writer = new BatchedWriter(db, { lingerMs: 20, maxBatch: 1000 });
    const hold = (amount: string): LedgerRequest => ({
      type: 'hold',
      id: uid('bh'),
      debit: account,
      credit: { system: 'consumption' },
      amount: c(amount),
      code: 'consumption',
      reference: uid('msg'),
      description: `hold of ${amount}`,
    });
    // One batch of equal debits (one refused in the middle), one of holds of different
    // amounts, one of different debits, then one mixing posts, voids and a debit.
    const batches: LedgerRequest[][] = [
      ['1', '1', '1', '50', '1'].map((a) => debit(account, a)),
      ['0.5', '2', '0.25', '100', '1'].map(hold),
      ['0.1', '0.2', '0.3'].map((a) => debit(account, a)),
    ];
    const answers: ItemResult[] = [];
    for (const batch of batches) answers.push(...(await Promise.all(batch.map((r) => writer.submit(r)))));
    const heldIds = answers
      .filter((r) => r.ok && r.transfer.kind === 'pending')
      .map((r) => (r.ok ? r.transfer.id : ''));
    answers.push(
      ...(await Promise.all([
        writer.submit(
          { type: 'post', id: uid('bp'), pendingId: heldIds[0] ?? '', code: 'consumption' },
          account,
        ),
        writer.submit({ type: 'void', id: uid('bv'), pendingId: heldIds[1] ?? '', code: 'release' }, account),
        writer.submit(
          { type: 'post', id: uid('bp'), pendingId: heldIds[2] ?? '', amount: c('0.1'), code: 'consumption' },
          account,
        ),
        writer.submit(debit(account, '2')),
      ])),
    );
    await writer.close();
    expect(answers.map((r) => r.ok)).toEqual([
      ...[true, true, true, false, true],
      ...[true, true, true, false, true],
      ...[true, true, true],
      ...[true, true, true, true],
    ]);
    const written = answers.flatMap((r) => (r.ok ? [r.transfer] : []));
    // What each caller got is what is stored, and seq follows arrival order.
    for (const transfer of written) expect(await ledger.transfer(transfer.id)).toEqual(transfer);
    const seqs = written.map((t) => t.seq);
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    // The balances after each entry agree with a replay of the account's history.
    const { entries } = await ledger.history(account, { limit: 100 });
    let balance = 0n;
    let held = 0n;
    const replayed = entries.reverse().map((entry) => {
      const t = entry.transfer;
      if (t.kind === 'posted' || t.kind === 'post') balance += entry.delta;
      if (t.kind === 'pending') held += t.amount;
      if (t.kind === 'post' || t.kind === 'void') {
        const hold = entries.find((e) => e.transfer.id === t.pendingId);
        held -= hold?.transfer.amount ?? 0n;
      }
      return [t.id, entry.balanceAfter, entry.availableAfter, balance, balance - held];
    });
    for (const [id, balanceAfter, availableAfter, replayBalance, replayAvailable] of replayed) {
      expect({ id, balanceAfter, availableAfter }).toEqual({
        id,
        balanceAfter: replayBalance,
        availableAfter: replayAvailable,
      });
    }
    expect(replayed).toHaveLength(1 + written.length);
    expect(await ledger.balance(account)).toEqual({
      balance: c('12.8'),
      held: c('1'),
      available: c('11.8'),
    });
    // The system side's balances after each transfer too.
    const consumption = written.filter((t) => t.kind === 'posted' || t.kind === 'post');
    for (let i = 1; i < consumption.length; i++) {
      const [prev, cur] = [consumption[i - 1], consumption[i]];
      expect(cur?.creditBalanceAfter).toBe((prev?.creditBalanceAfter ?? 0n) + (cur?.amount ?? 0n));
    }
  });

  it('lets a domain write its own rows in the batch transaction, committed or rolled back with the transfers', async () => {
    await db.exec(
      'create table if not exists writer_side_rows (transfer_id text primary key, accepted boolean not null, note text)',
    );
    const account = await fundedAccount('2');
    const writer = new BatchedWriter<string>(db, {
      lingerMs: 10,
      maxBatch: 100,
      onDecided: async (tx, items) => {
        if (items.some((item) => item.extra === 'explode')) throw new Error('the side write failed');
        await tx.query(
          'insert into writer_side_rows (transfer_id, accepted, note) select * from unnest($1::text[], $2::boolean[], $3::text[])',
          [items.map((i) => i.request.id), items.map((i) => i.result.ok), items.map((i) => i.extra ?? null)],
        );
      },
    });
    const ok = await Promise.all([
      writer.submit(debit(account, '1', 'side_a'), undefined, 'first'),
      writer.submit(debit(account, '5', 'side_b'), undefined, 'too big'),
    ]);
    expect(ok.map((r) => r.ok)).toEqual([true, false]);
    const { rows } = await db.query<{ transfer_id: string; accepted: boolean; note: string }>(
      'select transfer_id, accepted, note from writer_side_rows order by transfer_id',
    );
    expect(rows).toEqual([
      { transfer_id: 'side_a', accepted: true, note: 'first' },
      { transfer_id: 'side_b', accepted: false, note: 'too big' },
    ]);
    await expect(writer.submit(debit(account, '1', 'side_c'), undefined, 'explode')).rejects.toThrow(
      'side write failed',
    );
    await writer.close();
    expect(await ledger.transfer('side_c')).toBeNull();
    expect((await ledger.balance(account))?.balance).toBe(c('1'));
  });

  it('writes a companion with the transfers’ insert, or on its own when the batch inserted none', async () => {
    await db.exec(
      'create table if not exists writer_companion_rows (transfer_id text primary key, note text)',
    );
    const account = await fundedAccount('2');
    const writer = new BatchedWriter<string>(db, {
      lingerMs: 10,
      maxBatch: 100,
      companion: (items) => {
        const rows = items.filter((i) => i.extra !== undefined);
        if (rows.length === 0) return null;
        return {
          written: false,
          ctes: (param) => [
            {
              name: 'side',
              sql: `insert into writer_companion_rows (transfer_id, note)
                    select * from unnest(${param(
                      // A null id fails the statement: 'explode' tries a failing companion.
                      rows.map((i) => (i.extra === 'explode' ? null : i.request.id)),
                      'text[]',
                    )}, ${param(
                      rows.map((i) => `${i.extra}:${i.result.ok ? 'ok' : i.result.error.code}`),
                      'text[]',
                    )}) returning 1`,
            },
          ],
        };
      },
    });
    const both = await Promise.all([
      writer.submit(debit(account, '1', 'comp_a'), undefined, 'first'),
      writer.submit(debit(account, '5', 'comp_b'), undefined, 'too big'),
    ]);
    expect(both.map((r) => r.ok)).toEqual([true, false]);
    // A batch that inserts no transfer: its companion still goes, in a statement of its own.
    const refused = await writer.submit(debit(account, '5', 'comp_c'), undefined, 'alone');
    expect(refused.ok).toBe(false);
    // A failing companion fails its batch: the transfer is not stored either.
    await expect(writer.submit(debit(account, '1', 'comp_d'), undefined, 'explode')).rejects.toThrow();
    await writer.close();
    expect(await ledger.transfer('comp_d')).toBeNull();
    const { rows } = await db.query<{ transfer_id: string; note: string }>(
      'select transfer_id, note from writer_companion_rows order by transfer_id',
    );
    expect(rows).toEqual([
      { transfer_id: 'comp_a', note: 'first:ok' },
      { transfer_id: 'comp_b', note: 'too big:insufficient_credit' },
      { transfer_id: 'comp_c', note: 'alone:insufficient_credit' },
    ]);
    expect((await ledger.balance(account))?.balance).toBe(c('1'));
  });
});
