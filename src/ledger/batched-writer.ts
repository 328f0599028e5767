// The hot path. Concurrent requests for the same account queue for at most `lingerMs` (or
// until `maxBatch` are waiting), then one transaction decides them all in arrival order and
// writes them with one insert. While a batch is in flight the next one gathers, so batches
// grow with load: group commit. Each caller gets its own answer.
//
// Several writers (in one process or many) may serve the same account: the account row lock
// serialises their batches and the no-overdraft CHECK stands behind the code's own check.
import type { Db } from '../db/types.js';
import { SQLSTATE, sqlState } from '../db/types.js';
import { executeBatch } from './engine.js';
import type { ItemResult, LedgerRequest } from './types.js';

export interface BatchedWriterOptions {
  lingerMs: number;
  maxBatch: number;
  /** Called after each batch commits (metrics, tests). */
  onBatch?: (size: number, ms: number) => void;
}

interface Waiting {
  request: LedgerRequest;
  resolve: (result: ItemResult) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  queue: Waiting[];
  timer: NodeJS.Timeout | null;
  flushing: Promise<void> | null;
}

const RETRYABLE: readonly string[] = [
  SQLSTATE.deadlockDetected,
  SQLSTATE.serializationFailure,
  SQLSTATE.uniqueViolation,
];
const MAX_ATTEMPTS = 4;

export class WriterClosedError extends Error {
  constructor() {
    super('the ledger writer is shutting down');
    this.name = 'WriterClosedError';
  }
}

export class BatchedWriter {
  private readonly lanes = new Map<string, Lane>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: BatchedWriterOptions,
  ) {}

  /**
   * Queues one request. `lane` groups requests that lock the same account; for transfers and
   * holds it defaults to the debit account, for post/void pass the hold's account.
   */
  submit(request: LedgerRequest, lane?: string): Promise<ItemResult> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    const key = lane ?? ('debit' in request && typeof request.debit === 'string' ? request.debit : '*');
    let entry = this.lanes.get(key);
    if (!entry) {
      entry = { queue: [], timer: null, flushing: null };
      this.lanes.set(key, entry);
    }
    const laneRef = entry;
    return new Promise<ItemResult>((resolve, reject) => {
      laneRef.queue.push({ request, resolve, reject });
      this.schedule(key, laneRef);
    });
  }

  private schedule(key: string, lane: Lane): void {
    if (lane.flushing || lane.timer) return;
    if (lane.queue.length >= this.options.maxBatch || this.options.lingerMs === 0) {
      lane.flushing = this.flush(key, lane);
      return;
    }
    lane.timer = setTimeout(() => {
      lane.timer = null;
      if (!lane.flushing) lane.flushing = this.flush(key, lane);
    }, this.options.lingerMs);
  }

  private async flush(key: string, lane: Lane): Promise<void> {
    const batch = lane.queue.splice(0, this.options.maxBatch);
    const started = performance.now();
    try {
      const results = await this.write(batch.map((w) => w.request));
      results.forEach((result, i) => {
        batch[i]?.resolve(result);
      });
      this.options.onBatch?.(batch.length, performance.now() - started);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      lane.flushing = null;
      if (lane.queue.length > 0) {
        if (lane.timer) {
          clearTimeout(lane.timer);
          lane.timer = null;
        }
        // What gathered while this batch was in flight goes at once: it has waited already.
        lane.flushing = this.flush(key, lane);
      } else if (!lane.timer) {
        this.lanes.delete(key);
      }
    }
  }

  private async write(requests: LedgerRequest[]): Promise<ItemResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => executeBatch(tx, requests, false));
      } catch (error) {
        // A deadlock with a non-batched transaction, or the same transfer id written by
        // another process between our look-up and our insert: the retry sees the winner.
        const state = sqlState(error);
        if (attempt >= MAX_ATTEMPTS || !state || !RETRYABLE.includes(state)) throw error;
      }
    }
  }

  /** Requests waiting or in flight. */
  get pending(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.queue.length + (lane.flushing ? 1 : 0);
    return count;
  }

  /** Writes everything already queued, then refuses new requests. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.lanes.size > 0) {
      const flushing: Promise<void>[] = [];
      for (const [key, lane] of this.lanes) {
        if (lane.timer) {
          clearTimeout(lane.timer);
          lane.timer = null;
        }
        if (!lane.flushing && lane.queue.length > 0) lane.flushing = this.flush(key, lane);
        if (lane.flushing) flushing.push(lane.flushing);
        else this.lanes.delete(key);
      }
      await Promise.allSettled(flushing);
    }
  }
}
