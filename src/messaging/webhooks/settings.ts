// An account's message webhook: one URL (https; no local or private address unless the operator
// sets WEBHOOK_PRIVATE_ADDRESSES=allow, and then also http to this machine, for development) and
// a signing secret shown once — when the webhook is created and when it is rotated — like an API
// key. The secret is stored as given, since signing needs it.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/types.js';
import { validationFailed } from '../../http/errors.js';
import { isLocalName, isPublicAddress, literalAddress } from './address.js';

export interface WebhookView {
  url: string;
  createdAt: string;
  updatedAt: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
export const MAX_URL_LENGTH = 2_000;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The URL as stored, or a 400 saying why not. */
export function checkedWebhookUrl(raw: string, privateAddresses: 'allow' | 'refuse' = 'refuse'): string {
  const refuse = (message: string) =>
    validationFailed([{ path: 'body.url', message }], 'The webhook URL is refused');
  if (raw.length > MAX_URL_LENGTH) throw refuse(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('must be an absolute URL such as https://example.com/hooks/sms');
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local && privateAddresses === 'allow')) {
    throw refuse(
      privateAddresses === 'allow' ? 'must use https (http only for localhost)' : 'must use https',
    );
  }
  if (url.username || url.password) throw refuse('must not carry a user name or password');
  if (url.hash) throw refuse('must not have a #fragment');
  if (privateAddresses === 'refuse') {
    const address = literalAddress(url.hostname);
    if (address === null ? isLocalName(url.hostname) : !isPublicAddress(address)) {
      throw refuse('must not point at a local or private address');
    }
  }
  return url.toString();
}

interface Row {
  url: string;
  created_at: Date;
  updated_at: Date;
}

const view = (row: Row): WebhookView => ({
  url: row.url,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export async function getWebhook(q: Queryable, accountId: string): Promise<WebhookView | null> {
  const { rows } = await q.query<Row>(
    'select url, created_at, updated_at from message_webhooks where account_id = $1',
    [accountId],
  );
  return rows[0] ? view(rows[0]) : null;
}

/** Sets the URL; a new webhook gets a secret, returned this once. */
export async function putWebhook(
  q: Queryable,
  accountId: string,
  rawUrl: string,
  now: Date,
  privateAddresses: 'allow' | 'refuse' = 'refuse',
): Promise<WebhookView & { secret?: string }> {
  const url = checkedWebhookUrl(rawUrl, privateAddresses);
  const secret = newWebhookSecret();
  const { rows } = await q.query<Row & { inserted: boolean }>(
    `insert into message_webhooks (account_id, url, secret, created_at, updated_at) values ($1, $2, $3, $4, $4)
     on conflict (account_id) do update set url = excluded.url, updated_at = excluded.updated_at
     returning url, created_at, updated_at, (xmax = 0) as inserted`,
    [accountId, url, secret, now],
  );
  const row = rows[0];
  if (!row) throw new Error('the webhook was not stored');
  return row.inserted ? { ...view(row), secret } : view(row);
}

export async function rotateWebhookSecret(
  q: Queryable,
  accountId: string,
  now: Date,
): Promise<string | null> {
  const secret = newWebhookSecret();
  const { rowCount } = await q.query(
    'update message_webhooks set secret = $2, updated_at = $3 where account_id = $1',
    [accountId, secret, now],
  );
  return rowCount > 0 ? secret : null;
}

/** Removes the webhook; events not yet delivered are given up. */
export async function deleteWebhook(q: Queryable, accountId: string): Promise<boolean> {
  const { rowCount } = await q.query('delete from message_webhooks where account_id = $1', [accountId]);
  await q.query(
    `update webhook_deliveries set status = 'failed', last_error = 'the webhook was removed', next_attempt_at = null
      where account_id = $1 and status = 'pending'`,
    [accountId],
  );
  return rowCount > 0;
}
