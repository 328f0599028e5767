// API keys: `tg_` and 43 random characters, shown once at creation. Stored as SHA-256 with a
// short prefix so people can tell their keys apart; revoked keys stop working at once. Each key
// has a scope (api-key-scopes.ts): `full` unless created narrower.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import { ReadBatcher } from '../http/read-batcher.js';
import type { AccountStatus } from './account.js';
import type { ApiKeyScope } from './api-key-scopes.js';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination.js';
import { newId, newSecret, sha256 } from './secrets.js';

export const MAX_KEYS_PER_ACCOUNT = 100;
const PREFIX_LENGTH = 11;
/** Writes last_used_at at most this often per key, so busy keys do not make a hot row. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  createdAt: string;
  lastUsedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  created_at: Date;
  last_used_at: Date | null;
}

function view(row: KeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

export async function createApiKey(
  q: Queryable,
  v: { accountId: string; userId: string; name: string; scope?: ApiKeyScope; now: Date },
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
    `insert into api_keys (id, account_id, created_by, name, prefix, key_hash, scope, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     returning id, name, prefix, scope, created_at, last_used_at`,
    [id, v.accountId, v.userId, v.name, key.slice(0, PREFIX_LENGTH), sha256(key), v.scope ?? 'full', v.now],
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
    `select id, name, prefix, scope, created_at, last_used_at from api_keys
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

/** Revokes every live key of the account (a password reset may ask for it); answers how many. */
export async function revokeAllApiKeys(q: Queryable, accountId: string, now: Date): Promise<number> {
  const { rowCount } = await q.query(
    'update api_keys set revoked_at = $2 where account_id = $1 and revoked_at is null',
    [accountId, now],
  );
  return rowCount;
}

/** What sending needs of an account, read with the credentials that name it. */
export interface AccountStanding {
  status: AccountStatus;
  /** Default country for numbers written without +. */
  country: string | null;
}

export interface LiveKey {
  id: string;
  accountId: string;
  scope: ApiKeyScope;
  /** The account's owner, the acting user. */
  userId: string;
  account: AccountStanding;
}

const KEY_FORMAT = /^tg_[A-Za-z0-9_-]{43}$/;
const lookups = new WeakMap<AppContext, ReadBatcher<string, LiveKey>>();

/**
 * The live key a caller presented, with the account's owner as the acting user and the
 * account's standing, as the database has them now (revoked keys stop working at once, in
 * every process). Concurrent callers share one statement (ReadBatcher).
 */
export async function findApiKey(ctx: AppContext, key: string): Promise<LiveKey | null> {
  if (!KEY_FORMAT.test(key)) return null;
  let batcher = lookups.get(ctx);
  if (!batcher) {
    batcher = new ReadBatcher((hashes) => readKeys(ctx, hashes));
    lookups.set(ctx, batcher);
  }
  return (await batcher.load(sha256(key))) ?? null;
}

async function readKeys(ctx: AppContext, hashes: string[]): Promise<Map<string, LiveKey>> {
  const { rows } = await ctx.db.query<{
    key_hash: string;
    id: string;
    account_id: string;
    scope: ApiKeyScope;
    user_id: string;
    last_used_at: Date | null;
    status: AccountStatus;
    country: string | null;
  }>(
    `select k.key_hash, k.id, k.account_id, k.scope, u.id as user_id, k.last_used_at, a.status, a.country
       from api_keys k
       join users u on u.account_id = k.account_id and u.role = 'owner'
       join accounts a on a.id = k.account_id
      where k.key_hash = any($1::text[]) and k.revoked_at is null`,
    [hashes],
  );
  const now = ctx.now();
  const stale = rows
    .filter(
      (row) => !row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS,
    )
    .map((row) => row.id);
  if (stale.length > 0) {
    await ctx.db.query('update api_keys set last_used_at = $2 where id = any($1::text[])', [stale, now]);
  }
  const found = new Map<string, LiveKey>();
  for (const row of rows) {
    found.set(row.key_hash, {
      id: row.id,
      accountId: row.account_id,
      scope: row.scope,
      userId: row.user_id,
      account: { status: row.status, country: row.country },
    });
  }
  return found;
}
