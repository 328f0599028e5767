// The available-credit signal: after every committed ledger write, the new available balance
// of each customer account it changed, told to in-process listeners (the low-balance alert,
// automatic refills) so they decide in real time instead of polling.
//
// Free for the hot path: executeBatch already holds every account's totals before and after
// the batch (it decided the batch against them), so a batch only adds one entry per customer
// account it changed to its transaction's list; the list is told once, right after COMMIT
// (db/after-commit.ts), whoever committed it: the batched writers, Ledger.apply on its own or
// inside a caller's transaction (a purchase credited, an adjustment, a refund, a campaign's
// chunk reserved), the outbox's removal. A rollback tells nothing. Only the process that
// committed hears it: listeners that must not miss a change also look on their own schedule.
//
//   const off = ledger.onAvailableChanged((changes) => { for (const c of changes) … });
import { afterCommit, databaseOf, inTransaction } from '../db/after-commit.js';
import type { Db, Queryable } from '../db/types.js';

export interface AvailableChange {
  accountId: string;
  availableMicros: bigint;
  decreased: boolean;
}

export type AvailableListener = (changes: readonly AvailableChange[]) => void;

/** What a listener's failure is reported to. */
export type ListenerFailure = (error: unknown, changes: readonly AvailableChange[]) => void;

/** One database's listeners: every Ledger (and writer) on the same Db shares them. */
export class AvailableSignal {
  private readonly listeners = new Set<{ listener: AvailableListener; failed: ListenerFailure }>();

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: AvailableListener, failed: ListenerFailure): () => void {
    const entry = { listener, failed };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Tells every listener, synchronously; a listener's throw is reported and goes no further. */
  emit(changes: readonly AvailableChange[]): void {
    if (changes.length === 0) return;
    for (const { listener, failed } of this.listeners) {
      try {
        listener(changes);
      } catch (error) {
        try {
          failed(error, changes);
        } catch {
          // Reporting failed too; the write it followed has committed all the same.
        }
      }
    }
  }
}

const signals = new WeakMap<Db, AvailableSignal>();

export function availableSignal(db: Db): AvailableSignal {
  let signal = signals.get(db);
  if (!signal) {
    signal = new AvailableSignal();
    signals.set(db, signal);
  }
  return signal;
}

/** A transaction's changes so far: per account, available before its first write and now. */
type Pending = Map<string, { before: bigint; after: bigint }>;
const pendingOf = new WeakMap<Queryable, Pending>();

/**
 * Notes that a ledger write in `tx` moved a customer account's available credit from `before`
 * to `after` (executeBatch calls it once per changed account after writing a batch). Told after
 * commit, once per transaction, with the first `before` and the last `after` of each account.
 * Costs nothing when nobody listens to this database.
 */
export function noteAvailable(tx: Queryable, accountId: string, before: bigint, after: bigint): void {
  let pending = pendingOf.get(tx);
  if (!pending) {
    const db = databaseOf(tx);
    const signal = db ? signals.get(db) : undefined;
    if (!signal?.listening) return;
    if (!inTransaction(tx)) {
      // Written outside a transaction: committed already.
      signal.emit([{ accountId, availableMicros: after, decreased: after < before }]);
      return;
    }
    pending = new Map();
    pendingOf.set(tx, pending);
    const changes = pending;
    afterCommit(tx, () => {
      pendingOf.delete(tx);
      signal.emit(
        [...changes].map(([id, { before: was, after: now }]) => ({
          accountId: id,
          availableMicros: now,
          decreased: now < was,
        })),
      );
    });
  }
  const seen = pending.get(accountId);
  if (seen) seen.after = after;
  else pending.set(accountId, { before, after });
}
