// The one place where ledger totals change. executeBatch runs inside a caller's transaction:
// it locks every account it touches (in id order, so batches never deadlock), decides each
// request in order against the locked totals, inserts all new transfers in one statement and
// writes each account's totals once. Used both for atomic groups (Ledger.apply) and for the
// hot path's batches of independent requests (BatchedWriter).
import { type Cte, cteList, type Param, queryCtes } from '../db/ctes.js';
import type { Queryable } from '../db/types.js';
import {
  AmountError,
  assertTransferAmount,
  formatCredits,
  MAX_BALANCE_MICROS,
  MAX_TOTAL_MICROS,
} from './amounts.js';
import { resolveAccount } from './accounts.js';
import { noteAvailable } from './available-signal.js';
import {
  type AccountRef,
  type AccountTotals,
  type HoldRequest,
  type ItemResult,
  LedgerError,
  type LedgerRequest,
  TRANSFER_CODES,
  type Transfer,
  type TransferKind,
  type TransferRequest,
} from './types.js';

export const TRANSFER_COLUMNS = `seq, id, kind, debit_account_id, credit_account_id, amount, pending_id, code,
  reference, description, timeout_at, debit_balance_after, debit_available_after, credit_balance_after,
  credit_available_after, created_at`;

export interface TransferRow {
  seq: bigint;
  id: string;
  kind: TransferKind;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  pending_id: string | null;
  code: Transfer['code'];
  reference: string | null;
  description: string | null;
  timeout_at: Date | null;
  debit_balance_after: bigint;
  debit_available_after: bigint;
  credit_balance_after: bigint;
  credit_available_after: bigint;
  created_at: Date;
}

export function toTransfer(row: TransferRow): Transfer {
  return {
    seq: row.seq,
    id: row.id,
    kind: row.kind,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: row.amount,
    pendingId: row.pending_id,
    code: row.code,
    reference: row.reference,
    description: row.description,
    timeoutAt: row.timeout_at,
    debitBalanceAfter: row.debit_balance_after,
    debitAvailableAfter: row.debit_available_after,
    creditBalanceAfter: row.credit_balance_after,
    creditAvailableAfter: row.credit_available_after,
    createdAt: row.created_at,
  };
}

interface AccountRow {
  id: string;
  kind: 'customer' | 'system';
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
}

const ID_PATTERN = /^[A-Za-z0-9_:.-]{1,128}$/;

/** Checks what can be checked without the database; throws LedgerError('invalid_request'). */
export function validateRequest(request: LedgerRequest): void {
  const invalid = (field: string, why: string) =>
    new LedgerError('invalid_request', `${field} ${why}`, { field, reason: why });
  if (typeof request.id !== 'string' || !ID_PATTERN.test(request.id)) {
    throw invalid('id', 'must be 1 to 128 letters, digits or _ : . -');
  }
  if (!TRANSFER_CODES.includes(request.code)) throw invalid('code', 'is not a known transfer code');
  try {
    if (request.type === 'transfer' || request.type === 'hold') {
      if (typeof request.amount !== 'bigint') throw new AmountError('must be an amount of micro-credits');
      assertTransferAmount(request.amount);
    } else if (request.type === 'post' && request.amount !== undefined) {
      if (typeof request.amount !== 'bigint') throw new AmountError('must be an amount of micro-credits');
      assertTransferAmount(request.amount, { allowZero: true });
    }
  } catch (error) {
    if (error instanceof AmountError) throw invalid('amount', error.message);
    throw error;
  }
  if (
    (request.type === 'post' || request.type === 'void' || request.type === 'expire') &&
    !request.pendingId
  ) {
    throw invalid('pendingId', 'is required');
  }
  if (request.type === 'hold' && request.timeoutAt && Number.isNaN(request.timeoutAt.getTime())) {
    throw invalid('timeoutAt', 'is not a valid time');
  }
}

interface Totals {
  kind: 'customer' | 'system';
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
}

