// The simulator carrier: the default, for a fresh install, the sandbox "virtual phone" and
// tests. It records every message in the database (so API and worker processes see the same
// record) and answers deterministically: every message is delivered, except to numbers
// ending in 0000, which fail. A receipt follows each accepted message, after
// SIMULATOR_RECEIPT_DELAY_MS (0: on the next tick).
//
// A submit is answered only once its record is committed, so lookup() (reconciliation) finds
// every message the simulator accepted. The records of submits that arrive together are
// written with one multi-row insert (group commit): while one insert is in flight the next
// gathers, as a real carrier's link takes many submits at once.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable } from '../../db/types.js';
import type { Carrier, LookupResult, OutgoingSms, Receipt, ReceiptStatus, SubmitResult } from './types.js';

export interface SimulatorOptions {
  receiptDelayMs: number;
  /** How long each submit takes before it is answered (default 0); the record is written first. */
  submitLatencyMs?: number;
  now: () => Date;
  logger: Logger;
}

export interface SimulatedMessage {
  to: string;
  from: string | null;
  text: string;
  at: string;
  status: 'accepted' | 'delivered' | 'failed';
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function simulatedOutcome(to: string): ReceiptStatus {
  return to.endsWith('0000') ? 'failed' : 'delivered';
}

interface PendingRecord {
  id: string;
  messageId: string;
  accountId: string | null;
  to: string;
  from: string | null;
  text: string;
  status: SimulatedMessage['status'];
  at: Date;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Most records one insert writes. */
const RECORD_BATCH = 5_000;

// Carrier message ids: 12 random bytes each, cut from a pool (one call to the generator per
// 512 ids rather than one per message).
const ID_BYTES = 12;
let idPool = Buffer.alloc(0);
let idOffset = 0;
function randomId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 512);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return `sim_${id}`;
}

export class SimulatorCarrier implements Carrier {
  readonly id = 'simulator';
  private readonly listeners: ((r: Receipt) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending: PendingRecord[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly options: SimulatorOptions,
  ) {}

  async submit(m: OutgoingSms): Promise<SubmitResult> {
    if (!E164.test(m.to)) return { ok: false, permanent: true, reason: 'not an E.164 number' };
    const carrierMessageId = randomId();
    const outcome = simulatedOutcome(m.to);
    const at = this.options.now();
    const immediate = this.options.receiptDelayMs === 0;
    await this.record({
      id: carrierMessageId,
      messageId: m.id,
      accountId: m.accountId ?? null,
      to: m.to,
      from: m.from ?? null,
      text: m.text,
      status: immediate ? outcome : 'accepted',
      at,
    });
    const receipt = (): Receipt => ({
      messageId: m.id,
      carrierMessageId,
      status: outcome,
      at: this.options.now(),
      ...(outcome === 'failed' ? { reason: 'the simulator fails numbers ending in 0000' } : {}),
    });
    if (immediate) {
      setImmediate(() => this.emit(receipt()));
    } else {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const r = receipt();
        this.db
          .query('update simulator_messages set status = $2, updated_at = $3 where id = $1', [
            carrierMessageId,
            r.status,
            r.at,
          ])
          .then(
            () => this.emit(r),
            (err: unknown) => this.options.logger.error({ err }, 'simulator receipt not recorded'),
          );
      }, this.options.receiptDelayMs);
      timer.unref();
      this.timers.add(timer);
    }
    const latency = this.options.submitLatencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    return { ok: true, carrierMessageId };
  }

  /** Writes the record with whatever other submits are waiting; resolves once it is committed. */
  private record(row: Omit<PendingRecord, 'resolve' | 'reject'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...row, resolve, reject });
      // Submits made in the same tick go together; later ones gather while this one is written.
      this.writing ??= new Promise<void>((started) => setImmediate(started)).then(() => this.writeLoop());
    });
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, RECORD_BATCH);
        try {
          await this.db.query(
            `insert into simulator_messages
               (id, message_id, account_id, to_number, from_number, text, status, created_at, updated_at)
             select v.*, v.created_at from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
               $6::text[], $7::text[], $8::timestamptz[])
               as v(id, message_id, account_id, to_number, from_number, text, status, created_at)`,
            [
              batch.map((r) => r.id),
              batch.map((r) => r.messageId),
              batch.map((r) => r.accountId),
              batch.map((r) => r.to),
              batch.map((r) => r.from),
              batch.map((r) => r.text),
              batch.map((r) => r.status),
              batch.map((r) => r.at.toISOString()),
            ],
          );
          for (const r of batch) r.resolve();
        } catch (error) {
          for (const r of batch) r.reject(error);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  /** What the simulator recorded for our message id (the first record, if it got several). */
  async lookup(messageId: string): Promise<LookupResult> {
    const { rows } = await this.db.query<{ id: string; status: SimulatedMessage['status'] }>(
      `select id, status from simulator_messages where message_id = $1 order by created_at, id limit 1`,
      [messageId],
    );
    const row = rows[0];
    if (!row) return { found: false };
    return {
      found: true,
      carrierMessageId: row.id,
      status: row.status,
      ...(row.status === 'failed' ? { reason: 'the simulator fails numbers ending in 0000' } : {}),
    };
  }

  onReceipt(cb: (r: Receipt) => void): void {
    this.listeners.push(cb);
  }

  /** Drops receipts not yet sent (shutdown). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private emit(r: Receipt): void {
    for (const listener of this.listeners) {
      try {
        listener(r);
      } catch (err) {
        this.options.logger.error({ err }, 'a receipt listener failed');
      }
    }
  }
}

/** Newest first. `to` (E.164) and `accountId` narrow the list when given. */
export async function listSimulatedMessages(
  q: Queryable,
  filter: { to?: string; accountId?: string; limit: number },
): Promise<SimulatedMessage[]> {
  const { rows } = await q.query<{
    to_number: string;
    from_number: string | null;
    text: string;
    created_at: Date;
    status: SimulatedMessage['status'];
  }>(
    `select to_number, from_number, text, created_at, status from simulator_messages
      where ($1::text is null or to_number = $1) and ($2::text is null or account_id = $2)
      order by created_at desc, id desc limit $3`,
    [filter.to ?? null, filter.accountId ?? null, filter.limit],
  );
  return rows.map((row) => ({
    to: row.to_number,
    from: row.from_number,
    text: row.text,
    at: row.created_at.toISOString(),
    status: row.status,
  }));
}
