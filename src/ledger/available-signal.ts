// Told after a commit changed customers' available credit: for each account, what is available
// after it and whether the commit lowered it (a hold, a debit). In-process and synchronous, so a
// listener must only look at the numbers and hand any real work to later (automatic refills
// compare with a threshold kept in memory and start a purchase off the writer's path).
//
//   const off = ctx.ledger.onAvailableChanged((changes) => { for (const c of changes) … });
//
// Emitting costs nothing while nobody listens; with a listener, one pass over the batch's
// transfers.
import type { Transfer } from './types.js';

export interface AvailableChange {
  accountId: string;
  availableMicros: bigint;
  decreased: boolean;
}
export type AvailableListener = (changes: readonly AvailableChange[]) => void;

const SYSTEM_PREFIX = 'sys_';

/** The customers' available credit after these transfers (in commit order): the last per account. */
export function availableChangesOf(transfers: Iterable<Transfer>): AvailableChange[] {
  const byAccount = new Map<string, AvailableChange>();
  for (const transfer of transfers) {
    const debit = transfer.debitAccountId;
    if (!debit.startsWith(SYSTEM_PREFIX)) {
      // A hold or a posted debit lowers available credit; a post or void of a hold does not.
      const lowers = transfer.kind === 'pending' || transfer.kind === 'posted';
      const before = byAccount.get(debit);
      byAccount.set(debit, {
        accountId: debit,
        availableMicros: transfer.debitAvailableAfter,
        decreased: lowers || (before?.decreased ?? false),
      });
    }
    const credit = transfer.creditAccountId;
    if (!credit.startsWith(SYSTEM_PREFIX)) {
      const before = byAccount.get(credit);
      byAccount.set(credit, {
        accountId: credit,
        availableMicros: transfer.creditAvailableAfter,
        decreased: before?.decreased ?? false,
      });
    }
  }
  return [...byAccount.values()];
}

export class AvailableSignal {
  private listeners: AvailableListener[] = [];

  on(listener: AvailableListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get listened(): boolean {
    return this.listeners.length > 0;
  }

  /** Tells every listener about committed transfers; a listener that throws disturbs nobody. */
  emitTransfers(transfers: Iterable<Transfer>): void {
    if (this.listeners.length === 0) return;
    const changes = availableChangesOf(transfers);
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch {
        // A listener's own failure is its business: the commit stands.
      }
    }
  }
}
