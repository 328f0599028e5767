// Switches that make the next API requests fail or hang, to test a client's retries and
// timeouts. A failure `before` answers without running the request (nothing happens); one
// `after` runs it, keeps its idempotent result and still answers with the error status, as
// when a response is lost on the way back.

export type FailWhen = 'before' | 'after';

export interface Fault {
  fail: { when: FailWhen; status: number } | null;
  hangMs: number;
}

export class Faults {
  private failures: { when: FailWhen; status: number }[] = [];
  private hangs: number[] = [];

  failNext(count: number, when: FailWhen = 'before', status = 500): void {
    checkCount(count);
    if (!Number.isInteger(status) || status < 500 || status > 599) throw new RangeError('status must be 5xx');
    for (let i = 0; i < count; i++) this.failures.push({ when, status });
  }

  hangNext(count: number, ms: number): void {
    checkCount(count);
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError('ms must be a non-negative integer');
    for (let i = 0; i < count; i++) this.hangs.push(ms);
  }

  /** The fault for the request arriving now (each switch counts down once per request). */
  take(): Fault {
    return { fail: this.failures.shift() ?? null, hangMs: this.hangs.shift() ?? 0 };
  }

  state(): { failing: number; hanging: number } {
    return { failing: this.failures.length, hanging: this.hangs.length };
  }

  reset(): void {
    this.failures = [];
    this.hangs = [];
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
}
