// Switches that make the next API requests fail or hang, to test a client's retries and
// timeouts. A failure `before` answers without running the request (nothing happens); one
// `after` runs it, keeps its idempotent result and still answers with the error status, as
// when a response is lost on the way back. An outage (`down`) answers every API request with
// the same 5xx, running none, until `up`: Stripe's API down for a minute.

export type FailWhen = 'before' | 'after';

export interface Fault {
  fail: { when: FailWhen; status: number } | null;
  hangMs: number;
}

export class Faults {
  private failures: { when: FailWhen; status: number }[] = [];
  private hangs: number[] = [];
  private outage: { status: number; refused: number } | null = null;

  failNext(count: number, when: FailWhen = 'before', status = 500): void {
    checkCount(count);
    checkStatus(status);
    for (let i = 0; i < count; i++) this.failures.push({ when, status });
  }

  hangNext(count: number, ms: number): void {
    checkCount(count);
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError('ms must be a non-negative integer');
    for (let i = 0; i < count; i++) this.hangs.push(ms);
  }

  /** Every API request answers `status` (503) without running, until up(). */
  down(status = 503): void {
    checkStatus(status);
    this.outage = { status, refused: 0 };
  }

  /** Ends an outage; returns how many requests it refused. */
  up(): number {
    const refused = this.outage?.refused ?? 0;
    this.outage = null;
    return refused;
  }

  /** The fault for the request arriving now (each switch counts down once per request). */
  take(): Fault {
    if (this.outage) {
      this.outage.refused++;
      return { fail: { when: 'before', status: this.outage.status }, hangMs: 0 };
    }
    return { fail: this.failures.shift() ?? null, hangMs: this.hangs.shift() ?? 0 };
  }

  state(): { failing: number; hanging: number; down: boolean; refusedWhileDown: number } {
    return {
      failing: this.failures.length,
      hanging: this.hangs.length,
      down: this.outage !== null,
      refusedWhileDown: this.outage?.refused ?? 0,
    };
  }

  reset(): void {
    this.failures = [];
    this.hangs = [];
    this.outage = null;
  }
}

function checkStatus(status: number): void {
  if (!Number.isInteger(status) || status < 500 || status > 599) throw new RangeError('status must be 5xx');
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
}
