// Reading messages: a page of an account's messages (newest first, by status or campaign) and
// one message with its status history. Another account's message is simply not found.
import type { Queryable } from '../db/types.js';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination.js';
import { findMessage, MESSAGE_COLUMNS, messageEvents } from './store.js';
import {
  type MessageEvent,
  type MessageRow,
  type MessageStatus,
  type MessageView,
  toMessageView,
} from './types.js';

export interface ListQuery {
  status?: MessageStatus | undefined;
  campaignId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export async function listMessages(
  q: Queryable,
  accountId: string,
  query: ListQuery,
): Promise<Page<MessageView>> {
  const after = decodeCursor(query.cursor);
  const { rows } = await q.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from messages
      where account_id = $1
        and ($2::text is null or status = $2)
        and ($3::text is null or campaign_id = $3)
        and ($4::timestamptz is null or (created_at, id) < ($4::timestamptz, $5::text))
      order by created_at desc, id desc limit $6`,
    [
      accountId,
      query.status ?? null,
      query.campaignId ?? null,
      after ? after.at.toISOString() : null,
      after ? after.id : null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toMessageView),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

export async function getMessage(
  q: Queryable,
  accountId: string,
  id: string,
): Promise<(MessageView & { history: MessageEvent[] }) | null> {
  const row = await findMessage(q, accountId, id);
  if (!row) return null;
  return { ...toMessageView(row), history: await messageEvents(q, id) };
}
