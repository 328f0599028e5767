// Model-based test: random sequences of transfers, holds, posts, voids, expiries, retries and
// atomic groups run against the real ledger and against a small in-memory model. After every
// step the outcomes must agree, every balance must match, and every invariant must hold.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import {
  auditLedger,
  BatchedWriter,
  Ledger,
  LedgerError,
  type LedgerErrorCode,
  type LedgerRequest,
} from '../../src/ledger/index.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const CUSTOMERS = 3;

type Op =
  | { op: 'fund'; to: number; amount: bigint }
  | { op: 'spend'; from: number; amount: bigint }
  | { op: 'move'; from: number; to: number; amount: bigint }
  | { op: 'hold'; from: number; amount: bigint; expired: boolean }
  | { op: 'post'; hold: number; fraction: number | null }
  | { op: 'void'; hold: number }
  | { op: 'expire' }
  | { op: 'retry'; step: number; tweak: boolean }
  | { op: 'group'; parts: Op[] };

interface ModelAccount {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPosted: bigint;
}

interface ModelHold {
  id: string;
  from: number;
  amount: bigint;
  expired: boolean;
  ended: boolean;
}

const amount = fc.bigInt({ min: 1n, max: 5_000_000n });
const customer = fc.nat({ max: CUSTOMERS - 1 });
const single: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('fund' as const),
      to: customer,
      amount: fc.bigInt({ min: 1n, max: 20_000_000n }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('spend' as const), from: customer, amount }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('move' as const), from: customer, to: customer, amount }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('hold' as const), from: customer, amount, expired: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('post' as const),
      hold: fc.nat(),
      fraction: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('void' as const), hold: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('retry' as const), step: fc.nat(), tweak: fc.boolean() }),
  },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 9, arbitrary: single },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('group' as const),
      parts: fc.array(single, { minLength: 2, maxLength: 4 }),
    }),
  },
);

