// From the SMSC's message ids back to ours. A message of n parts has n SMSC ids; submit()
// answers with the last part's id, and every part's id maps to the message, so each part's
// receipt is understood. The message is delivered when every part is delivered and failed as
// soon as one part fails; one Receipt per message, never more. A long message cut short
// (some parts accepted, the rest refused for now) stays tracked, its parts' receipts kept,
// until the attempt that completes it; nothing is reported for a message whose submit failed
// for good (its parts are forgotten).
//
// Kept in memory; entries go when their message settles or after ttlMs without all receipts.
// A receipt no entry claims within a minute (a message sent before a restart, or one given up
// on) is reported with the SMSC's id alone, and the receipts inbox finds the message by the id
// stored when it was sent: the last part's, so after a restart a long message's outcome is its
// last part's.
// A receipt may overtake the submit_sm_resp that names its id (some SMSCs send it first, and
// both can sit in one TCP read), so an unmatched receipt waits a minute for its id.
import type { Logger } from 'pino';
import type { Receipt } from '../types.js';
import type { ParsedReceipt } from './receipts.js';

export interface TrackedMessage {
  messageId: string;
  total: number;
  /** SMSC ids of the accepted parts, in order. */
  parts: string[];
  /** Final outcomes by SMSC id. */
  outcomes: Map<string, ParsedReceipt>;
  /** Set when every part is accepted (submit succeeded): the id submit() returned. */
  carrierMessageId?: string;
  settled: boolean;
  createdAt: number;
}

export interface TrackerOptions {
  ttlMs: number;
  /** How long a receipt waits for the submit_sm_resp naming its id before it is unclaimed (60 s). */
  unclaimedAfterMs?: number;
  now: () => Date;
  logger: Logger;
  emit: (receipt: Receipt) => void;
}

const EARLY_TTL_MS = 60_000;
const EARLY_MAX = 10_000;

/** The id as given, and as the other base: SMSCs differ on hex in the resp and decimal in the receipt. */
export function idVariants(id: string): string[] {
  const variants = new Set([id, id.toLowerCase(), id.toUpperCase(), id.replace(/^0+(?=.)/, '')]);
  try {
    if (/^[0-9]{1,30}$/.test(id)) {
      const hex = BigInt(id).toString(16);
      variants.add(hex).add(hex.toUpperCase());
    }
    if (/^[0-9a-f]{1,24}$/i.test(id)) variants.add(BigInt(`0x${id}`).toString(10));
  } catch {
    // Not a number after all.
  }
  return [...variants];
}

export class ReceiptTracker {
  private readonly byPart = new Map<string, TrackedMessage>();
  private readonly early = new Map<string, { receipt: ParsedReceipt; at: number }>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly earlyTtlMs: number;

  constructor(private readonly options: TrackerOptions) {
    this.earlyTtlMs = options.unclaimedAfterMs ?? EARLY_TTL_MS;
    this.sweeper = setInterval(() => this.sweep(), Math.min(options.ttlMs, this.earlyTtlMs));
    this.sweeper.unref();
  }

  get tracked(): number {
    return this.byPart.size;
  }

  begin(messageId: string, total: number): TrackedMessage {
    return {
      messageId,
      total,
      parts: [],
      outcomes: new Map(),
      settled: false,
      createdAt: Date.now(),
    };
  }

  accepted(group: TrackedMessage, partId: string): void {
    group.parts.push(partId);
    this.byPart.set(partId, group);
    for (const variant of idVariants(partId)) {
      const waiting = this.early.get(variant);
      if (!waiting) continue;
      this.early.delete(variant);
      group.outcomes.set(partId, waiting.receipt);
    }
  }

  /** Every part accepted: from now on the message's receipt may be sent. */
  complete(group: TrackedMessage, carrierMessageId: string): void {
    group.carrierMessageId = carrierMessageId;
    this.settle(group);
  }

  /** The submit failed: receipts for the parts already accepted are not ours to report. */
  abandon(group: TrackedMessage): void {
    group.settled = true;
    for (const part of group.parts) this.byPart.delete(part);
  }

  receive(receipt: ParsedReceipt): void {
    if (receipt.outcome === 'pending') return;
    for (const variant of idVariants(receipt.carrierMessageId)) {
      const group = this.byPart.get(variant);
      if (!group) continue;
      group.outcomes.set(variant, receipt);
      this.settle(group);
      return;
    }
    if (this.early.size >= EARLY_MAX) {
      const oldest = this.early.entries().next();
      if (!oldest.done) {
        this.early.delete(oldest.value[0]);
        this.unclaimed(oldest.value[1].receipt);
      }
    }
    this.early.set(receipt.carrierMessageId, { receipt, at: Date.now() });
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  sweep(): void {
    const now = Date.now();
    for (const [id, waiting] of this.early) {
      if (now - waiting.at < this.earlyTtlMs) continue;
      this.early.delete(id);
      this.unclaimed(waiting.receipt);
    }
    for (const group of new Set(this.byPart.values())) {
      if (now - group.createdAt < this.options.ttlMs) continue;
      this.options.logger.warn(
        { messageId: group.messageId, parts: group.total, receipts: group.outcomes.size },
        'SMPP receipts did not all arrive; no longer waiting for them',
      );
      this.abandon(group);
    }
  }

  /** A final receipt no tracked message claimed: reported by the SMSC's id alone. */
  private unclaimed(receipt: ParsedReceipt): void {
    if (receipt.outcome === 'pending') return;
    this.options.logger.info(
      { carrierMessageId: receipt.carrierMessageId, stat: receipt.stat },
      'SMPP receipt for a message this process does not track: matched by its SMSC id',
    );
    this.options.emit({
      messageId: '',
      carrierMessageId: receipt.carrierMessageId,
      carrierMessageIds: idVariants(receipt.carrierMessageId),
      status: receipt.outcome,
      at: this.options.now(),
      ...(receipt.outcome === 'failed'
        ? { reason: `${receipt.stat}${receipt.err ? ` (err ${receipt.err})` : ''}` }
        : {}),
    });
  }

  private settle(group: TrackedMessage): void {
    const carrierMessageId = group.carrierMessageId;
    if (group.settled || carrierMessageId === undefined) return;
    const failedAt = group.parts.findIndex((part) => group.outcomes.get(part)?.outcome === 'failed');
    const failed = group.outcomes.get(group.parts[failedAt] ?? '');
    const delivered = group.parts.every((part) => group.outcomes.get(part)?.outcome === 'delivered');
    if (!failed && !delivered) return;
    this.abandon(group);
    let reason: string | undefined;
    if (failed) {
      reason = `${failed.stat}${failed.err ? ` (err ${failed.err})` : ''}`;
      if (group.total > 1) reason = `part ${failedAt + 1} of ${group.total}: ${reason}`;
    }
    const receipt: Receipt = {
      messageId: group.messageId,
      carrierMessageId,
      status: failed ? 'failed' : 'delivered',
      at: this.options.now(),
      ...(reason ? { reason } : {}),
    };
    // After the current turn, so the caller of submit() has its result before the receipt.
    setImmediate(() => this.options.emit(receipt));
  }
}
