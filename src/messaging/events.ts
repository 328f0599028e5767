// The status history: one row per status a message took, written in the transaction that
// changed the status, with all of a batch's rows in one insert. The dispatcher's hot paths
// (claim, settle, receipts) insert theirs in the statement that changes the status and then
// call enqueueWebhookEvents themselves, as recordEvents does.
import type { Queryable } from '../db/types.js';
import type { MessageStatus } from './types.js';
import { enqueueWebhookEvents } from './webhooks/enqueue.js';

export interface StatusChange {
  messageId: string;
  status: MessageStatus;
  at: Date;
  detail?: string | null;
}

export async function recordEvents(tx: Queryable, changes: readonly StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  await tx.query(
    `insert into message_events (message_id, status, at, detail)
     select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])`,
    [
      changes.map((c) => c.messageId),
      changes.map((c) => c.status),
      changes.map((c) => c.at.toISOString()),
      changes.map((c) => c.detail ?? null),
    ],
  );
  // Customers' webhooks hear of the change in the same transaction (webhooks/enqueue.ts).
  await enqueueWebhookEvents(tx, changes);
}