/**
 * Refuses, before anything is written, what would take a customer's balance past
 * MAX_BALANCE_MICROS or any account's running total past what its bigint column holds (which
 * the database would answer with "out of range" and roll the whole batch back).
 */
function limitExceeded(side: 'posted' | 'pending', d: Totals, c: Totals, amount: bigint): LedgerError | null {
  const debitTotal = side === 'posted' ? d.debits_posted : d.debits_pending;
  const creditTotal = side === 'posted' ? c.credits_posted : c.credits_pending;
  if (debitTotal + amount > MAX_TOTAL_MICROS || creditTotal + amount > MAX_TOTAL_MICROS) {
    return new LedgerError(
      'limit_exceeded',
      "an account's running total would exceed what the ledger holds",
      {
        limit: 'total',
      },
    );
  }
  if (
    side === 'posted' &&
    c.kind === 'customer' &&
    c.credits_posted + amount - c.debits_posted > MAX_BALANCE_MICROS
  ) {
    return new LedgerError(
      'limit_exceeded',
      `the balance would exceed the maximum of ${formatCredits(MAX_BALANCE_MICROS)} credits`,
      {
        limit: 'balance',
        maximum: formatCredits(MAX_BALANCE_MICROS),
        balance: formatCredits(c.credits_posted - c.debits_posted),
      },
    );
  }
  return null;
}

const KIND_OF: Record<LedgerRequest['type'], TransferKind> = {
  transfer: 'posted',
  hold: 'pending',
  post: 'post',
  void: 'void',
  expire: 'expire',
};

/** Whether a stored transfer is what this request would have written (idempotent replay). */
function sameRequest(existing: Transfer, request: LedgerRequest): boolean {
  if (existing.kind !== KIND_OF[request.type] || existing.code !== request.code) return false;
  if ((existing.reference ?? null) !== (request.reference ?? null)) return false;
  if ((existing.description ?? null) !== (request.description ?? null)) return false;
  if (request.type === 'transfer' || request.type === 'hold') {
    const { debit, credit } = resolvePair(request);
    return (
      existing.debitAccountId === debit &&
      existing.creditAccountId === credit &&
      existing.amount === request.amount
    );
  }
  if (existing.pendingId !== request.pendingId) return false;
  return request.type !== 'post' || request.amount === undefined || request.amount === existing.amount;
}

function resolvePair(request: TransferRequest | HoldRequest) {
  return {
    debit: resolveAccount(request.debit, request.credit),
    credit: resolveAccount(request.credit, request.debit),
  };
}

interface State {
  row: AccountRow;
  changed: boolean;
  /** Available credit when locked (the available-credit signal tells whether it went down). */
  before: bigint;
}

function availableOf(row: AccountRow): bigint {
  return row.credits_posted - row.debits_posted - row.debits_pending;
}

/** A hold known to this batch: from the database or created earlier in the same batch. */
interface HoldInfo {
  id: string;
  debit: string;
  credit: string;
  amount: bigint;
}

/**
 * Rows a caller writes together with a batch's transfers, in the statement that inserts them
 * (one round trip fewer on the hot path): data-modifying statements, each a CTE that may read
 * the ones before it by name. `param` adds a value and returns its placeholder. When the batch
 * inserts no transfer, nothing is written and `written` stays false: the caller writes it.
 */
export interface Companion {
  ctes: (param: Param) => Cte[];
  written: boolean;
}

/** Writes a companion on its own, for a batch that inserted no transfer. */
export async function writeCompanion(tx: Queryable, companion: Companion): Promise<void> {
  await queryCtes(tx, companion.ctes, (last) => `select count(*)::int as n from ${last}`);
  companion.written = true;
}

/**
 * Decides and writes a batch of ledger requests inside `tx`.
 * atomic: the first failure throws (and the caller's transaction rolls back).
 * Otherwise each request gets its own result; failed ones change nothing.
 * lookUpIds false: skip looking for transfers already stored with these ids, for callers whose
 * ids are almost always new (the batched writer's first attempt). A stored id then makes the
 * insert fail on ledger_transfers_id_key, the transaction rolls back, and the caller must try
 * again with the look-up: replays and id conflicts are still answered, one attempt later. A
 * stored id among the requests the batch refused is looked for here, and the batch decided
 * again with the look-up.
 */
