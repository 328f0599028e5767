// Flow control for submit_sm: a window (at most N PDUs awaiting their response; more wait
// in order) and a pace (at most T PDUs a second, SMPP_THROUGHPUT, paused for a while when the
// SMSC says it is throttling us). Both are per carrier, so they hold across reconnects. The
// pace counts submit_sm PDUs, sent again ones included: what an SMSC counts and throttles.

class WaitTimeout extends Error {}

/** A counting semaphore with first-come order and a deadline for waiting. */
export class Window {
  private used = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(readonly size: number) {}

  get outstanding(): number {
    return this.used;
  }

  /** A release function, or undefined when no slot came free before the deadline. */
  async acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (this.used < this.size && this.waiting.length === 0) {
      this.used++;
      return this.releaser();
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          grant: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new WaitTimeout());
        }, waitMs);
        this.waiting.push(entry);
      });
    } catch (err) {
      if (err instanceof WaitTimeout) return undefined;
      throw err;
    }
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so `used` stays the same.
      if (next) next.grant();
      else this.used--;
    };
  }
}

/**
 * Spaces submit_sm 1000/T ms apart (T = 0: no limit), one at a time in arrival order, and
 * honours pauses: a turn is given when the pause has ended AND the spacing since the last turn
 * has passed, so the PDUs that waited out a pause leave at the pace, not together. The turn is
 * given when the PDU is about to be written, never reserved ahead, so a pause that begins while
 * a caller waits holds it too.
 */
export class Pace {
  private lastAt = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  private readonly spacingMs: number;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout | undefined }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly perSecond: number) {
    this.spacingMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Everyone waits at least until `ms` from now (the SMSC asked us to slow down). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Resolves true at this caller's turn to send, or false when the turn is not due by `deadline` (epoch ms). */
  turn(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.waiting.length === 0 && this.dueAt() <= Date.now()) {
      this.lastAt = Date.now();
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry: { grant: () => void; timer: NodeJS.Timeout | undefined } = {
        grant: () => {
          clearTimeout(entry.timer);
          resolve(true);
        },
        timer: undefined,
      };
      if (Number.isFinite(deadline)) {
        entry.timer = setTimeout(
          () => {
            const at = this.waiting.indexOf(entry);
            if (at < 0) return;
            this.waiting.splice(at, 1);
            resolve(false);
            if (at === 0) this.schedule();
          },
          Math.max(0, deadline - Date.now()),
        );
      }
      this.waiting.push(entry);
      if (this.waiting.length === 1) this.schedule();
    });
  }

  private dueAt(): number {
    return Math.max(this.lastAt + this.spacingMs, this.pausedUntil);
  }

  /** Gives the first in line its turn when due; looks again then, as a pause may have begun. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const first = this.waiting[0];
    if (!first) return;
    const wait = this.dueAt() - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.schedule(), Math.ceil(wait));
      return;
    }
    this.waiting.shift();
    this.lastAt = Date.now();
    first.grant();
    if (this.waiting.length > 0) this.schedule();
  }
}
