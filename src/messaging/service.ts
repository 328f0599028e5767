// The messaging room's long-lived parts, one set per process: the two batched writers (holds
// with their new message rows; posts and voids with the status they settle), the receipts
// inbox, the carriers with a token bucket each, and the price list. Built by createContext;
// closed by the server after the worker has stopped, so queued batches are written.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { BatchedWriter } from '../ledger/batched-writer.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SmsAlphabet } from '../pricing/alphabets.js';
import type { DestinationIndex } from '../pricing/destinations.js';
import type { CarrierSet } from './carrier-set.js';
import type { Carrier } from './carriers/types.js';
import { builtInPrices, type PriceSource } from './prices.js';
import { ReceiptInbox } from './receipts.js';
import { type AcceptExtra, decidedMessages } from './send-message.js';
import { recordSettlements, type Settlement } from './settle.js';
import { TokenBucket } from './token-bucket.js';

export interface MessagingDeps {
  config: Config;
  db: Db;
  ledger: Ledger;
  logger: Logger;
  carriers: CarrierSet;
  now: () => Date;
}

export interface MessagingOptions {
  /** The price list in force; the built-in one when absent (tests). */
  prices?: PriceSource;
}

export class MessagingService {
  /** Single sends: a hold per message, and the message row in the same transaction. */
  readonly accept: BatchedWriter<AcceptExtra>;
  /** Dispatch outcomes: post or void, and the status they settle. */
  readonly settle: BatchedWriter<Settlement>;
  readonly receipts: ReceiptInbox;
  readonly carriers: CarrierSet;
  /**
   * The alphabet of the carrier a number goes to, by which its messages are measured and
   * charged; undefined while every carrier takes GSM-7 (nothing to look up).
   */
  readonly alphabetFor: ((e164: string) => SmsAlphabet) | undefined;
  /** Batches of single sends written so far: how many, their messages, their time (benchmarks). */
  readonly acceptStats = { batches: 0, messages: 0, ms: 0 };
  private readonly priceSource: PriceSource;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly wakeListeners = new Set<() => void>();

  constructor(
    private readonly deps: MessagingDeps,
    options: MessagingOptions = {},
  ) {
    const batch = { lingerMs: deps.config.ledger.batchLingerMs, maxBatch: deps.config.ledger.batchMax };
    this.accept = new BatchedWriter<AcceptExtra>(deps.db, {
      ...batch,
      name: 'messages.accept',
      companion: decidedMessages,
      onBatch: (size, ms) => {
        this.acceptStats.batches++;
        this.acceptStats.messages += size;
        this.acceptStats.ms += ms;
      },
    });
    this.settle = new BatchedWriter<Settlement>(deps.db, {
      ...batch,
      name: 'messages.settle',
      onDecided: recordSettlements,
    });
    this.receipts = new ReceiptInbox({
      db: deps.db,
      ledger: deps.ledger,
      logger: deps.logger,
      config: deps.config.messaging,
      now: deps.now,
    });
    this.carriers = deps.carriers;
    const carriers = deps.carriers;
    this.alphabetFor = carriers.all.some((carrier) => (carrier.alphabet ?? 'GSM-7') !== 'GSM-7')
      ? (e164) => carriers.route(e164).alphabet ?? 'GSM-7'
      : undefined;
    this.priceSource = options.prices ?? builtInPrices();
    for (const carrier of this.carriers.all) {
      carrier.onReceipt((receipt) => this.receipts.accept(carrier.id, receipt));
    }
  }

  /** The price list in force. */
  async prices(): Promise<DestinationIndex> {
    return this.priceSource();
  }

  bucket(carrier: Carrier): TokenBucket {
    let bucket = this.buckets.get(carrier.id);
    if (!bucket) {
      const rate =
        carrier.maxPerSecond !== undefined && carrier.maxPerSecond > 0
          ? carrier.maxPerSecond
          : this.deps.config.messaging.carrierTps;
      bucket = new TokenBucket(rate);
      this.buckets.set(carrier.id, bucket);
    }
    return bucket;
  }

  /** Messages the carriers may take now, together. */
  tokensAvailable(): number {
    return this.carriers.all.reduce((sum, carrier) => sum + this.bucket(carrier).available(), 0);
  }

  msUntilTokens(): number {
    return Math.min(...this.carriers.all.map((carrier) => this.bucket(carrier).msUntilAvailable()));
  }

  /** Something became due (a message accepted, credit reserved): a sleeping dispatcher looks now. */
  wake(): void {
    for (const listener of this.wakeListeners) listener();
  }

  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  /** Writes what the writers and the receipts inbox hold, then refuses more. */
  async close(): Promise<void> {
    await Promise.all([this.accept.close(), this.settle.close()]);
    await this.receipts.close();
  }
}
