// The one place where ledger totals change. executeBatch runs inside a caller's transaction:
// it locks every account it touches (in id order, so batches never deadlock), decides each
// request in order against the locked totals, inserts all new transfers in one statement and
// writes each account's totals once. Used both for atomic groups (Ledger.apply) and for the
// hot path's batches of independent requests (BatchedWriter).
import type { Queryable } from '../db/types.js';
import { AmountError, assertTransferAmount, formatCredits } from './amounts.js';
import { resolveAccount } from './accounts.js';
import {
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
}

function balanceOf(row: AccountRow) {
  const balance = row.credits_posted - row.debits_posted;
  return { balance, available: balance - row.debits_pending };
}

/** A hold known to this batch: from the database or created earlier in the same batch. */
interface HoldInfo {
  id: string;
  debit: string;
  credit: string;
  amount: bigint;
}

/**
 * Decides and writes a batch of ledger requests inside `tx`.
 * atomic: the first failure throws (and the caller's transaction rolls back).
 * Otherwise each request gets its own result; failed ones change nothing.
 */
export async function executeBatch(
  tx: Queryable,
  requests: LedgerRequest[],
  atomic: boolean,
): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = new Array(requests.length);
  const fail = (index: number, error: LedgerError) => {
    if (atomic) throw error;
    results[index] = { ok: false, error };
  };

  // 1. Shape checks, before anything touches the database.
  const valid: number[] = [];
  requests.forEach((request, index) => {
    try {
      validateRequest(request);
      valid.push(index);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      fail(index, error);
    }
  });

  // 2. Which holds are referenced (transfers are immutable, so reading them unlocked is safe).
  const pendingIds = new Set<string>();
  for (const index of valid) {
    const request = requests[index] as LedgerRequest;
    if (request.type === 'post' || request.type === 'void' || request.type === 'expire')
      pendingIds.add(request.pendingId);
  }
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
  const pairs = new Map<number, { debit: string; credit: string }>();
  for (const index of valid) {
    const request = requests[index] as LedgerRequest;
    if (request.type === 'transfer' || request.type === 'hold') {
      const pair = resolvePair(request);
      pairs.set(index, pair);
      accountIds.add(pair.debit);
      accountIds.add(pair.credit);
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
    for (const row of rows) accounts.set(row.id, { row, changed: false });
  }

  // 4. Under the locks: transfers already written with these ids, and holds already ended.
  const ids = [...new Set(valid.map((index) => (requests[index] as LedgerRequest).id))];
  const existing = new Map<string, Transfer>();
  if (ids.length > 0) {
    const { rows } = await tx.query<TransferRow>(
      `select ${TRANSFER_COLUMNS} from ledger_transfers where id = any($1::text[])`,
      [ids],
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
  const fresh: { index: number; transfer: Omit<Transfer, 'seq' | 'createdAt'> }[] = [];
  const firstInBatch = new Map<string, { index: number; request: LedgerRequest }>();
  const repeats: { index: number; first: number }[] = [];
  const account = (id: string) => accounts.get(id);

  for (const index of valid) {
    const request = requests[index] as LedgerRequest;
    const stored = existing.get(request.id);
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
      const pair = pairs.get(index) as { debit: string; credit: string };
      debitId = pair.debit;
      creditId = pair.credit;
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
    const debit = account(debitId);
    const credit = account(creditId);
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
      if (request.type === 'transfer') {
        d.debits_posted += amount;
        c.credits_posted += amount;
      } else {
        d.debits_pending += amount;
        c.credits_pending += amount;
        holds.set(request.id, { id: request.id, debit: debitId, credit: creditId, amount });
      }
    } else {
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
    const debitAfter = balanceOf(d);
    const creditAfter = balanceOf(c);
    fresh.push({
      index,
      transfer: {
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
        debitBalanceAfter: debitAfter.balance,
        debitAvailableAfter: debitAfter.available,
        creditBalanceAfter: creditAfter.balance,
        creditAvailableAfter: creditAfter.available,
      },
    });
  }

  // 6. One insert for all new transfers, one update for all changed accounts.
  if (fresh.length > 0) {
    const col = <K extends keyof Transfer>(key: K, map: (v: Transfer[K]) => unknown = (v) => v) =>
      fresh.map((f) => map((f.transfer as Transfer)[key]));
    const big = (v: unknown) => String(v);
    const { rows } = await tx.query<{ id: string; seq: bigint; created_at: Date }>(
      `insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, pending_id, code,
         reference, description, timeout_at, debit_balance_after, debit_available_after, credit_balance_after,
         credit_available_after)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::timestamptz[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])
       returning id, seq, created_at`,
      [
        col('id'),
        col('kind'),
        col('debitAccountId'),
        col('creditAccountId'),
        col('amount', big),
        col('pendingId'),
        col('code'),
        col('reference'),
        col('description'),
        col('timeoutAt', (v) => (v ? (v as Date).toISOString() : null)),
        col('debitBalanceAfter', big),
        col('debitAvailableAfter', big),
        col('creditBalanceAfter', big),
        col('creditAvailableAfter', big),
      ],
    );
    const written = new Map(rows.map((row) => [row.id, row]));
    for (const { index, transfer } of fresh) {
      const row = written.get(transfer.id);
      if (!row) throw new Error(`ledger insert did not return transfer ${transfer.id}`);
      results[index] = {
        ok: true,
        transfer: { ...transfer, seq: row.seq, createdAt: row.created_at },
        replayed: false,
      };
    }
    const changed = [...accounts.values()].filter((s) => s.changed).map((s) => s.row);
    await tx.query(
      `update ledger_accounts a
          set debits_pending = v.debits_pending, debits_posted = v.debits_posted,
              credits_pending = v.credits_pending, credits_posted = v.credits_posted
         from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
           as v(id, debits_pending, debits_posted, credits_pending, credits_posted)
        where a.id = v.id`,
      [
        changed.map((r) => r.id),
        changed.map((r) => String(r.debits_pending)),
        changed.map((r) => String(r.debits_posted)),
        changed.map((r) => String(r.credits_pending)),
        changed.map((r) => String(r.credits_posted)),
      ],
    );
  }
  for (const { index, first } of repeats) {
    const result = results[first];
    results[index] = result?.ok ? { ok: true, transfer: result.transfer, replayed: true } : result;
  }
  return results.map((result, index) => {
    if (!result) throw new Error(`ledger request ${index} was not decided`);
    return result;
  });
}

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
