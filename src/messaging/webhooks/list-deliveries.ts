// The account's webhook deliveries, newest first: what was sent, how often, and how it ended.
import type { Queryable } from '../../db/types.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';

export interface DeliveryView {
  id: string;
  messageId: string | null;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  event: unknown;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface DeliveryRow {
  id: string;
  message_id: string | null;
  event_type: string;
  status: DeliveryView['status'];
  payload: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

export async function listDeliveries(
  q: Queryable,
  accountId: string,
  query: { limit: number; cursor?: string | undefined; status?: DeliveryView['status'] | undefined },
): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
  const after = decodeCursor(query.cursor);
  const { rows } = await q.query<DeliveryRow>(
    `select id, message_id, event_type, status, payload, attempts, last_status_code, last_error, next_attempt_at, created_at,
            delivered_at
       from webhook_deliveries
      where account_id = $1 and ($2::text is null or status = $2)
        and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::text))
      order by created_at desc, id desc limit $5`,
    [accountId, query.status ?? null, after?.at ?? null, after?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(deliveryView),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

export function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    messageId: r.message_id,
    type: r.event_type,
    status: r.status,
    event: JSON.parse(r.payload) as unknown,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' && r.next_attempt_at ? r.next_attempt_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
  };
}
