// Exponential back-off with a cap and "equal jitter": the n-th wait (from 0) is between half
// and all of min(max, base * 2^n), so clients that lost the same SMSC do not return together.

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** [0, 1); Math.random unless a test fixes it. */
  random: () => number;
}

export function backoffDelay(attempt: number, backoff: Backoff): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (backoff.random() * ceiling) / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
