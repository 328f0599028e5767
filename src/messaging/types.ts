// A message as stored and as the API shows it, and the statuses it moves through:
//
//   waiting_credit ─(credit arrives)─> scheduled / queued ─(claimed)─> sending ─> sent ─> delivered
//                                                  │                      │           └──> failed (refund per policy)
//                                                  │                      ├──> queued (transient failure, retried)
//                                                  │                      └──> failed (released before leaving)
//   any of the first three ──(Remove outbox)──> canceled (released)
import { formatCredits } from '../ledger/amounts.js';
import type { PartEncoding } from '../pricing/alphabets.js';

export const MESSAGE_STATUSES = [
  'scheduled',
  'queued',
  'waiting_credit',
  'sending',
  'sent',
  'delivered',
  'failed',
  'canceled',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Not yet handed to a carrier: the outbox. Only these can be canceled. */
export const OUTBOX_STATUSES = ['scheduled', 'queued', 'waiting_credit'] as const;

export interface MessageRow {
  id: string;
  account_id: string;
  campaign_id: string | null;
  to_number: string;
  country: string;
  sender: string | null;
  text: string;
  encoding: PartEncoding;
  segments: number;
  price_per_segment: bigint;
  price_prefix: string | null;
  credits: bigint;
  status: MessageStatus;
  hold_id: string | null;
  carrier: string | null;
  carrier_message_id: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  schedule_at: Date | null;
  reference: string | null;
  error: string | null;
  refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface MessageView {
  id: string;
  status: MessageStatus;
  to: string;
  country: string;
  from: string | null;
  text: string;
  encoding: PartEncoding;
  segments: number;
  /** The price used: credits per segment, and the prefix it came from (null: the country's). */
  price: { creditsPerSegment: string; prefix: string | null };
  /** What it costs: segments × the price used. */
  credits: string;
  /**
   * What it has been charged: its credits once a carrier took it, and 0 before that (held or
   * not yet reserved) and when it was canceled, released before leaving, or refunded.
   */
  charged: string;
  campaignId: string | null;
  reference: string | null;
  scheduleAt: string | null;
  attempts: number;
  carrier: string | null;
  error: string | null;
  refunded: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface MessageEvent {
  status: MessageStatus;
  at: string;
  detail: string | null;
}

/**
 * Whether a message's credits stay charged: a carrier took it (its hold was posted; only then
 * does it have the carrier's id) and it was not refunded since.
 */
export function isCharged(row: Pick<MessageRow, 'status' | 'carrier_message_id' | 'refunded_at'>): boolean {
  if (row.refunded_at !== null) return false;
  if (row.status === 'sent' || row.status === 'delivered') return true;
  return row.status === 'failed' && row.carrier_message_id !== null;
}

export function toMessageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    status: row.status,
    to: row.to_number,
    country: row.country,
    from: row.sender,
    text: row.text,
    encoding: row.encoding,
    segments: row.segments,
    price: { creditsPerSegment: formatCredits(row.price_per_segment), prefix: row.price_prefix },
    credits: formatCredits(row.credits),
    charged: formatCredits(isCharged(row) ? row.credits : 0n),
    campaignId: row.campaign_id,
    reference: row.reference,
    scheduleAt: row.schedule_at ? row.schedule_at.toISOString() : null,
    attempts: row.attempts,
    carrier: row.carrier,
    error: row.error,
    refunded: row.refunded_at !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
