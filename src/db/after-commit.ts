// Work that must happen only once a transaction has committed (telling listeners about what it
// wrote), registered by code that only sees the transaction's Queryable. The Db
// implementations open an entry for every transaction they start and run its hooks right after
// COMMIT, before transaction() returns; a rollback drops them unrun.
import type { Db, Queryable } from './types.js';

interface Open {
  db: Db;
  hooks: (() => void)[] | null;
}

const open = new WeakMap<Queryable, Open>();

/** Called by a Db implementation as a transaction begins. */
export function transactionStarted(tx: Queryable, db: Db): void {
  open.set(tx, { db, hooks: null });
}

/** Called by a Db implementation after COMMIT: runs the hooks in the order they came. */
export function transactionCommitted(tx: Queryable): void {
  const entry = open.get(tx);
  open.delete(tx);
  if (!entry?.hooks) return;
  for (const hook of entry.hooks) {
    try {
      hook();
    } catch {
      // A hook reports its own failures (see afterCommit); what committed stays committed.
    }
  }
}

/** Called by a Db implementation after a rollback or a failed COMMIT: nothing happened. */
export function transactionEnded(tx: Queryable): void {
  open.delete(tx);
}

/**
 * Runs `hook` once `tx` has committed, synchronously, before the transaction's caller resumes.
 * Not a transaction (autocommit): it has committed already, so the hook runs at once. The
 * hook must not throw (one that does is ignored: it cannot undo the commit).
 */
export function afterCommit(tx: Queryable, hook: () => void): void {
  const entry = open.get(tx);
  if (!entry) {
    try {
      hook();
    } catch {
      // As above.
    }
    return;
  }
  if (entry.hooks) entry.hooks.push(hook);
  else entry.hooks = [hook];
}

/** Whether `q` is a transaction still open (hooks given to afterCommit wait for its COMMIT). */
export function inTransaction(q: Queryable): boolean {
  return open.has(q);
}

/** The database a transaction belongs to; a Db given as `q` is its own. */
export function databaseOf(q: Queryable): Db | undefined {
  const entry = open.get(q);
  if (entry) return entry.db;
  return 'transaction' in q && 'kind' in q ? (q as Db) : undefined;
}