export async function executeBatch(
  tx: Queryable,
  requests: LedgerRequest[],
  atomic: boolean,
  {
    lookUpIds = true,
    companion,
  }: {
    lookUpIds?: boolean;
    /** Asked once every request is decided: rows to write with the transfers (see Companion). */
    companion?: (results: readonly ItemResult[]) => Companion | null;
  } = {},
): Promise<ItemResult[]> {
  const count = requests.length;
  const results: (ItemResult | undefined)[] = new Array(count);
  const fail = (index: number, error: LedgerError) => {
    if (atomic) throw error;
    results[index] = { ok: false, error };
  };

  // 1. Shape checks, before anything touches the database; the accounts each transfer or hold
  // names (a system account's shard is computed once per customer, not once per request).
  const valid: number[] = [];
  const debitOf: (string | undefined)[] = new Array(count);
  const creditOf: (string | undefined)[] = new Array(count);
  const shards = new Map<string, string>();
  const resolve = (ref: AccountRef, other: AccountRef): string => {
    if (typeof ref === 'string') return ref;
    const key = `${ref.system}\u0000${typeof other === 'string' ? other : ''}`;
    let id = shards.get(key);
    if (id === undefined) {
      id = resolveAccount(ref, other);
      shards.set(key, id);
    }
    return id;
  };
  const pendingIds = new Set<string>();
  for (let index = 0; index < count; index++) {
    const request = requests[index] as LedgerRequest;
    try {
      validateRequest(request);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      fail(index, error);
      continue;
    }
    valid.push(index);
    if (request.type === 'transfer' || request.type === 'hold') {
      debitOf[index] = resolve(request.debit, request.credit);
      creditOf[index] = resolve(request.credit, request.debit);
    } else {
      pendingIds.add(request.pendingId);
    }
  }

  // 2. Which holds are referenced (transfers are immutable, so reading them unlocked is safe).
  const holds = new Map<string, HoldInfo>();
  if (pendingIds.size > 0) {
    const { rows } = await tx.query<{
      id: string;
      debit_account_id: string;
      credit_account_id: string;
      amount: bigint;
    }>(
      `select id, debit_account_id, credit_account_id, amount from ledger_transfers
        where id = any($1::text[]) and kind = 'pending'`,
      [[...pendingIds]],
    );
    for (const row of rows) {
      holds.set(row.id, {
        id: row.id,
        debit: row.debit_account_id,
        credit: row.credit_account_id,
        amount: row.amount,
      });
    }
  }

  // 3. Lock every account involved, in id order.
  const accountIds = new Set<string>();
  for (const index of valid) {
    const debitId = debitOf[index];
    if (debitId !== undefined) {
      accountIds.add(debitId);
      accountIds.add(creditOf[index] as string);
    }
  }
  for (const hold of holds.values()) {
    accountIds.add(hold.debit);
    accountIds.add(hold.credit);
  }
  const accounts = new Map<string, State>();
  if (accountIds.size > 0) {
    const { rows } = await tx.query<AccountRow>(
      `select id, kind, debits_pending, debits_posted, credits_pending, credits_posted
         from ledger_accounts where id = any($1::text[]) order by id for update`,
      [[...accountIds].sort()],
    );
    for (const row of rows) accounts.set(row.id, { row, changed: false, before: availableOf(row) });
  }

  // 4. Under the locks: transfers already written with these ids, and holds already ended.
  // Valid ids are letters, digits and _ : . - only, so they travel as one comma-joined text.
  const existing = new Map<string, Transfer>();
  if (lookUpIds && valid.length > 0) {
    let joined = '';
    for (const index of valid) joined += joined ? `,${requests[index]?.id}` : requests[index]?.id;
    const { rows } = await tx.query<TransferRow>(
      `select ${TRANSFER_COLUMNS} from ledger_transfers where id = any(string_to_array($1::text, ','))`,
      [joined],
    );
    for (const row of rows) existing.set(row.id, toTransfer(row));
  }
  const ended = new Map<string, TransferKind>();
  if (pendingIds.size > 0) {
    const { rows } = await tx.query<{ pending_id: string; kind: TransferKind }>(
      'select pending_id, kind from ledger_transfers where pending_id = any($1::text[])',
      [[...pendingIds]],
    );
    for (const row of rows) ended.set(row.pending_id, row.kind);
  }

  // 5. Decide each request in arrival order against the running totals.
  const fresh: Transfer[] = [];
  const freshIndex: number[] = [];
  const firstInBatch = new Map<string, { index: number; request: LedgerRequest }>();
  const repeats: { index: number; first: number }[] = [];

  for (const index of valid) {
    const request = requests[index] as LedgerRequest;
    const stored = existing.size > 0 ? existing.get(request.id) : undefined;
    if (stored) {
      if (sameRequest(stored, request)) results[index] = { ok: true, transfer: stored, replayed: true };
      else fail(index, idConflict(request.id));
      continue;
    }
    const earlier = firstInBatch.get(request.id);
    if (earlier) {
      // Answered once the first one is: the same result, as a replay.
      if (JSON.stringify(normalise(earlier.request)) !== JSON.stringify(normalise(request))) {
        fail(index, idConflict(request.id));
      } else {
        repeats.push({ index, first: earlier.index });
      }
      continue;
    }
    firstInBatch.set(request.id, { index, request });

    let debitId: string;
    let creditId: string;
    let amount: bigint;
    let pendingId: string | null = null;
    let releasedPending = 0n;
    if (request.type === 'transfer' || request.type === 'hold') {
      debitId = debitOf[index] as string;
      creditId = creditOf[index] as string;
      amount = request.amount;
    } else {
      const hold = holds.get(request.pendingId);
      if (!hold) {
        fail(
          index,
          new LedgerError('pending_not_found', `no hold ${request.pendingId}`, {
            pendingId: request.pendingId,
          }),
        );
        continue;
      }
      const endedAs = ended.get(request.pendingId);
      if (endedAs) {
        fail(
          index,
          new LedgerError(
            'pending_already_resolved',
            `hold ${request.pendingId} has already ended (${endedAs})`,
            {
              pendingId: request.pendingId,
              resolution: endedAs,
            },
          ),
        );
        continue;
      }
      debitId = hold.debit;
      creditId = hold.credit;
      pendingId = hold.id;
      releasedPending = hold.amount;
      amount = request.type === 'post' ? (request.amount ?? hold.amount) : hold.amount;
      if (amount > hold.amount) {
        fail(
          index,
          new LedgerError(
            'post_exceeds_pending',
            `cannot post ${formatCredits(amount)} of a hold of ${formatCredits(hold.amount)}`,
            {
              pendingId: hold.id,
              held: formatCredits(hold.amount),
            },
          ),
        );
        continue;
      }
    }
    const debit = accounts.get(debitId);
    const credit = accounts.get(creditId);
    if (!debit || !credit) {
      const missing = debit ? creditId : debitId;
      fail(
        index,
        new LedgerError('account_not_found', `no ledger account ${missing}`, { accountId: missing }),
      );
      continue;
    }
    const d = debit.row;
    const c = credit.row;
    if (request.type === 'transfer' || request.type === 'hold') {
      if (d.kind === 'customer' && d.debits_pending + d.debits_posted + amount > d.credits_posted) {
        const available = d.credits_posted - d.debits_posted - d.debits_pending;
        fail(
          index,
          new LedgerError('insufficient_credit', 'not enough available credit', {
            required: formatCredits(amount),
            available: formatCredits(available < 0n ? 0n : available),
          }),
        );
        continue;
      }
      const overLimit = limitExceeded(request.type === 'transfer' ? 'posted' : 'pending', d, c, amount);
      if (overLimit) {
        fail(index, overLimit);
        continue;
      }
      if (request.type === 'transfer') {
        d.debits_posted += amount;
        c.credits_posted += amount;
      } else {
        d.debits_pending += amount;
        c.credits_pending += amount;
        holds.set(request.id, { id: request.id, debit: debitId, credit: creditId, amount });
      }
    } else {
      const overLimit = request.type === 'post' ? limitExceeded('posted', d, c, amount) : null;
      if (overLimit) {
        fail(index, overLimit);
        continue;
      }
      d.debits_pending -= releasedPending;
      c.credits_pending -= releasedPending;
      if (request.type === 'post') {
        d.debits_posted += amount;
        c.credits_posted += amount;
      }
      ended.set(request.pendingId, KIND_OF[request.type]);
    }
    debit.changed = true;
    credit.changed = true;
    const debitBalance = d.credits_posted - d.debits_posted;
    const creditBalance = c.credits_posted - c.debits_posted;
    const transfer: Transfer = {
      seq: 0n,
      id: request.id,
      kind: KIND_OF[request.type],
      debitAccountId: debitId,
      creditAccountId: creditId,
      amount,
      pendingId,
      code: request.code,
      reference: request.reference ?? null,
      description: request.description ?? null,
      timeoutAt: request.type === 'hold' ? (request.timeoutAt ?? null) : null,
      debitBalanceAfter: debitBalance,
      debitAvailableAfter: debitBalance - d.debits_pending,
      creditBalanceAfter: creditBalance,
      creditAvailableAfter: creditBalance - c.debits_pending,
      createdAt: EPOCH,
    };
    fresh.push(transfer);
    freshIndex.push(index);
    results[index] = { ok: true, transfer, replayed: false };
  }

  // Without the look-up, a request refused here (short of credit, a hold already ended) may be
  // the replay of one stored before, which must get its first answer: if any refused id is
  // stored, the batch is decided again with the look-up. Nothing is written yet, and the
  // accounts stay locked.
  if (!lookUpIds) {
    let refused = '';
    for (const index of valid) {
      const result = results[index];
      if (result && !result.ok) refused += refused ? `,${requests[index]?.id}` : requests[index]?.id;
    }
    if (refused) {
      const { rows } = await tx.query(
        "select 1 from ledger_transfers where id = any(string_to_array($1::text, ',')) limit 1",
        [refused],
      );
      if (rows.length > 0) return executeBatch(tx, requests, atomic, { lookUpIds: true, companion });
    }
  }

  // A repeat shares its first's transfer object, whose seq and time the insert fills in.
  for (const { index, first } of repeats) {
    const result = results[first];
    results[index] = result?.ok ? { ok: true, transfer: result.transfer, replayed: true } : result;
  }
  for (let index = 0; index < count; index++) {
    if (!results[index]) throw new Error(`ledger request ${index} was not decided`);
  }
  const decided = results as ItemResult[];

  // 6. One statement inserts all new transfers, updates all changed accounts, and writes the
  // caller's companion rows.
  if (fresh.length > 0) {
    const changed = [...accounts.values()].filter((s) => s.changed).map((s) => s.row);
    await insertTransfers(tx, fresh, changed, companion?.(decided) ?? null);
    for (const state of accounts.values()) {
      if (state.changed && state.row.kind === 'customer') {
        noteAvailable(tx, state.row.id, state.before, availableOf(state.row));
      }
    }
  }
  return decided;
}

