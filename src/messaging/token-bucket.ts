// A carrier's throughput as a token bucket: `ratePerSecond` tokens a second, at most one
// second's worth saved up. take() reserves a token at once and waits until it is due, so
// concurrent submits queue in order without polling.

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0))
      throw new RangeError(`a token bucket needs a positive rate, got ${ratePerSecond}`);
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.last = this.clock();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  /** Whole tokens available now (0 when submits are already waiting for tokens). */
  available(): number {
    this.refill();
    return Math.max(0, Math.floor(this.tokens));
  }

  /** Milliseconds until the next whole token is available (0: now). */
  msUntilAvailable(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  /** Takes `count` tokens (one by default), waiting until they are due. */
  async take(count = 1): Promise<void> {
    this.refill();
    this.tokens -= count;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.ratePerSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }
}
