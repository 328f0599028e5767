// Writing and reading message rows. Inserts take many rows in one statement (a batch of single
// sends, a chunk of a campaign); every row's first status goes to the history in the same statement.
import { type Cte, type Param, queryCtes } from '../db/ctes.js';
import type { Queryable } from '../db/types.js';
import type { Composed } from './compose.js';
import type { MessageEvent, MessageRow, MessageStatus } from './types.js';
import { enqueueWebhookEvents } from './webhooks/enqueue.js';

export interface NewMessage extends Composed {
  id: string;
  accountId: string;
  campaignId: string | null;
  status: 'scheduled' | 'queued' | 'waiting_credit';
  holdId: string | null;
  /** When the dispatcher may take it (null while it waits for credit). */
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export const MESSAGE_COLUMNS = `id, account_id, campaign_id, to_number, country, sender, text, encoding, segments,
  price_per_segment, price_prefix, credits, status, hold_id, carrier, carrier_message_id, attempts,
  next_attempt_at, lease_until, schedule_at, reference, error, refunded_at, created_at, updated_at`;

/**
 * The two inserts of new messages as CTEs: the rows (an id already stored is left alone) and
 * their first status in the history, from what the first returned. `param` numbers the values.
 */
export function newMessageCtes(
  messages: readonly NewMessage[],
  param: Param,
  detail: string | null = null,
): Cte[] {
  const col = <T>(pick: (m: NewMessage) => T, cast: string) => param(messages.map(pick), cast);
  const time = (d: Date | null) => (d ? d.toISOString() : null);
  const columns = [
    col((m) => m.id, 'text[]'),
    col((m) => m.accountId, 'text[]'),
    col((m) => m.campaignId, 'text[]'),
    col((m) => m.to, 'text[]'),
    col((m) => m.country, 'text[]'),
    col((m) => m.sender, 'text[]'),
    col((m) => m.text, 'text[]'),
    col((m) => m.encoding, 'text[]'),
    col((m) => m.segments, 'int[]'),
    col((m) => m.pricePerSegment.toString(), 'bigint[]'),
    col((m) => m.pricePrefix, 'text[]'),
    col((m) => m.credits.toString(), 'bigint[]'),
    col((m) => m.status, 'text[]'),
    col((m) => m.holdId, 'text[]'),
    col((m) => time(m.nextAttemptAt), 'timestamptz[]'),
    col((m) => time(m.scheduleAt), 'timestamptz[]'),
    col((m) => m.reference, 'text[]'),
    col((m) => time(m.createdAt), 'timestamptz[]'),
  ];
  return [
    {
      name: 'new_messages',
      sql: `insert into messages (id, account_id, campaign_id, to_number, country, sender, text, encoding, segments,
         price_per_segment, price_prefix, credits, status, hold_id, next_attempt_at, schedule_at, reference,
         created_at, updated_at)
       select v.*, v.created_at from unnest(${columns.join(', ')})
         as v(id, account_id, campaign_id, to_number, country, sender, text, encoding, segments, price_per_segment,
              price_prefix, credits, status, hold_id, next_attempt_at, schedule_at, reference, created_at)
       on conflict (id) do nothing
       returning id, status, created_at`,
    },
    {
      name: 'new_message_events',
      sql: `insert into message_events (message_id, status, at, detail)
       select id, status, created_at, ${param(detail, 'text')} from new_messages
       returning message_id`,
    },
  ];
}

/**
 * Inserts the messages (an id already stored is left alone) and records their first status, in
 * one statement: the history rows come from what the insert returned.
 */
export async function insertMessages(
  tx: Queryable,
  messages: readonly NewMessage[],
  detail?: string,
): Promise<void> {
  if (messages.length === 0) return;
  const { rows } = await queryCtes<{ message_id: string }>(
    tx,
    (param) => newMessageCtes(messages, param, detail ?? null),
    (last) => `select message_id from ${last}`,
  );
  const inserted = new Set(rows.map((r) => r.message_id));
  await enqueueWebhookEvents(
    tx,
    messages
      .filter((m) => inserted.has(m.id))
      .map((m) => ({ messageId: m.id, status: m.status, at: m.createdAt, detail: detail ?? null })),
  );
}

export async function findMessage(q: Queryable, accountId: string, id: string): Promise<MessageRow | null> {
  const { rows } = await q.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from messages where id = $1 and account_id = $2`,
    [id, accountId],
  );
  return rows[0] ?? null;
}

export async function messageEvents(q: Queryable, id: string): Promise<MessageEvent[]> {
  const { rows } = await q.query<{ status: MessageStatus; at: Date; detail: string | null }>(
    'select status, at, detail from message_events where message_id = $1 order by seq',
    [id],
  );
  return rows.map((row) => ({ status: row.status, at: row.at.toISOString(), detail: row.detail }));
}
