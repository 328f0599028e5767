// Webhook events enqueued with the status change that causes them: recordEvents (events.ts)
// calls this in the same transaction, so an event exists exactly when its change committed —
// a poller reading message_events by sequence could skip rows whose transactions commit out of
// order. Only statuses a customer is told about (sent, delivered, failed, canceled), and only
// for accounts with a webhook; the body is built here once and signed at each attempt.
import type { Queryable } from '../../db/types.js';
import type { StatusChange } from '../events.js';
import type { MessageStatus } from '../types.js';

export const WEBHOOK_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'failed',
  'canceled',
]);

export async function enqueueWebhookEvents(tx: Queryable, changes: readonly StatusChange[]): Promise<void> {
  const told = changes.filter((c) => WEBHOOK_STATUSES.has(c.status));
  if (told.length === 0) return;
  await tx.query(
    `insert into webhook_deliveries (id, account_id, message_id, status, payload, next_attempt_at, created_at)
     select e.id, e.account_id, e.message_id, 'pending',
            json_build_object(
              'id', e.id,
              'type', 'message.status',
              'message', json_build_object(
                'id', e.message_id, 'status', e.status, 'to', e.to_number, 'reference', e.reference,
                'campaignId', e.campaign_id,
                'at', to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text,
            e.at, e.at
       from (select 'evt_' || replace(gen_random_uuid()::text, '-', '') as id, m.account_id, m.id as message_id,
                    v.status, m.to_number, m.reference, m.campaign_id, v.at
               from unnest($1::text[], $2::text[], $3::timestamptz[]) as v(message_id, status, at)
               join messages m on m.id = v.message_id
               join message_webhooks w on w.account_id = m.account_id
              -- Checked once: with no webhook anywhere, the messages are not even read.
              where exists (select from message_webhooks)) e`,
    [told.map((c) => c.messageId), told.map((c) => c.status), told.map((c) => c.at.toISOString())],
  );
}
