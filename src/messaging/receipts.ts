// Delivery receipts. Each one is first stored (message_receipts), a batch per transaction, then
// applied to its message: sent -> delivered or failed. An undelivered message is refunded
// when MESSAGE_REFUND_UNDELIVERED is on, by the transfer `refund:<message id>` in the same
// transaction as the status change, so it happens exactly once however often the receipt
// comes. A receipt that overtakes the dispatcher's own record of the hand-off (the message is
// still `sending`) stays stored and is applied once the message is `sent`: as soon as this
// process's dispatcher has settled the message (expect/settled), else after each dispatch
// round and by the worker's sweep.
import type { Logger } from 'pino';
import type { MessagingConfig } from '../config.js';
import type { Db, Queryable } from '../db/types.js';
import { SQLSTATE, sqlState } from '../db/types.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerRequest } from '../ledger/types.js';
import type { Receipt } from './carriers/types.js';
import { countMessages } from '../metrics.js';
import { refundTransferId } from './ids.js';
import { enqueueWebhookEvents } from './webhooks/enqueue.js';

interface Deps {
  db: Db;
  ledger: Ledger;
  logger: Logger;
  config: MessagingConfig;
  now: () => Date;
}

interface StoredReceipt {
  seq: bigint;
  message_id: string;
  status: 'delivered' | 'failed';
  reason: string | null;
  at: Date;
  /** The message as read (null: a message we never stored). */
  message_status: string | null;
  account_id: string | null;
  credits: bigint | null;
  carrier: string | null;
}

interface Buffered {
  carrier: string;
  receipt: Receipt;
  receivedAt: Date;
}

const BATCH = 500;
const LINGER_MS = 5;
/** Transactions applying released receipts at once (each on its own messages). */
const APPLIERS = 2;
const MAX_ATTEMPTS = 4;

