// The trigger, in real time and off the hot path. Each process keeps in memory the accounts
// with an enabled, unpaused rule and their limit (read at start, every
// AUTO_REFILL_RULES_REFRESH_MS, and at once when this process saves a rule). The ledger tells it,
// after every commit, each changed account's available credit (ledger.onAvailableChanged): for
// an account with no rule that is one failed Map lookup; for one above its limit, a comparison.
// Only a crossing schedules work, with setImmediate, after the writer has moved on: the
// decision itself is made again in the database (start.ts), so a stale map costs at most one
// needless look. One start per account at a time in a process; across processes the rule's row
// lock and the in-flight index decide.
//
// When a start finds the refill cannot happen now, the entry remembers until when (a retry's
// time, the cap's window freeing a slot, a refill in flight for a second), so a flood of debits
// below the limit does not become a flood of queries. Credit arriving on the account (a refill
// credited, any purchase) looks again, so a refill that still leaves the balance at or below the
// limit (a campaign eating credit meanwhile) may start the next one.
import type { AppContext } from '../context.js';
import type { AvailableChange } from '../ledger/available-signal.js';
import { onCreditArrived } from '../purchases/index.js';
import { beginRefill, chargeRefill, type StartOutcome } from './start.js';

interface Entry {
  thresholdMicros: bigint;
  /** Epoch ms before which a crossing is not looked at (0: always). */
  notBefore: number;
  busy: boolean;
  /** Credit arrived while a start was under way (its own refill, say): look again after it. */
  again: boolean;
}

/** A refill in flight elsewhere: look again after this long at the earliest. */
const IN_FLIGHT_RECHECK_MS = 1_000;

export class RefillTrigger {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Starts made by this trigger, by outcome (tests, benchmarks). */
  readonly started: { accountId: string; outcome: StartOutcome['outcome']; at: number }[] = [];
  /** Called after each start this trigger made, charged or not (benchmarks). */
  onStart: ((accountId: string, outcome: StartOutcome) => void) | null = null;
  /** Called as soon as a start is decided (the purchase recorded), before the charge (benchmarks). */
  onBegun: ((accountId: string, outcome: StartOutcome) => void) | null = null;

  constructor(private readonly ctx: AppContext) {}

  attach(): void {
    this.unsubscribe.push(this.ctx.ledger.onAvailableChanged((changes) => this.onChanges(changes)));
    this.unsubscribe.push(
      onCreditArrived(this.ctx, ({ accountId }) => {
        const entry = this.entries.get(accountId);
        if (!entry) return;
        entry.notBefore = 0;
        if (entry.busy) entry.again = true;
        else this.fire(accountId, entry);
      }),
    );
  }

  /** The listener: cheap, synchronous, never waits. */
  private onChanges(changes: readonly AvailableChange[]): void {
    if (this.entries.size === 0) return;
    let nowMs = -1;
    for (const change of changes) {
      if (!change.decreased) continue;
      const entry = this.entries.get(change.accountId);
      if (entry === undefined || entry.busy || change.availableMicros > entry.thresholdMicros) continue;
      if (entry.notBefore > 0) {
        if (nowMs < 0) nowMs = this.ctx.now().getTime();
        if (nowMs < entry.notBefore) continue;
      }
      this.fire(change.accountId, entry);
    }
  }

  private fire(accountId: string, entry: Entry): void {
    if (entry.busy || this.stopped) return;
    entry.busy = true;
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        const decided = await beginRefill(this.ctx, accountId);
        this.onBegun?.(accountId, decided);
        if (decided.outcome === 'started') await chargeRefill(this.ctx, decided.purchase);
        return decided;
      })
      .then((outcome) => {
        this.remember(accountId, entry, outcome);
        this.started.push({ accountId, outcome: outcome.outcome, at: performance.now() });
        this.onStart?.(accountId, outcome);
      })
      .catch((err: unknown) =>
        this.ctx.logger.error({ err, accountId }, 'an automatic refill could not start'),
      )
      .finally(() => {
        entry.busy = false;
        this.running.delete(run);
        if (entry.again) {
          entry.again = false;
          this.fire(accountId, entry);
        }
      });
    this.running.add(run);
  }

  private remember(accountId: string, entry: Entry, result: StartOutcome): void {
    const now = this.ctx.now().getTime();
    switch (result.outcome) {
      case 'disabled':
      case 'paused':
        this.entries.delete(accountId);
        return;
      case 'waiting_retry':
        entry.notBefore = result.until.getTime();
        return;
      case 'cap_reached':
        entry.notBefore = result.until?.getTime() ?? now + IN_FLIGHT_RECHECK_MS;
        return;
      case 'in_flight':
      case 'cannot_purchase':
        entry.notBefore = now + IN_FLIGHT_RECHECK_MS;
        return;
      // Charged already (credited, declined, or waiting: the next look says which).
      case 'started':
      case 'not_due':
        entry.notBefore = 0;
        return;
    }
  }

  /** One account's rule as saved (or removed): kept in memory, and looked at once. */
  async refreshAccount(accountId: string, { look = false } = {}): Promise<void> {
    const { rows } = await this.ctx.db.query<{ threshold_micros: bigint; next_retry_at: Date | null }>(
      `select threshold_micros, next_retry_at from auto_refill_rules
        where account_id = $1 and enabled and paused_reason is null`,
      [accountId],
    );
    const row = rows[0];
    if (!row) {
      this.entries.delete(accountId);
      return;
    }
    const entry = this.entries.get(accountId) ?? {
      thresholdMicros: 0n,
      notBefore: 0,
      busy: false,
      again: false,
    };
    entry.thresholdMicros = row.threshold_micros;
    entry.notBefore = row.next_retry_at?.getTime() ?? 0;
    this.entries.set(accountId, entry);
    if (look) this.fire(accountId, entry);
  }

  /** Every enabled, unpaused rule, read again (a retry's time kept when it is later). */
  async refresh(): Promise<void> {
    const { rows } = await this.ctx.db.query<{
      account_id: string;
      threshold_micros: bigint;
      next_retry_at: Date | null;
    }>(
      'select account_id, threshold_micros, next_retry_at from auto_refill_rules where enabled and paused_reason is null',
    );
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.account_id);
      const entry = this.entries.get(row.account_id);
      const retry = row.next_retry_at?.getTime() ?? 0;
      if (entry) {
        entry.thresholdMicros = row.threshold_micros;
        entry.notBefore = Math.max(entry.notBefore, retry);
      } else {
        this.entries.set(row.account_id, {
          thresholdMicros: row.threshold_micros,
          notBefore: retry,
          busy: false,
          again: false,
        });
      }
    }
    for (const accountId of this.entries.keys()) if (!seen.has(accountId)) this.entries.delete(accountId);
  }

  /** Reads the rules now and then every `everyMs` (an unref'd timer). */
  start(everyMs: number): void {
    const tick = () =>
      this.refresh().catch((err: unknown) =>
        this.ctx.logger.warn({ err }, 'the automatic refill rules could not be read; later'),
      );
    void tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  /** Rules kept in memory (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Waits for the starts under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.unsubscribe.splice(0)) off();
    await this.idle();
  }
}

const triggers = new WeakMap<AppContext, RefillTrigger>();

/** This context's trigger (made on first use). */
export function refillTrigger(ctx: AppContext): RefillTrigger {
  let trigger = triggers.get(ctx);
  if (!trigger) {
    trigger = new RefillTrigger(ctx);
    triggers.set(ctx, trigger);
  }
  return trigger;
}