/** A placeholder until the insert tells the transaction's time. */
const EPOCH = new Date(0);

/** How each balance column moves with the amount, for a batch of one kind between two accounts. */
const BALANCE_STEPS: Partial<Record<TransferKind, readonly [number, number, number, number]>> = {
  // debit balance, debit available, credit balance, credit available
  posted: [-1, -1, 1, 1],
  pending: [0, -1, 0, 0],
};

/** Text columns that may be the same for the whole batch (then sent once, as a scalar). */
const TEXT_COLUMNS = [
  ['kind', 'kind'],
  ['debit_account_id', 'debitAccountId'],
  ['credit_account_id', 'creditAccountId'],
  ['pending_id', 'pendingId'],
  ['code', 'code'],
  ['reference', 'reference'],
  ['description', 'description'],
] as const;

/**
 * Inserts the batch's new transfers with one statement and fills in their seq and createdAt.
 * What is the same for every row travels once; ids and amounts travel as comma-joined text;
 * for a batch of one kind between the same two accounts (the hot path: a customer's debits or
 * holds), the balance_after columns are running sums computed by the database from the first
 * row's starting point, so only ids and amounts travel.
 */
async function insertTransfers(
  tx: Queryable,
  fresh: Transfer[],
  changed: AccountRow[],
  companion: Companion | null,
): Promise<void> {
  const n = fresh.length;
  const first = fresh[0] as Transfer;
  const params: unknown[] = [];
  const param: Param = (value, cast) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  // The changed accounts' new totals are written by the same statement.
  const totals = ACCOUNT_TOTALS.map((key) =>
    param(
      changed.map((r) => String(r[key])),
      'bigint[]',
    ),
  );
  const accountIds = param(
    changed.map((r) => r.id),
    'text[]',
  );
  // The unnest's arrays, and the names the select list reads them by.
  const arrays: string[] = [];
  const names: string[] = [];
  const column = (name: string, arrayExpr: string) => {
    arrays.push(arrayExpr);
    names.push(name);
    return `u.${name}`;
  };
  const joined = (value: (t: Transfer) => unknown) => {
    let text = String(value(first));
    for (let i = 1; i < n; i++) text += `,${value(fresh[i] as Transfer)}`;
    return text;
  };

  let sameAmount = true;
  let sameTimeout = true;
  const firstTimeout = first.timeoutAt?.getTime() ?? null;
  const same = TEXT_COLUMNS.map(() => true);
  for (let i = 1; i < n; i++) {
    const t = fresh[i] as Transfer;
    if (t.amount !== first.amount) sameAmount = false;
    if ((t.timeoutAt?.getTime() ?? null) !== firstTimeout) sameTimeout = false;
    for (let c = 0; c < TEXT_COLUMNS.length; c++) {
      const key = (TEXT_COLUMNS[c] as (typeof TEXT_COLUMNS)[number])[1];
      if (same[c] && t[key] !== first[key]) same[c] = false;
    }
  }

  const select: string[] = [];
  select.push(
    column(
      'id',
      `string_to_array(${param(
        joined((t) => t.id),
        'text',
      )}, ',')`,
    ),
  );
  const amount = sameAmount
    ? param(String(first.amount), 'bigint')
    : `${column(
        'amount',
        `string_to_array(${param(
          joined((t) => t.amount),
          'text',
        )}, ',')`,
      )}::bigint`;
  select.push(amount);
  TEXT_COLUMNS.forEach(([name, key], c) => {
    select.push(
      same[c]
        ? param(first[key], 'text')
        : column(
            name,
            param(
              fresh.map((t) => t[key]),
              'text[]',
            ),
          ),
    );
  });
  const timeout = (t: Transfer) => (t.timeoutAt ? t.timeoutAt.toISOString() : null);
  select.push(
    sameTimeout
      ? param(timeout(first), 'timestamptz')
      : column('timeout_at', param(fresh.map(timeout), 'timestamptz[]')),
  );
  const steps = BALANCE_STEPS[first.kind];
  if (steps && same[0] && same[1] && same[2]) {
    // Row i's balances: where the batch started, plus step × the amounts up to row i.
    const running = sameAmount
      ? `${amount} * u.ord`
      : `(sum(${amount}) over (order by u.ord rows between unbounded preceding and current row))::bigint`;
    const after = [
      first.debitBalanceAfter,
      first.debitAvailableAfter,
      first.creditBalanceAfter,
      first.creditAvailableAfter,
    ];
    after.forEach((value, k) => {
      const step = steps[k] as number;
      if (step === 0) {
        select.push(param(String(value), 'bigint'));
      } else {
        const start = param(String(value - BigInt(step) * first.amount), 'bigint');
        select.push(`${start} ${step < 0 ? '-' : '+'} ${running}`);
      }
    });
  } else {
    for (const key of BALANCE_KEYS) {
      select.push(
        `${column(
          key,
          `string_to_array(${param(
            joined((t) => t[key]),
            'text',
          )}, ',')`,
        )}::bigint`,
      );
    }
  }
  const extra = companion ? companion.ctes(param) : [];
  const { rows } = await tx.query<{
    lo: bigint | null;
    hi: bigint | null;
    n: number;
    at: Date;
    accounts: number;
  }>(
    `with written as (
       insert into ledger_transfers (id, amount, kind, debit_account_id, credit_account_id, pending_id, code,
         reference, description, timeout_at, debit_balance_after, debit_available_after, credit_balance_after,
         credit_available_after)
       select ${select.join(', ')}
         from unnest(${arrays.join(', ')}) with ordinality as u(${names.join(', ')}, ord)
        order by u.ord
       returning seq),
     moved as (
       update ledger_accounts a
          set debits_pending = v.debits_pending, debits_posted = v.debits_posted,
              credits_pending = v.credits_pending, credits_posted = v.credits_posted
         from unnest(${accountIds}, ${totals.join(', ')})
           as v(id, debits_pending, debits_posted, credits_pending, credits_posted)
        where a.id = v.id
       returning 1)${extra.length > 0 ? `,\n${cteList(extra)}` : ''}
     select min(seq) as lo, max(seq) as hi, count(*)::int as n, now() as at,
            (select count(*)::int from moved) as accounts
       from written`,
    params,
  );
  const row = rows[0];
  if (!row || row.n !== n || row.lo === null || row.hi === null) {
    throw new Error(`ledger insert wrote ${row?.n ?? 0} of ${n} transfers`);
  }
  if (row.accounts !== changed.length) {
    throw new Error(`ledger insert updated ${row.accounts} of ${changed.length} accounts`);
  }
  if (companion) companion.written = true;
  const at = row.at.getTime();
  if (row.hi - row.lo + 1n === BigInt(n)) {
    // Rows take their seq in the order they are inserted, which is the select's order: a
    // contiguous range means no other transaction took a number in between.
    let seq = row.lo;
    for (const t of fresh) {
      t.seq = seq++;
      t.createdAt = new Date(at);
    }
    return;
  }
  const { rows: seqs } = await tx.query<{ id: string; seq: bigint }>(
    `select id, seq from ledger_transfers where id = any(string_to_array($1::text, ','))`,
    [joined((t) => t.id)],
  );
  const seqOf = new Map(seqs.map((s) => [s.id, s.seq]));
  for (const t of fresh) {
    const seq = seqOf.get(t.id);
    if (seq === undefined) throw new Error(`ledger insert did not write transfer ${t.id}`);
    t.seq = seq;
    t.createdAt = new Date(at);
  }
}

const ACCOUNT_TOTALS = ['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted'] as const;

const BALANCE_KEYS = [
  'debitBalanceAfter',
  'debitAvailableAfter',
  'creditBalanceAfter',
  'creditAvailableAfter',
] as const;

function idConflict(id: string): LedgerError {
  return new LedgerError('id_conflict', `transfer ${id} already exists with other fields`, { id });
}

function normalise(request: LedgerRequest): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(request).map(([key, value]) => [
      key,
      typeof value === 'bigint' ? value.toString() : value instanceof Date ? value.toISOString() : value,
    ]),
  );
}

export function toTotals(row: AccountRow): AccountTotals {
  return {
    id: row.id,
    kind: row.kind,
    debitsPending: row.debits_pending,
    debitsPosted: row.debits_posted,
    creditsPending: row.credits_pending,
    creditsPosted: row.credits_posted,
  };
}
