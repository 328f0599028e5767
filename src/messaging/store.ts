// Writing and reading message rows. Inserts take many rows in one statement (a batch of single
// sends, a chunk of a campaign); every row's first status goes to the history in the same statement.
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
 * Inserts the messages (an id already stored is left alone) and records their first status, in
 * one statement: the history rows come from what the insert returned.
 */
export async function insertMessages(
  tx: Queryable,
  messages: readonly NewMessage[],
  detail?: string,
): Promise<void> {
  if (messages.length === 0) return;
  const col = <T>(pick: (m: NewMessage) => T) => messages.map(pick);
  const time = (d: Date | null) => (d ? d.toISOString() : null);
  const { rows } = await tx.query<{ message_id: string }>(
    `with inserted as (
       insert into messages (id, account_id, campaign_id, to_number, country, sender, text, encoding, segments,
         price_per_segment, price_prefix, credits, status, hold_id, next_attempt_at, schedule_at, reference,
         created_at, updated_at)
       select v.*, v.created_at from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::int[], $10::bigint[], $11::text[], $12::bigint[], $13::text[], $14::text[],
         $15::timestamptz[], $16::timestamptz[], $17::text[], $18::timestamptz[])
         as v(id, account_id, campaign_id, to_number, country, sender, text, encoding, segments, price_per_segment,
              price_prefix, credits, status, hold_id, next_attempt_at, schedule_at, reference, created_at)
       on conflict (id) do nothing
       returning id, status, created_at)
     insert into message_events (message_id, status, at, detail)
     select id, status, created_at, $19::text from inserted
     returning message_id`,
    [
      col((m) => m.id),
      col((m) => m.accountId),
      col((m) => m.campaignId),
      col((m) => m.to),
      col((m) => m.country),
      col((m) => m.sender),
      col((m) => m.text),
      col((m) => m.encoding),
      col((m) => m.segments),
      col((m) => m.pricePerSegment.toString()),
      col((m) => m.pricePrefix),
      col((m) => m.credits.toString()),
      col((m) => m.status),
      col((m) => m.holdId),
      col((m) => time(m.nextAttemptAt)),
      col((m) => time(m.scheduleAt)),
      col((m) => m.reference),
      col((m) => time(m.createdAt)),
      detail ?? null,
    ],
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
