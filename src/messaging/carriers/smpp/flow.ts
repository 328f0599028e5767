// Flow control for submit_sm: a window (at most N PDUs awaiting their response; more wait
// in order) and a pace (at most T PDUs a second, paused for a while when the SMSC says it is
// throttling us). Both are per carrier, so they hold across reconnects.
import { sleep } from './backoff.js';

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

/** Spaces sends 1000/T ms apart (T = 0: no limit) and honours pauses. */
export class Pace {
  private nextAt = 0;
  private pausedUntil = 0;
  private readonly spacingMs: number;

  constructor(perSecond: number) {
    this.spacingMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Everyone waits at least until `ms` from now (the SMSC asked us to slow down). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Resolves at this caller's turn to send. */
  async turn(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAt, this.pausedUntil);
    this.nextAt = at + this.spacingMs;
    if (at > now) await sleep(at - now);
    // A pause that began while this caller waited holds it too.
    while (this.pausedUntil > Date.now()) await sleep(this.pausedUntil - Date.now());
  }
}
