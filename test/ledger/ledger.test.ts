import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import {
  auditLedger,
  BatchedWriter,
  expireOverdueHolds,
  Ledger,
  LedgerError,
  type LedgerRequest,
  MAX_TRANSFER_MICROS,
  parseCredits,
} from '../../src/ledger/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const c = parseCredits;
let seq = 0;
const uid = (prefix: string) => `${prefix}_${++seq}_${Math.random().toString(36).slice(2, 8)}`;

async function expectLedgerError(promise: Promise<unknown>, code: LedgerError['code']): Promise<LedgerError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LedgerError);
  expect((error as LedgerError).code).toBe(code);
  return error as LedgerError;
}

describe('the credit ledger', () => {
  let t: TestDb;
  let db: Db;
  let ledger: Ledger;
  let account: string;

  beforeAll(async () => {
    t = await createTestDb();
    db = t.db;
    ledger = new Ledger(db);
  });
  afterAll(async () => {
    const report = await auditLedger(db);
    expect(report.problems).toEqual([]);
    await t.drop();
  });
  beforeEach(async () => {
    account = uid('acc');
    await ledger.openCustomerAccount(account);
  });

  const fund = (amount: string, id = uid('fund')) =>
    ledger.apply([
      {
        type: 'transfer',
        id,
        debit: { system: 'sales' },
        credit: account,
        amount: c(amount),
        code: 'purchase',
      },
    ]);
  const spend = (amount: string, id = uid('spend')): LedgerRequest => ({
    type: 'transfer',
    id,
    debit: account,
    credit: { system: 'consumption' },
    amount: c(amount),
    code: 'consumption',
  });
  const hold = (amount: string, id = uid('hold'), timeoutAt?: Date): LedgerRequest => ({
    type: 'hold',
    id,
    debit: account,
    credit: { system: 'consumption' },
    amount: c(amount),
    code: 'consumption',
    timeoutAt,
  });

  it('starts a customer account empty, and opening it twice changes nothing', async () => {
    await ledger.openCustomerAccount(account);
    expect(await ledger.balance(account)).toEqual({ balance: 0n, held: 0n, available: 0n });
  });

  it('credits a purchase and debits consumption, keeping balance and available', async () => {
    await fund('100');
    await ledger.apply([spend('0.045')]);
    expect(await ledger.balance(account)).toEqual({ balance: c('99.955'), held: 0n, available: c('99.955') });
  });

  it('refuses a debit beyond the available credit and says how much is available', async () => {
    await fund('1');
    const error = await expectLedgerError(ledger.apply([spend('1.000001')]), 'insufficient_credit');
    expect(error.details).toEqual({ required: '1.000001', available: '1' });
    expect(await ledger.balance(account)).toEqual({ balance: c('1'), held: 0n, available: c('1') });
  });

  it('lets a debit take the available credit to exactly zero', async () => {
    await fund('2.5');
    await ledger.apply([spend('2.5')]);
    expect((await ledger.balance(account))?.available).toBe(0n);
  });

  it('returns the first result when the same transfer id is submitted again, applying nothing twice', async () => {
    const id = uid('fund');
    const [first] = await fund('10', id);
    const [again] = await fund('10', id);
    expect(again).toEqual(first);
    expect((await ledger.balance(account))?.balance).toBe(c('10'));
  });

  it('refuses the same transfer id with other fields', async () => {
    const id = uid('fund');
    await fund('10', id);
    await expectLedgerError(fund('11', id), 'id_conflict');
    expect((await ledger.balance(account))?.balance).toBe(c('10'));
  });

  it('reserves credits with a hold and posts it in full', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('3')]);
    expect(await ledger.balance(account)).toEqual({ balance: c('10'), held: c('3'), available: c('7') });
    await ledger.apply([{ type: 'post', id: uid('post'), pendingId: h?.id ?? '', code: 'consumption' }]);
    expect(await ledger.balance(account)).toEqual({ balance: c('7'), held: 0n, available: c('7') });
  });

  it('posts a hold for less and returns the rest', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('3')]);
    await ledger.apply([
      { type: 'post', id: uid('post'), pendingId: h?.id ?? '', amount: c('1.25'), code: 'consumption' },
    ]);
    expect(await ledger.balance(account)).toEqual({ balance: c('8.75'), held: 0n, available: c('8.75') });
  });

  it('refuses to post more than was held', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('3')]);
    await expectLedgerError(
      ledger.apply([
        { type: 'post', id: uid('post'), pendingId: h?.id ?? '', amount: c('3.000001'), code: 'consumption' },
      ]),
      'post_exceeds_pending',
    );
  });

  it('voids a hold, returning everything it reserved', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('4')]);
    await ledger.apply([{ type: 'void', id: uid('void'), pendingId: h?.id ?? '', code: 'release' }]);
    expect(await ledger.balance(account)).toEqual({ balance: c('10'), held: 0n, available: c('10') });
    expect(await ledger.holdState(h?.id ?? '')).toBe('void');
  });

  it('ends a hold exactly once: a second post, a void after a post, a post after a void are refused', async () => {
    await fund('10');
    const [a] = await ledger.apply([hold('1')]);
    const [b] = await ledger.apply([hold('1')]);
    await ledger.apply([{ type: 'post', id: uid('post'), pendingId: a?.id ?? '', code: 'consumption' }]);
    await expectLedgerError(
      ledger.apply([{ type: 'post', id: uid('post'), pendingId: a?.id ?? '', code: 'consumption' }]),
      'pending_already_resolved',
    );
    await expectLedgerError(
      ledger.apply([{ type: 'void', id: uid('void'), pendingId: a?.id ?? '', code: 'release' }]),
      'pending_already_resolved',
    );
    await ledger.apply([{ type: 'void', id: uid('void'), pendingId: b?.id ?? '', code: 'release' }]);
    await expectLedgerError(
      ledger.apply([{ type: 'post', id: uid('post'), pendingId: b?.id ?? '', code: 'consumption' }]),
      'pending_already_resolved',
    );
    expect(await ledger.balance(account)).toEqual({ balance: c('9'), held: 0n, available: c('9') });
  });

  it('ends a hold once even when two posts race', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('2')]);
    const attempts = await Promise.allSettled(
      [1, 2, 3, 4].map(() =>
        ledger.apply([{ type: 'post', id: uid('post'), pendingId: h?.id ?? '', code: 'consumption' }]),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(await ledger.balance(account)).toEqual({ balance: c('8'), held: 0n, available: c('8') });
  });

  it('refuses to end a hold that does not exist, or a transfer that is not a hold', async () => {
    await expectLedgerError(
      ledger.apply([{ type: 'void', id: uid('void'), pendingId: 'no-such-hold', code: 'release' }]),
      'pending_not_found',
    );
    const [posted] = await fund('1');
    await expectLedgerError(
      ledger.apply([{ type: 'void', id: uid('void'), pendingId: posted?.id ?? '', code: 'release' }]),
      'pending_not_found',
    );
  });

  it('applies several operations together or not at all', async () => {
    await fund('5');
    const before = await ledger.balance(account);
    await expectLedgerError(ledger.apply([spend('2'), spend('2'), spend('2')]), 'insufficient_credit');
    expect(await ledger.balance(account)).toEqual(before);
    const written = await ledger.apply([spend('2'), hold('2'), spend('1')]);
    expect(written).toHaveLength(3);
    expect(await ledger.balance(account)).toEqual({ balance: c('2'), held: c('2'), available: 0n });
  });

  it('joins a caller transaction, and rolls back with it', async () => {
    await fund('5');
    await expect(
      db.transaction(async (tx) => {
        await ledger.apply([spend('1')], tx);
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect((await ledger.balance(account))?.balance).toBe(c('5'));
  });

  it('refuses transfers to or from an account that does not exist', async () => {
    await expectLedgerError(
      ledger.apply([
        {
          type: 'transfer',
          id: uid('x'),
          debit: { system: 'sales' },
          credit: 'acc_missing',
          amount: c('1'),
          code: 'grant',
        },
      ]),
      'account_not_found',
    );
  });

  it.each([
    ['zero', 0n],
    ['negative', -5n],
    ['over the maximum', MAX_TRANSFER_MICROS + 1n],
  ])('refuses a %s amount before writing anything', async (_why, amount) => {
    const id = uid('bad');
    await expectLedgerError(
      ledger.apply([
        { type: 'transfer', id, debit: { system: 'sales' }, credit: account, amount, code: 'grant' },
      ]),
      'invalid_request',
    );
    expect(await ledger.transfer(id)).toBeNull();
  });

  it('refuses a malformed transfer id or an unknown code', async () => {
    await expectLedgerError(
      ledger.apply([
        {
          type: 'transfer',
          id: 'has space',
          debit: { system: 'sales' },
          credit: account,
          amount: 1n,
          code: 'grant',
        },
      ]),
      'invalid_request',
    );
    await expectLedgerError(
      // An unknown code, as a caller without types could send it.
      ledger.apply([
        {
          type: 'transfer',
          id: uid('x'),
          debit: { system: 'sales' },
          credit: account,
          amount: 1n,
          code: 'bonus' as LedgerRequest['code'],
        },
      ]),
      'invalid_request',
    );
  });

  it('refuses to edit or delete a transfer at the database', async () => {
    const [t1] = await fund('1');
    await expect(
      db.query('update ledger_transfers set amount = 999 where id = $1', [t1?.id]),
    ).rejects.toThrow(/immutable/);
    await expect(db.query('delete from ledger_transfers where id = $1', [t1?.id])).rejects.toThrow(
      /immutable/,
    );
    expect((await ledger.transfer(t1?.id ?? ''))?.amount).toBe(c('1'));
  });

  it('refuses an overdraft at the database even if code tried one', async () => {
    await fund('1');
    await expect(
      db.query('update ledger_accounts set debits_posted = credits_posted + 1 where id = $1', [account]),
    ).rejects.toThrow(/ledger_no_overdraft/);
  });

  it('lists an account history newest first with the balance after each entry, page by page', async () => {
    await fund('10');
    const [h] = await ledger.apply([hold('2')]);
    await ledger.apply([spend('1')]);
    await ledger.apply([
      { type: 'post', id: uid('post'), pendingId: h?.id ?? '', amount: c('1.5'), code: 'consumption' },
    ]);
    const first = await ledger.history(account, { limit: 2 });
    expect(first.entries.map((e) => [e.transfer.kind, e.delta, e.balanceAfter, e.availableAfter])).toEqual([
      ['post', -c('1.5'), c('7.5'), c('7.5')],
      ['posted', -c('1'), c('9'), c('7')],
    ]);
    expect(first.nextCursor).not.toBeNull();
    const second = await ledger.history(account, { limit: 2, cursor: first.nextCursor });
    expect(second.entries.map((e) => [e.transfer.kind, e.delta, e.balanceAfter, e.availableAfter])).toEqual([
      ['pending', 0n, c('10'), c('8')],
      ['posted', c('10'), c('10'), c('10')],
    ]);
    expect(second.nextCursor).toBeNull();
    const purchases = await ledger.history(account, { codes: ['purchase'] });
    expect(purchases.entries).toHaveLength(1);
  });

  it('expires overdue holds once, even with two workers at it', async () => {
    await fund('10');
    const past = new Date(Date.now() - 1000);
    const [h] = await ledger.apply([hold('3', uid('hold'), past)]);
    await ledger.apply([hold('1', uid('hold'), new Date(Date.now() + 3_600_000))]);
    const writerA = new BatchedWriter(db, { lingerMs: 1, maxBatch: 100 });
    const writerB = new BatchedWriter(db, { lingerMs: 1, maxBatch: 100 });
    const [a, b] = await Promise.all([
      expireOverdueHolds(ledger, writerA),
      expireOverdueHolds(ledger, writerB),
    ]);
    await Promise.all([writerA.close(), writerB.close()]);
    expect(await ledger.holdState(h?.id ?? '')).toBe('expire');
    expect(a + b).toBeGreaterThanOrEqual(1);
    expect(await ledger.balance(account)).toEqual({ balance: c('10'), held: c('1'), available: c('9') });
    expect(await ledger.overdueHolds(new Date())).not.toContainEqual(expect.objectContaining({ id: h?.id }));
  });

  it('keeps the system accounts balanced against the customers', async () => {
    await fund('3');
    await ledger.apply([spend('1')]);
    const report = await auditLedger(db);
    expect(report).toEqual({ ok: true, problems: [] });
  });
});
