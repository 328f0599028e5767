// Reading messages: a page of an account's messages (newest first, by status or campaign) and
// one message with its status history. Another account's message is simply not found.
import type { Queryable } from '../db/types.js';
import { validationFailed } from '../http/errors.js';
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

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

function encodeCursor(row: MessageRow): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
    }
  } catch {
    // refused below
  }
  throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
}

export async function listMessages(
  q: Queryable,
  accountId: string,
  query: ListQuery,
): Promise<Page<MessageView>> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
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
    nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
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
