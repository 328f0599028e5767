// A test event for the account's webhook, sent on request (the portal's "Send a test event"): a
// delivery like any other — signed, retried, listed — so the customer sees their endpoint answer
// exactly as it will for real events. It names no message and carries no data of the account.
import type { Queryable } from '../../db/types.js';
import { notFound } from '../../http/errors.js';
import { type DeliveryRow, type DeliveryView, deliveryView } from './list-deliveries.js';

export const TEST_EVENT_TYPE = 'webhook.test';

/** Enqueues `{id, type: "webhook.test", at, data}` for the account's webhook; 404 without one. */
export async function enqueueTestEvent(q: Queryable, accountId: string, at: Date): Promise<DeliveryView> {
  const { rows } = await q.query<DeliveryRow>(
    `insert into webhook_deliveries (id, account_id, message_id, event_type, status, payload, next_attempt_at, created_at)
     select e.id, w.account_id, null, $2, 'pending',
            json_build_object('id', e.id, 'type', $2::text,
              'at', to_char($3::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'data', json_build_object('test', true))::text,
            $3, $3
       from message_webhooks w,
            (select 'evt_' || replace(gen_random_uuid()::text, '-', '') as id) e
      where w.account_id = $1
     returning id, message_id, event_type, status, payload, attempts, last_status_code, last_error, next_attempt_at,
               created_at, delivered_at`,
    [accountId, TEST_EVENT_TYPE, at.toISOString()],
  );
  const row = rows[0];
  if (!row) throw notFound('webhook');
  return deliveryView(row);
}
