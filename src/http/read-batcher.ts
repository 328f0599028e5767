// Group commit for reads on the hot path (API keys and the account behind them): keys asked for
// while a lookup is in flight wait and go out together in the next one, so under load one
// statement answers many requests, and a lone request is sent at once (after the current I/O
// round, so requests that arrived together share it).
//
// Never stale: every key is read by a statement sent after it was asked for, so a request sees
// whatever committed before it arrived (a revoked key, a suspended account), in every process.
// Nothing is cached between requests.

export type BatchFetch<K, V> = (keys: K[]) => Promise<Map<K, V>>;

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class ReadBatcher<K, V> {
  private queue = new Map<K, Waiter<V>[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly fetch: BatchFetch<K, V>,
    private readonly options: { maxInFlight?: number; maxBatch?: number } = {},
  ) {}

  /** The value for `key` as the database has it now, or undefined when there is none. */
  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= (this.options.maxInFlight ?? 1)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.size === 0) return;
    const max = this.options.maxBatch ?? 500;
    let batch: Map<K, Waiter<V>[]>;
    if (this.queue.size <= max) {
      batch = this.queue;
      this.queue = new Map();
    } else {
      batch = new Map();
      for (const [key, waiters] of this.queue) {
        if (batch.size >= max) break;
        batch.set(key, waiters);
        this.queue.delete(key);
      }
    }
    this.inFlight++;
    let fetched: Promise<Map<K, V>>;
    try {
      fetched = this.fetch([...batch.keys()]);
    } catch (error) {
      fetched = Promise.reject(error);
    }
    fetched
      .then(
        (found) => {
          for (const [key, waiters] of batch) {
            const value = found.get(key);
            for (const waiter of waiters) waiter.resolve(value);
          }
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        // Those that waited for this lookup go out at once.
        this.flush();
      });
  }
}
