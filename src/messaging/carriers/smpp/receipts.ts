// Delivery receipts: a deliver_sm whose esm_class says "SMSC delivery receipt". The id and
// final state come from the receipted_message_id and message_state TLVs when the SMSC sends
// them, otherwise from the receipt text of SMPP 3.4 appendix B:
//   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
// Other deliver_sm (a reply from a handset) are acknowledged and not read here.
import { ESM_DELIVERY_RECEIPT, ESM_TYPE_MASK, type PDU } from './lib.js';

/** `pending`: an intermediate notification (ENROUTE, ACCEPTD…) or a stat we do not know. */
export type ReceiptOutcome = 'delivered' | 'failed' | 'pending';

export interface ParsedReceipt {
  carrierMessageId: string;
  outcome: ReceiptOutcome;
  /** DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED, UNKNOWN, ACCEPTD, ENROUTE… */
  stat: string;
  /** The network or SMSC error code of the text, when present and not zero. */
  err?: string;
}

const STAT_OUTCOME: Readonly<Record<string, ReceiptOutcome>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'failed',
  EXPIRED: 'failed',
  REJECTD: 'failed',
  DELETED: 'failed',
  UNKNOWN: 'failed',
  SKIPPED: 'failed',
  ENROUTE: 'pending',
  ACCEPTD: 'pending',
  SCHEDUL: 'pending',
  // Spelled out by some SMSCs.
  DELIVERED: 'delivered',
  UNDELIVERABLE: 'failed',
  REJECTED: 'failed',
  ACCEPTED: 'pending',
};

// message_state (SMPP 3.4, 5.2.28) to the receipt text's stat.
const STATE_STAT: readonly string[] = [
  'SCHEDUL',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

export function isDeliveryReceipt(deliverSm: PDU): boolean {
  return ((deliverSm.esm_class ?? 0) & ESM_TYPE_MASK) === ESM_DELIVERY_RECEIPT;
}

/** The receipt text as characters (the package decodes it by data_coding, or leaves a Buffer). */
function receiptText(deliverSm: PDU): string {
  const sm = deliverSm.short_message;
  if (sm === undefined) return '';
  if (typeof sm === 'string') return sm;
  if (Buffer.isBuffer(sm)) return sm.toString('latin1');
  return typeof sm.message === 'string' ? sm.message : sm.message.toString('latin1');
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
}

/** Undefined when the PDU is not a receipt or names no message. */
export function parseReceipt(deliverSm: PDU): ParsedReceipt | undefined {
  if (!isDeliveryReceipt(deliverSm)) return undefined;
  const text = receiptText(deliverSm);
  const carrierMessageId = deliverSm.receipted_message_id || field(text, 'id');
  if (!carrierMessageId) return undefined;
  const state = deliverSm.message_state;
  const stat = (
    (state !== undefined ? STATE_STAT[state] : undefined) ??
    field(text, 'stat') ??
    ''
  ).toUpperCase();
  if (!stat) return undefined;
  const outcome = STAT_OUTCOME[stat] ?? 'pending';
  const err = field(text, 'err');
  return {
    carrierMessageId,
    outcome,
    stat,
    ...(err && !/^0+$/.test(err) ? { err } : {}),
  };
}
