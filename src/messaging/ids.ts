// Ids of messages and campaigns, and the ledger transfer ids derived from a message's id: a
// retried hold, post, void or refund names the same transfer, so the ledger applies it once.
//
// Message ids sort in creation order within a process (time, then a counter, then random;
// lower-case letters and digits only, so every collation sorts them alike): the outbox
// reserves "oldest first" by (created_at, id), and a campaign's rows share one created_at.
import { createHash, randomBytes } from 'node:crypto';
import { randomHex } from '../http/random-pool.js';

let lastMs = 0;
let counter = 0;

export function newMessageId(): string {
  const ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else {
    counter++;
  }
  const time = lastMs.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  return `msg_${time}${seq}${randomHex(8)}`;
}

/**
 * The id of the message an Idempotency-Key asks for: the same key (of the same account) names
 * the same message, so a retry that takes over a key whose first request died mid-way meets
 * that request's hold and row instead of making a second message.
 */
export function messageIdForKey(accountId: string, key: string): string {
  return `msg_k${createHash('sha256').update(`${accountId}\n${key}`).digest('hex').slice(0, 32)}`;
}

export function newCampaignId(): string {
  return `cmp_${randomBytes(9).toString('base64url')}`;
}

/** Reserves the message's credits. */
export const holdTransferId = (messageId: string): string => `hold:${messageId}`;
/** Charges them: the carrier took the message. */
export const postTransferId = (messageId: string): string => `post:${messageId}`;
/** Releases them: canceled, or failed before it left. */
export const voidTransferId = (messageId: string): string => `void:${messageId}`;
/** Gives them back: the carrier reported the message undelivered (per MESSAGE_REFUND_UNDELIVERED). */
export const refundTransferId = (messageId: string): string => `refund:${messageId}`;
