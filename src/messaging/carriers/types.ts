// The narrow contract every SMS carrier implements. Nothing above it sees a carrier's own types.
import type { PartEncoding, SmsAlphabet } from '../../pricing/alphabets.js';

/** A message handed to a carrier: one text to one E.164 number. */
export interface OutgoingSms {
  /** Our id for the message (e.g. msg_…); receipts refer to it. */
  id: string;
  /** E.164, with the leading +. */
  to: string;
  /** An alphanumeric sender or a number; the carrier's default when absent. */
  from?: string;
  text: string;
  /** The account the message is sent for, when there is one. */
  accountId?: string;
  /**
   * The encoding the message was measured and charged in (by the carrier's alphabet): it goes
   * out in it, in as many parts. Absent for a text nobody was charged for (a verification code).
   */
  encoding?: PartEncoding;
  /**
   * What the carrier reported of an earlier attempt cut short (SubmitResult.progress), stored
   * with the message: the next attempt sends only what is missing.
   */
  progress?: string;
}

export type SubmitResult =
  | { ok: true; carrierMessageId: string }
  /**
   * `permanent`: trying again will not help (a refused number); otherwise retry later, handing
   * back `progress` when the carrier sent part of the message (opaque to everyone else).
   */
  | { ok: false; permanent: boolean; reason: string; progress?: string };

export type ReceiptStatus = 'delivered' | 'failed';

/** A delivery report for a message the carrier accepted. */
export interface Receipt {
  /**
   * Our message id; empty when the carrier connection no longer knows it (a receipt for a
   * message sent before a restart): the message is then found by the id the carrier gave it.
   */
  messageId: string;
  carrierMessageId: string;
  /** With an empty messageId: every spelling of carrierMessageId the message may be stored under. */
  carrierMessageIds?: readonly string[];
  status: ReceiptStatus;
  at: Date;
  reason?: string;
}

/** What a carrier knows of a message we may or may not have handed to it. */
export type LookupResult =
  | { found: false }
  | { found: true; carrierMessageId: string; status: 'accepted' | ReceiptStatus; reason?: string };

export interface Carrier {
  readonly id: string;
  /** Messages (or parts, see throughputCounts) per second the carrier accepts; absent: the dispatcher's configured default. */
  readonly maxPerSecond?: number;
  /** What maxPerSecond counts: whole messages (the default) or SMS parts (SMPP: one submit_sm each). */
  readonly throughputCounts?: 'messages' | 'parts';
  /**
   * The alphabet of texts that need no UCS-2 (default GSM-7): messages routed to the carrier
   * are measured, and charged, by it (src/pricing/alphabets.ts).
   */
  readonly alphabet?: SmsAlphabet;
  submit(m: OutgoingSms): Promise<SubmitResult>;
  onReceipt(cb: (r: Receipt) => void): void;
  /**
   * Whether the carrier has our message `messageId` (OutgoingSms.id), for reconciling a submit
   * whose outcome was lost (a worker killed mid-dispatch). Optional: a carrier that cannot
   * tell leaves such messages failed and uncharged rather than risk sending them twice.
   */
  lookup?(messageId: string): Promise<LookupResult>;
  /** Lets go of connections and timers at shutdown. */
  close?(): Promise<void>;
}