describe('the ledger against a model', () => {
  let t: TestDb;
  let db: Db;
  let ledger: Ledger;
  let run = 0;

  beforeAll(async () => {
    t = await createTestDb();
    db = t.db;
    ledger = new Ledger(db);
  });
  afterAll(() => t.drop());

  it('agrees with the model and keeps every invariant after every step', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (ops, viaWriter) => {
          run++;
          const ids = Array.from({ length: CUSTOMERS }, (_, i) => `acc_model_${run}_${i}`);
          for (const id of ids) await ledger.openCustomerAccount(id);
          const model: ModelAccount[] = ids.map(() => ({
            debitsPending: 0n,
            debitsPosted: 0n,
            creditsPosted: 0n,
          }));
          const holds: ModelHold[] = [];
          const sent: { request: LedgerRequest; ok: boolean }[] = [];
          const writer = new BatchedWriter(db, { lingerMs: 0, maxBatch: 50 });
          let counter = 0;
          const nextId = (kind: string) => `m${run}_${kind}_${++counter}`;
          const available = (a: ModelAccount) => a.creditsPosted - a.debitsPosted - a.debitsPending;

          // Translates an op into a request and the model's verdict (applied to `m` if accepted).
          const plan = (
            op: Op,
            m: ModelAccount[],
            hs: ModelHold[],
          ): { request: LedgerRequest; expect: LedgerErrorCode | null; apply: () => void } | null => {
            switch (op.op) {
              case 'fund': {
                const request: LedgerRequest = {
                  type: 'transfer',
                  id: nextId('fund'),
                  debit: { system: 'grants' },
                  credit: ids[op.to] ?? '',
                  amount: op.amount,
                  code: 'grant',
                };
                return {
                  request,
                  expect: null,
                  apply: () => {
                    (m[op.to] as ModelAccount).creditsPosted += op.amount;
                  },
                };
              }
              case 'spend':
              case 'move': {
                const from = m[op.from] as ModelAccount;
                const to = op.op === 'move' ? op.to : null;
                if (to === op.from) return null;
                const request: LedgerRequest = {
                  type: 'transfer',
                  id: nextId(op.op),
                  debit: ids[op.from] ?? '',
                  credit: to === null ? { system: 'consumption' } : (ids[to] ?? ''),
                  amount: op.amount,
                  code: op.op === 'spend' ? 'consumption' : 'adjustment',
                };
                if (available(from) < op.amount)
                  return { request, expect: 'insufficient_credit', apply: () => {} };
                return {
                  request,
                  expect: null,
                  apply: () => {
                    from.debitsPosted += op.amount;
                    if (to !== null) (m[to] as ModelAccount).creditsPosted += op.amount;
                  },
                };
              }
              case 'hold': {
                const from = m[op.from] as ModelAccount;
                const id = nextId('hold');
                const timeoutAt = op.expired
                  ? new Date(Date.now() - 60_000)
                  : new Date(Date.now() + 3_600_000);
                const request: LedgerRequest = {
                  type: 'hold',
                  id,
                  debit: ids[op.from] ?? '',
                  credit: { system: 'consumption' },
                  amount: op.amount,
                  code: 'consumption',
                  timeoutAt,
                };
                if (available(from) < op.amount)
                  return { request, expect: 'insufficient_credit', apply: () => {} };
                return {
                  request,
                  expect: null,
                  apply: () => {
                    from.debitsPending += op.amount;
                    hs.push({ id, from: op.from, amount: op.amount, expired: op.expired, ended: false });
                  },
                };
              }
              case 'post':
              case 'void': {
                if (hs.length === 0) return null;
                const h = hs[op.hold % hs.length] as ModelHold;
                const postAmount =
                  op.op === 'post' && op.fraction !== null
                    ? (h.amount * BigInt(op.fraction)) / 100n
                    : undefined;
                const request: LedgerRequest =
                  op.op === 'post'
                    ? {
                        type: 'post',
                        id: nextId('post'),
                        pendingId: h.id,
                        amount: postAmount,
                        code: 'consumption',
                      }
                    : { type: 'void', id: nextId('void'), pendingId: h.id, code: 'release' };
                if (h.ended) return { request, expect: 'pending_already_resolved', apply: () => {} };
                if (postAmount !== undefined && postAmount > h.amount)
                  return { request, expect: 'post_exceeds_pending', apply: () => {} };
                return {
                  request,
                  expect: null,
                  apply: () => {
                    const a = m[h.from] as ModelAccount;
                    a.debitsPending -= h.amount;
                    if (op.op === 'post') a.debitsPosted += postAmount ?? h.amount;
                    h.ended = true;
                  },
                };
              }
              default:
                return null;
            }
          };

          const submit = async (request: LedgerRequest): Promise<LedgerErrorCode | null> => {
            if (viaWriter) {
              const lane =
                'debit' in request && typeof request.debit === 'string' ? request.debit : undefined;
              const hold = 'pendingId' in request ? holds.find((h) => h.id === request.pendingId) : undefined;
              const result = await writer.submit(request, lane ?? (hold ? ids[hold.from] : undefined));
              return result.ok ? null : result.error.code;
            }
            try {
              await ledger.apply([request]);
              return null;
            } catch (error) {
              if (error instanceof LedgerError) return error.code;
              throw error;
            }
          };

          for (const op of ops) {
            if (op.op === 'expire') {
              const overdue = await ledger.overdueHolds(new Date());
              for (const o of overdue) {
                await ledger.apply([
                  { type: 'expire', id: `expire:${o.id}`, pendingId: o.id, code: 'release' },
                ]);
              }
              const mine = new Set(overdue.map((o) => o.id));
              for (const h of holds) {
                if (h.expired && !h.ended) {
                  expect(mine.has(h.id)).toBe(true);
                  (model[h.from] as ModelAccount).debitsPending -= h.amount;
                  h.ended = true;
                }
              }
            } else if (op.op === 'retry') {
              const earlier = sent[op.step % Math.max(sent.length, 1)];
              if (!earlier?.ok) continue;
              const request =
                op.tweak && 'amount' in earlier.request && earlier.request.amount !== undefined
                  ? ({ ...earlier.request, amount: earlier.request.amount + 1n } as LedgerRequest)
                  : earlier.request;
              expect(await submit(request)).toBe(
                op.tweak && request !== earlier.request ? 'id_conflict' : null,
              );
            } else if (op.op === 'group') {
              // All or nothing: plan against a copy; apply to the model only if every part passes.
              const copy = model.map((a) => ({ ...a }));
              const holdsCopy = holds.map((h) => ({ ...h }));
              // Parts are planned in order, each seeing the ones before it, as the ledger does.
              const planned: NonNullable<ReturnType<typeof plan>>[] = [];
              let expected: LedgerErrorCode | null = null;
              for (const part of op.parts) {
                const p = plan(part, copy, holdsCopy);
                if (!p) continue;
                planned.push(p);
                if (expected === null) {
                  if (p.expect) expected = p.expect;
                  else p.apply();
                }
              }
              if (planned.length === 0) continue;
              let actual: LedgerErrorCode | null = null;
              try {
                await ledger.apply(planned.map((p) => p.request));
              } catch (error) {
                if (!(error instanceof LedgerError)) throw error;
                actual = error.code;
              }
              expect(actual).toBe(expected);
              if (expected === null) {
                model.splice(0, model.length, ...copy);
                holds.splice(0, holds.length, ...holdsCopy);
                for (const p of planned) sent.push({ request: p.request, ok: true });
              }
            } else {
              const p = plan(op, model, holds);
              if (!p) continue;
              const actual = await submit(p.request);
              expect(actual).toBe(p.expect);
              if (p.expect === null) p.apply();
              sent.push({ request: p.request, ok: p.expect === null });
            }

            for (const [i, id] of ids.entries()) {
              const m = model[i] as ModelAccount;
              const balance = m.creditsPosted - m.debitsPosted;
              expect(await ledger.balance(id)).toEqual({
                balance,
                held: m.debitsPending,
                available: balance - m.debitsPending,
              });
            }
            const report = await auditLedger(db);
            expect(report.problems).toEqual([]);
          }
          await writer.close();
        },
      ),
      {
        numRuns: 40,
        examples: [
          // Found by the property: a replay of a hold (through the writer) when nothing is
          // available any more must get its first answer, not insufficient_credit.
          [
            [
              {
                op: 'group',
                parts: [
                  { op: 'fund', to: 0, amount: 3n },
                  { op: 'hold', from: 0, amount: 1n, expired: false },
                ],
              },
              { op: 'hold', from: 0, amount: 2n, expired: false },
              { op: 'retry', step: 172_501_906, tweak: false },
              { op: 'spend', from: 0, amount: 1n },
            ],
            true,
          ],
        ],
      },
    );
  });
});
