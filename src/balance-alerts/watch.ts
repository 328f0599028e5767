// Deciding in real time from the ledger's available-credit signal, without a query per batch:
// what this process last learnt of each account's alert (on, limit, armed) is kept for a few
// seconds, and a batch only leads to work when it puts the account on the other side of its
// limit from where the alert stands (armed and at or below: alert; disarmed and above: re-arm).
// The work itself (alert.ts) is decided by the database, so a stale memory costs at most a
// statement that changes nothing. One piece of work per account at a time; changes that arrive
// meanwhile are folded into one more look.
import type { AppContext } from '../context.js';
import type { AvailableChange } from '../ledger/available-signal.js';
import { type Alerted, alertIfLow, rearmIfRecovered } from './alert.js';
import { alertState } from './state.js';

export interface WatchOptions {
  /** How long what was learnt of an account is trusted (default 10 s). */
  memoryMs?: number;
  /** Told after an alert was written (benchmarks, tests). */
  onAlerted?: (accountId: string, alerted: Alerted) => void;
}

interface Known {
  enabled: boolean;
  limitMicros: bigint | null;
  armed: boolean;
  until: number;
}

const MAX_KNOWN = 100_000;

type Action = 'alert' | 'rearm' | 'learn';

export class BalanceAlertWatcher {
  private readonly known = new Map<string, Known>();
  private readonly busy = new Set<string>();
  private readonly again = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly memoryMs: number;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: WatchOptions = {},
  ) {
    this.memoryMs = options.memoryMs ?? 10_000;
  }

  /** The ledger's listener: synchronous and cheap; the work it starts runs on its own. */
  readonly onChanges = (changes: readonly AvailableChange[]): void => {
    const now = performance.now();
    for (const change of changes) {
      const known = this.known.get(change.accountId);
      if (known && known.until > now) {
        if (!known.enabled || known.limitMicros === null) continue;
        const low = change.availableMicros <= known.limitMicros;
        // Armed and above, or already alerted and still low: nothing to decide.
        if (low !== known.armed) continue;
        this.schedule(change.accountId, low ? 'alert' : 'rearm');
      } else {
        this.schedule(change.accountId, 'learn');
      }
    }
  };

  /** Forgets what was learnt of an account (its limit or switch changed here). */
  forget(accountId: string): void {
    this.known.delete(accountId);
  }

  /** Looks at an account now, as a signal would make it (after a change of its preferences). */
  check(accountId: string): void {
    this.forget(accountId);
    this.schedule(accountId, 'learn');
  }

  /** Waits for the work started so far (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * alert / rearm: what this process knows says so, and the database decides at once; learn:
   * nothing fresh is known, so the state is read first. Changes that arrive while an account's
   * work runs make one more look afterwards, from what the database says then.
   */
  private schedule(accountId: string, action: Action): void {
    if (this.busy.has(accountId)) {
      this.again.add(accountId);
      return;
    }
    this.busy.add(accountId);
    const work = this.run(accountId, action)
      .catch((err: unknown) =>
        this.ctx.logger.error({ err, accountId }, 'the low-balance alert could not be decided'),
      )
      .finally(() => {
        this.busy.delete(accountId);
        this.running.delete(work);
        if (this.again.delete(accountId)) this.schedule(accountId, 'learn');
      });
    this.running.add(work);
  }

  private async run(accountId: string, action: Action): Promise<void> {
    const known = this.known.get(accountId);
    if (action === 'alert') {
      const alerted = await alertIfLow(this.ctx, accountId);
      if (!alerted) return this.forget(accountId); // sent by another process, or no longer low
      if (known) known.armed = false;
      this.options.onAlerted?.(accountId, alerted);
      return;
    }
    if (action === 'rearm') {
      if (!(await rearmIfRecovered(this.ctx, accountId))) return this.forget(accountId);
      if (known) known.armed = true;
      return;
    }
    return this.learn(accountId);
  }

  private async learn(accountId: string): Promise<void> {
    const state = await alertState(this.ctx.db, accountId);
    if (!state) {
      this.known.delete(accountId);
      return;
    }
    let armed = state.armed;
    if (state.enabled && state.limitMicros !== null) {
      const low = state.availableMicros <= state.limitMicros;
      if (low && armed) {
        const alerted = await alertIfLow(this.ctx, accountId);
        // Alerted here or by another process a moment ago: disarmed either way, unless the
        // balance went back up meanwhile (then the next signal looks again).
        armed = false;
        if (alerted) this.options.onAlerted?.(accountId, alerted);
      } else if (!low && !armed) {
        // Not re-armed here: another process did, or the balance fell again; learn it afresh.
        if (!(await rearmIfRecovered(this.ctx, accountId))) return this.forget(accountId);
        armed = true;
      }
    } else if (!armed) {
      if (!(await rearmIfRecovered(this.ctx, accountId))) return this.forget(accountId);
      armed = true;
    }
    this.remember(accountId, { enabled: state.enabled, limitMicros: state.limitMicros, armed });
  }

  private remember(accountId: string, known: Omit<Known, 'until'>): void {
    const now = performance.now();
    if (this.known.size >= MAX_KNOWN) {
      for (const [id, entry] of this.known) if (entry.until <= now) this.known.delete(id);
      if (this.known.size >= MAX_KNOWN) this.known.clear();
    }
    this.known.set(accountId, { ...known, until: now + this.memoryMs });
  }
}