export class ReceiptInbox {
  private buffer: Buffered[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Messages this process's dispatcher has handed to a carrier and not yet settled. */
  private readonly inFlight = new Map<string, number>();
  /** Stored receipts of such messages, applied when the dispatcher has settled them. */
  private readonly awaiting = new Map<string, bigint[]>();
  private ready: bigint[] = [];
  private readonly appliers = new Set<Promise<void>>();

  constructor(private readonly deps: Deps) {}

  /** The dispatcher is about to hand this message to a carrier: its receipt may overtake it. */
  expect(messageId: string): void {
    this.inFlight.set(messageId, (this.inFlight.get(messageId) ?? 0) + 1);
  }

  /** The dispatcher is done with the message (settled, or left to reconciliation). */
  settled(messageId: string): void {
    const n = (this.inFlight.get(messageId) ?? 0) - 1;
    if (n > 0) {
      this.inFlight.set(messageId, n);
      return;
    }
    this.inFlight.delete(messageId);
    const seqs = this.awaiting.get(messageId);
    if (!seqs) return;
    this.awaiting.delete(messageId);
    this.release(seqs);
  }

  /** Applies these stored receipts soon, together with others released at the same time. */
  private release(seqs: readonly bigint[]): void {
    this.ready.push(...seqs);
    this.kickApply();
  }

  private kickApply(): void {
    if (this.appliers.size >= APPLIERS) return;
    // Settlements resolve a batch at a time: the receipts they release go together.
    const applier: Promise<void> = new Promise<void>((started) => setImmediate(started))
      .then(() => this.applyReady())
      .finally(() => {
        this.appliers.delete(applier);
        if (this.ready.length > 0) this.kickApply();
      });
    this.appliers.add(applier);
  }

  /** Until nothing is being stored or applied. */
  private async settle(): Promise<void> {
    while (this.flushing || this.appliers.size > 0) {
      await Promise.all([this.flushing, ...this.appliers]);
    }
  }

  private async applyReady(): Promise<void> {
    while (this.ready.length > 0) {
      const seqs = this.ready.splice(0, BATCH);
      try {
        // A receipt whose message is still `sending` (its settlement failed) stays stored.
        await retrying(() => this.deps.db.transaction((tx) => this.apply(tx, seqs)));
      } catch (err) {
        // Left stored: the sweep applies them.
        this.deps.logger.error({ err, receipts: seqs.length }, 'delivery receipts not applied yet');
      }
    }
  }

  /**
   * A carrier's receipt listener: ours are the messages whose id starts with msg_, and those a
   * receipt names only by the carrier's id (found by it when stored).
   */
  accept(carrier: string, receipt: Receipt): void {
    if (this.closed) return;
    if (
      !receipt.messageId.startsWith('msg_') &&
      !(receipt.messageId === '' && receipt.carrierMessageIds?.length)
    )
      return;
    this.buffer.push({ carrier, receipt, receivedAt: this.deps.now() });
    if (this.buffer.length >= BATCH) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), LINGER_MS);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.buffer.length > 0) {
      let batch = this.buffer.splice(0, BATCH);
      try {
        if (batch.some((b) => b.receipt.messageId === '')) batch = await this.findByCarrierId(batch);
        if (batch.length === 0) continue;
        const overtaking = await retrying(() =>
          this.deps.db.transaction(async (tx) => {
            const { rows } = await tx.query<{ seq: bigint; message_id: string }>(
              `insert into message_receipts (message_id, carrier, carrier_message_id, status, reason, at, received_at)
               select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                 $7::timestamptz[])
               returning seq, message_id`,
              [
                batch.map((b) => b.receipt.messageId),
                batch.map((b) => b.carrier),
                batch.map((b) => b.receipt.carrierMessageId),
                batch.map((b) => b.receipt.status),
                batch.map((b) => b.receipt.reason ?? null),
                batch.map((b) => b.receipt.at.toISOString()),
                batch.map((b) => b.receivedAt.toISOString()),
              ],
            );
            // A receipt that overtook the dispatcher's record of its hand-off is not tried now.
            const later = rows.filter((row) => this.inFlight.has(row.message_id));
            await this.apply(
              tx,
              rows.filter((row) => !this.inFlight.has(row.message_id)).map((row) => row.seq),
            );
            return later;
          }),
        );
        for (const row of overtaking) {
          const seqs = this.awaiting.get(row.message_id);
          if (seqs) seqs.push(row.seq);
          else if (this.inFlight.has(row.message_id)) this.awaiting.set(row.message_id, [row.seq]);
          else this.release([row.seq]); // settled while these were being stored
        }
      } catch (err) {
        this.deps.logger.error({ err, receipts: batch.length }, 'delivery receipts not recorded');
      }
    }
  }

  /**
   * The receipts named only by the carrier's id get the id of the message stored with it (under
   * any of its spellings); those that match no message are logged and dropped.
   */
  private async findByCarrierId(batch: Buffered[]): Promise<Buffered[]> {
    const carriers: string[] = [];
    const ids: string[] = [];
    for (const { carrier, receipt } of batch) {
      if (receipt.messageId !== '') continue;
      for (const id of receipt.carrierMessageIds ?? []) {
        carriers.push(carrier);
        ids.push(id);
      }
    }
    const { rows } = await this.deps.db.query<{ id: string; carrier: string; carrier_message_id: string }>(
      `select m.id, m.carrier, m.carrier_message_id
         from unnest($1::text[], $2::text[]) as v(carrier, carrier_message_id)
         join messages m on m.carrier = v.carrier and m.carrier_message_id = v.carrier_message_id`,
      [carriers, ids],
    );
    const found = new Map(rows.map((r) => [`${r.carrier}\u0000${r.carrier_message_id}`, r.id]));
    const kept: Buffered[] = [];
    let unknown = 0;
    for (const item of batch) {
      if (item.receipt.messageId !== '') {
        kept.push(item);
        continue;
      }
      const messageId = (item.receipt.carrierMessageIds ?? [])
        .map((id) => found.get(`${item.carrier}\u0000${id}`))
        .find((id) => id !== undefined);
      if (messageId) kept.push({ ...item, receipt: { ...item.receipt, messageId } });
      else unknown++;
    }
    if (unknown > 0) {
      this.deps.logger.info({ receipts: unknown }, 'delivery receipts for no message we know: dropped');
    }
    return kept;
  }

  /** Writes what has arrived so far, then applies every stored receipt whose message has left `sending`. */
  async drain(): Promise<number> {
    // Receipts are emitted on a later tick than the submit that caused them.
    await new Promise((resolve) => setImmediate(resolve));
    this.kick();
    await this.settle();
    return this.applyStored();
  }

  /** The sweep: stored receipts not applied yet, oldest first, in batches. */
  async applyStored(limit = 10_000): Promise<number> {
    let applied = 0;
    while (applied < limit) {
      const n = await retrying(() =>
        this.deps.db.transaction(async (tx) => {
          const { rows } = await tx.query<{ seq: bigint }>(
            `select r.seq from message_receipts r join messages m on m.id = r.message_id
              where r.applied_at is null and m.status <> 'sending'
              order by r.seq limit $1`,
            [BATCH],
          );
          return rows.length === 0
            ? 0
            : this.apply(
                tx,
                rows.map((r) => r.seq),
              );
        }),
      );
      applied += n;
      if (n === 0) break;
    }
    const { rows } = await this.deps.db.query<{ seq: bigint }>(
      `select r.seq from message_receipts r left join messages m on m.id = r.message_id
        where r.applied_at is null and m.id is null limit 1000`,
    );
    if (rows.length > 0) {
      // Receipts for messages we never stored (another installation's, or a carrier's mistake).
      await this.deps.db.query(`update message_receipts set applied_at = $2 where seq = any($1::bigint[])`, [
        rows.map((r) => r.seq.toString()),
        this.deps.now().toISOString(),
      ]);
    }
    return applied;
  }

  /** Applies the given stored receipts inside `tx`; returns how many it settled. */
  private async apply(tx: Queryable, seqs: bigint[]): Promise<number> {
    if (seqs.length === 0) return 0;
    // The receipts are locked; their messages are read as they are. The update below names the
    // status it read (`sent`), so a message another transaction changed in between is left
    // alone, and only the transaction whose update changed it refunds it.
    const { rows: receipts } = await tx.query<StoredReceipt>(
      `select r.seq, r.message_id, r.status, r.reason, r.at, m.status as message_status, m.account_id, m.credits,
              m.carrier
         from message_receipts r left join messages m on m.id = r.message_id
        where r.seq = any($1::bigint[]) and r.applied_at is null
        order by r.seq for update of r skip locked`,
      [seqs.map(String)],
    );
    if (receipts.length === 0) return 0;
    const settled: bigint[] = [];
    const changes = new Map<string, StoredReceipt>();
    for (const receipt of receipts) {
      if (receipt.message_status === 'sending') continue; // applied once the hand-off is recorded
      settled.push(receipt.seq);
      // A second receipt for the same message (a duplicate, or a contradiction) changes nothing.
      if (receipt.message_status !== 'sent' || changes.has(receipt.message_id)) continue;
      changes.set(receipt.message_id, receipt);
    }
    const now = this.deps.now();
    const list = [...changes.values()].sort((a, b) => (a.message_id < b.message_id ? -1 : 1));
    const refunding = (r: StoredReceipt) =>
      r.status === 'failed' && this.deps.config.refundUndelivered && (r.credits ?? 0n) > 0n;
    const detail = (r: StoredReceipt) =>
      r.status === 'failed' ? (r.reason ?? 'the carrier reported it undelivered') : null;
    // The status change, its history row and the receipts' applied mark in one statement.
    const { rows: changed } = await tx.query<{ id: string }>(
      `with changed as (
         update messages m set status = v.status, error = v.reason, updated_at = $2,
                refunded_at = case when v.refund then $2::timestamptz else m.refunded_at end
           from unnest($1::text[], $3::text[], $4::text[], $5::boolean[], $7::timestamptz[], $8::text[])
             as v(id, status, reason, refund, at, detail)
          where m.id = v.id and m.status = 'sent'
          returning m.id, v.status, v.at, v.detail),
       recorded as (
         insert into message_events (message_id, status, at, detail)
         select id, status, at, detail from changed),
       marked as (update message_receipts set applied_at = $2 where seq = any($6::bigint[]))
       select id from changed`,
      [
        list.map((r) => r.message_id),
        now.toISOString(),
        list.map((r) => r.status),
        list.map((r) => r.reason),
        list.map(refunding),
        settled.map(String),
        list.map((r) => r.at.toISOString()),
        list.map(detail),
      ],
    );
    if (changed.length > 0) {
      const done = changed.map((row) => changes.get(row.id) as StoredReceipt);
      // Counted in the transaction: one retried after a deadlock may count its receipts twice.
      for (const r of done) countMessages(r.status, 1, r.carrier ?? '');
      await enqueueWebhookEvents(
        tx,
        done.map((r) => ({ messageId: r.message_id, status: r.status, at: r.at, detail: detail(r) })),
      );
      const refunds: LedgerRequest[] = done.filter(refunding).map((r) => ({
        type: 'transfer',
        id: refundTransferId(r.message_id),
        debit: { system: 'consumption' },
        credit: r.account_id as string,
        amount: r.credits as bigint,
        code: 'refund',
        reference: r.message_id,
        description: 'refund: the message was not delivered',
      }));
      if (refunds.length > 0) await this.deps.ledger.apply(refunds, tx);
    }
    return settled.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    await this.settle();
  }
}

/** Runs a transaction again after a deadlock or serialization failure. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const state = sqlState(error);
      const retryable = state === SQLSTATE.deadlockDetected || state === SQLSTATE.serializationFailure;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
