// API keys: `tg_` and 43 random characters, shown once at creation. Stored as SHA-256 with a
// short prefix so people can tell their keys apart; revoked keys stop working at once.
import type { Queryable } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import { decodeCursor, encodeCursor, type Page } from './pagination.js';
import { newId, newSecret, sha256 } from './secrets.js';

export const MAX_KEYS_PER_ACCOUNT = 100;
const PREFIX_LENGTH = 11;
/** Writes last_used_at at most this often per key, so busy keys do not make a hot row. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

function view(row: KeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

export async function createApiKey(
  q: Queryable,
  v: { accountId: string; userId: string; name: string; now: Date },
): Promise<ApiKeyView & { key: string }> {
  const { rows: counted } = await q.query<{ n: number }>(
    'select count(*)::int as n from api_keys where account_id = $1 and revoked_at is null',
    [v.accountId],
  );
  if ((counted[0]?.n ?? 0) >= MAX_KEYS_PER_ACCOUNT) {
    throw new AppError(
      'conflict',
      `An account may have at most ${MAX_KEYS_PER_ACCOUNT} API keys; revoke one first`,
    );
  }
  const key = `tg_${newSecret()}`;
  const id = newId('key');
  const { rows } = await q.query<KeyRow>(
    `insert into api_keys (id, account_id, created_by, name, prefix, key_hash, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     returning id, name, prefix, created_at, last_used_at`,
    [id, v.accountId, v.userId, v.name, key.slice(0, PREFIX_LENGTH), sha256(key), v.now],
  );
  const row = rows[0];
  if (!row) throw new Error('api key insert returned nothing');
  return { ...view(row), key };
}

export async function listApiKeys(
  q: Queryable,
  accountId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<ApiKeyView>> {
  const after = decodeCursor(page.cursor);
  const { rows } = await q.query<KeyRow>(
    `select id, name, prefix, created_at, last_used_at from api_keys
      where account_id = $1 and revoked_at is null
        and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::text))
      order by created_at desc, id desc limit $4`,
    [accountId, after?.at ?? null, after?.id ?? '', page.limit + 1],
  );
  const data = rows.slice(0, page.limit);
  const last = data[data.length - 1];
  return {
    data: data.map(view),
    nextCursor: rows.length > page.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

/** Revokes the account's own key; another account's key (or an unknown id) is not found. */
export async function revokeApiKey(q: Queryable, accountId: string, id: string, now: Date): Promise<void> {
  const { rowCount } = await q.query(
    'update api_keys set revoked_at = $3 where id = $1 and account_id = $2 and revoked_at is null',
    [id, accountId, now],
  );
  if (rowCount === 0) throw notFound('API key');
}

/** The live key a caller presented, with the account's owner as the acting user. */
export async function findApiKey(
  q: Queryable,
  key: string,
  now: Date,
): Promise<{ id: string; accountId: string; userId: string } | null> {
  if (!/^tg_[A-Za-z0-9_-]{43}$/.test(key)) return null;
  const { rows } = await q.query<{
    id: string;
    account_id: string;
    user_id: string;
    last_used_at: Date | null;
  }>(
    `select k.id, k.account_id, u.id as user_id, k.last_used_at
       from api_keys k join users u on u.account_id = k.account_id and u.role = 'owner'
      where k.key_hash = $1 and k.revoked_at is null`,
    [sha256(key)],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
    await q.query('update api_keys set last_used_at = $2 where id = $1', [row.id, now]);
  }
  return { id: row.id, accountId: row.account_id, userId: row.user_id };
}
