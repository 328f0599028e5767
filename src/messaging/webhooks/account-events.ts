// Account events for the customer's webhook (purchase.credited, balance.low, auto_refill.*,
// invoice.issued), enqueued in the transaction of the event that causes them, as message status
// events are (enqueue.ts): a rolled-back purchase leaves no event. Accounts without a webhook get
// no row. The body is built once and signed at each attempt by deliver.ts.
import type { Queryable } from '../../db/types.js';

export const ACCOUNT_EVENT_TYPES = [
  'purchase.credited',
  'balance.low',
  'auto_refill.succeeded',
  'auto_refill.failed',
  'auto_refill.paused',
  'invoice.issued',
] as const;
export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

/**
 * Enqueues `{id, type, at, data}` for the account's webhook, if it has one. `data` is the
 * event's object as the API shows it (a purchase, an invoice, a balance).
 */
export async function enqueueAccountEvent(
  tx: Queryable,
  accountId: string,
  type: AccountEventType,
  data: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await tx.query(
    `insert into webhook_deliveries (id, account_id, message_id, event_type, status, payload, next_attempt_at, created_at)
     select e.id, w.account_id, null, $2, 'pending',
            json_build_object('id', e.id, 'type', $2::text,
              'at', to_char($4::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'data', $3::json)::text,
            $4, $4
       from message_webhooks w,
            (select 'evt_' || replace(gen_random_uuid()::text, '-', '') as id) e
      where w.account_id = $1`,
    [accountId, type, JSON.stringify(data), at.toISOString()],
  );
}
