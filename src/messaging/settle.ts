// Recording what happened to a claimed message, in the same transaction as its charge: the
// settle writer posts the hold (the carrier took it) or voids it (it failed before leaving),
// and its onDecided moves the message out of `sending` (the update and its history row in one
// statement, then the customer's webhook events). The update names the claim it settles
// (status sending and the attempt number it was claimed with), so a late answer from a
// dispatcher that lost its lease changes nothing; the transfer ids make the ledger side
// idempotent whoever gets there first.
import type { Queryable } from '../db/types.js';
import type { DecidedItem } from '../ledger/batched-writer.js';
import type { LedgerRequest } from '../ledger/types.js';
import { enqueueWebhookEvents } from './webhooks/enqueue.js';
import { holdTransferId, postTransferId, voidTransferId } from './ids.js';

interface SettlementBase {
  messageId: string;
  /** The attempt number the message was claimed with. */
  attempt: number;
  at: Date;
  /** Reconciliation: only while the claim's lease has run out. */
  onlyIfLeaseExpired?: boolean;
}

export type Settlement =
  | (SettlementBase & { outcome: 'sent'; carrier: string; carrierMessageId: string; detail: string })
  | (SettlementBase & { outcome: 'failed'; reason: string });

export function postRequest(messageId: string): LedgerRequest {
  return {
    type: 'post',
    id: postTransferId(messageId),
    pendingId: holdTransferId(messageId),
    code: 'consumption',
    reference: messageId,
  };
}

export function voidRequest(messageId: string): LedgerRequest {
  return {
    type: 'void',
    id: voidTransferId(messageId),
    pendingId: holdTransferId(messageId),
    code: 'release',
    reference: messageId,
    description: 'released: the message was not sent',
  };
}

/** The settle writer's onDecided. */
export async function recordSettlements(tx: Queryable, items: DecidedItem<Settlement>[]): Promise<void> {
  const sent: Extract<Settlement, { outcome: 'sent' }>[] = [];
  const failed: Extract<Settlement, { outcome: 'failed' }>[] = [];
  for (const { result, extra } of items) {
    // A refused post or void (the hold already ended the other way) leaves the message to
    // whoever ended it.
    if (!extra || !result.ok) continue;
    if (extra.outcome === 'sent') sent.push(extra);
    else failed.push(extra);
  }
  if (sent.length > 0) {
    const { rows } = await tx.query<{ message_id: string }>(
      `with done as (
         update messages m
            set status = 'sent', carrier = v.carrier, carrier_message_id = v.carrier_message_id,
                lease_until = null, error = null, updated_at = v.at
           from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::text[])
             as v(id, attempt, carrier, carrier_message_id, at, expired_only, detail)
          where m.id = v.id and m.status = 'sending' and m.attempts = v.attempt
            and (not v.expired_only or m.lease_until <= v.at)
          returning m.id, v.at, v.detail)
       insert into message_events (message_id, status, at, detail)
       select id, 'sent', at, detail from done
       returning message_id`,
      [
        sent.map((s) => s.messageId),
        sent.map((s) => s.attempt),
        sent.map((s) => s.carrier),
        sent.map((s) => s.carrierMessageId),
        sent.map((s) => s.at.toISOString()),
        sent.map((s) => s.onlyIfLeaseExpired === true),
        sent.map((s) => s.detail),
      ],
    );
    const done = new Set(rows.map((r) => r.message_id));
    await enqueueWebhookEvents(
      tx,
      sent
        .filter((s) => done.has(s.messageId))
        .map((s) => ({ messageId: s.messageId, status: 'sent' as const, at: s.at, detail: s.detail })),
    );
  }
  if (failed.length > 0) {
    const { rows } = await tx.query<{ message_id: string }>(
      `with done as (
         update messages m
            set status = 'failed', error = v.reason, lease_until = null, updated_at = v.at
           from unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::boolean[])
             as v(id, attempt, reason, at, expired_only)
          where m.id = v.id and m.status = 'sending' and m.attempts = v.attempt
            and (not v.expired_only or m.lease_until <= v.at)
          returning m.id, v.at, v.reason)
       insert into message_events (message_id, status, at, detail)
       select id, 'failed', at, reason from done
       returning message_id`,
      [
        failed.map((f) => f.messageId),
        failed.map((f) => f.attempt),
        failed.map((f) => f.reason),
        failed.map((f) => f.at.toISOString()),
        failed.map((f) => f.onlyIfLeaseExpired === true),
      ],
    );
    const done = new Set(rows.map((r) => r.message_id));
    await enqueueWebhookEvents(
      tx,
      failed
        .filter((f) => done.has(f.messageId))
        .map((f) => ({ messageId: f.messageId, status: 'failed' as const, at: f.at, detail: f.reason })),
    );
  }
}
