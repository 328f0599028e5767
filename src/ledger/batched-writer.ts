// The hot path. Concurrent requests for the same account queue for at most `lingerMs` (or
// until `maxBatch` are waiting), then one transaction decides them all in arrival order and
// writes them with one insert. While a batch is in flight the next one gathers, so batches
// grow with load: group commit. Each caller gets its own answer.
//
// Several writers (in one process or many) may serve the same account: the account row lock
// serialises their batches and the no-overdraft CHECK stands behind the code's own check.
import type { Db, Queryable } from '../db/types.js';
import { SQLSTATE, sqlState } from '../db/types.js';
import { metrics, observeLedgerBatch } from '../metrics.js';
import { type Companion, executeBatch, writeCompanion } from './engine.js';
import type { ItemResult, LedgerRequest } from './types.js';

/** One request of a batch, decided, with what its caller attached to it. */
export interface DecidedItem<Extra> {
  request: LedgerRequest;
  result: ItemResult;
  extra: Extra | undefined;
}

export interface BatchedWriterOptions<Extra = unknown> {
  lingerMs: number;
  maxBatch: number;
  /** The writer's name in the metrics (`tollgate_ledger_batch_*{writer}`); default `ledger`. */
  name?: string;
  /** Called after each batch commits (metrics, tests). */
  onBatch?: (size: number, ms: number) => void;
  /**
   * Runs inside the batch's transaction, after the ledger decided every request: a domain
   * writes its own rows for the whole batch here (e.g. the messages whose holds these are), so
   * they commit or roll back with the transfers. A throw fails the whole batch.
   */
  onDecided?: (tx: Queryable, items: DecidedItem<Extra>[]) => Promise<void>;
  /**
   * Like onDecided, for rows that are only inserts: written by the statement that inserts the
   * batch's transfers (one round trip fewer), or on their own when the batch inserted none.
   * Runs before onDecided.
   */
  companion?: (items: DecidedItem<Extra>[]) => Companion | null;
}

interface Waiting<Extra> {
  extra: Extra | undefined;
  request: LedgerRequest;
  resolve: (result: ItemResult) => void;
  reject: (error: unknown) => void;
}

interface Lane<Extra> {
  queue: Waiting<Extra>[];
  timer: NodeJS.Timeout | null;
  flushing: Promise<void> | null;
}

const RETRYABLE: readonly string[] = [
  SQLSTATE.deadlockDetected,
  SQLSTATE.serializationFailure,
  SQLSTATE.uniqueViolation,
];
const MAX_ATTEMPTS = 5;

/** Whether the batch inserted a transfer (then the engine asked for the companion). */
function fresh(results: readonly ItemResult[]): boolean {
  return results.some((r) => r.ok && !r.replayed);
}

/** The refused requests of a batch, by reason. */
function refusalsOf(results: readonly ItemResult[]): Map<string, number> {
  const refusals = new Map<string, number>();
  for (const result of results) {
    if (!result.ok) refusals.set(result.error.code, (refusals.get(result.error.code) ?? 0) + 1);
  }
  return refusals;
}

export class WriterClosedError extends Error {
  constructor() {
    super('the ledger writer is shutting down');
    this.name = 'WriterClosedError';
  }
}

export class BatchedWriter<Extra = unknown> {
  private readonly lanes = new Map<string, Lane<Extra>>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: BatchedWriterOptions<Extra>,
  ) {}

  /**
   * Queues one request. `lane` groups requests that lock the same account; for transfers and
   * holds it defaults to the debit account, for post/void pass the hold's account. `extra`
   * travels with the request to `onDecided`.
   */
  submit(request: LedgerRequest, lane?: string, extra?: Extra): Promise<ItemResult> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    const key = lane ?? ('debit' in request && typeof request.debit === 'string' ? request.debit : '*');
    let entry = this.lanes.get(key);
    if (!entry) {
      entry = { queue: [], timer: null, flushing: null };
      this.lanes.set(key, entry);
    }
    const laneRef = entry;
    return new Promise<ItemResult>((resolve, reject) => {
      laneRef.queue.push({ request, extra, resolve, reject });
      this.schedule(key, laneRef);
    });
  }

  private schedule(key: string, lane: Lane<Extra>): void {
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

  private async flush(key: string, lane: Lane<Extra>): Promise<void> {
    const batch = lane.queue.splice(0, this.options.maxBatch);
    const started = performance.now();
    try {
      const results = await this.write(batch);
      results.forEach((result, i) => {
        batch[i]?.resolve(result);
      });
      const ms = performance.now() - started;
      this.options.onBatch?.(batch.length, ms);
      observeLedgerBatch(this.options.name ?? 'ledger', batch.length, ms, refusalsOf(results));
    } catch (error) {
      metrics.ledgerBatchFailures.inc({ writer: this.options.name ?? 'ledger' });
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

  private async write(batch: Waiting<Extra>[]): Promise<ItemResult[]> {
    const requests = batch.map((w) => w.request);
    const { onDecided, companion } = this.options;
    const items = (results: readonly ItemResult[]): DecidedItem<Extra>[] =>
      results.map((result, i) => ({
        request: requests[i] as LedgerRequest,
        result,
        extra: batch[i]?.extra,
      }));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const asked: { companion: Companion | null } = { companion: null };
          // First time round, trust that the ids are new: the unique index checks them anyway,
          // and a stored one sends the batch round again with the look-up (see executeBatch).
          const results = await executeBatch(tx, requests, false, {
            lookUpIds: attempt > 1,
            ...(companion
              ? {
                  companion: (decided: readonly ItemResult[]) => {
                    asked.companion = companion(items(decided));
                    return asked.companion;
                  },
                }
              : {}),
          });
          if (companion) {
            // Not asked (no transfer inserted): the rows are decided all the same.
            const rows = asked.companion ?? (fresh(results) ? null : companion(items(results)));
            if (rows && !rows.written) await writeCompanion(tx, rows);
          }
          if (onDecided) await onDecided(tx, items(results));
          return results;
        });
      } catch (error) {
        // A deadlock with a non-batched transaction, or a transfer id already stored (a replay,
        // or written by another process after our look-up): the retry looks the ids up and
        // answers replays with their first result.
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
