// Idempotency-Key for the POST routes that create things or move credits and money (API.md,
// "Conventions"). Shared infrastructure: it knows the database and the HTTP layer, no domain.
//
//   app.post('/api/v1/purchases', { onRequest: requireCustomer(ctx), schema },
//     idempotent(ctx, { scope: (req) => customerOf(req).accountId }, async (req, reply, key) => {
//       const purchase = await createPurchase(ctx, …, { idempotencyKey: key });
//       reply.code(201);
//       return view(purchase);
//     }));
//
// (TypeScript types the handler's req from the route's schema when the route options carry a
// typed onRequest hook, as every authenticated route does; without one, req.body is unknown.)
//
// Without the header the handler simply runs (key = null). With it:
// - the key is claimed first, in its own statement (a row in idempotency_keys); a concurrent
//   duplicate meets that row and waits for the first answer instead of running too;
// - what the handler returns is stored with its status code and replayed, unchanged, to every
//   later request with the same key and the same request (method, route, parameters, body);
//   replays carry `Idempotent-Replayed: true`;
// - the same key with a different request is 409 idempotency_conflict;
// - when the handler throws, the key is released (a retry runs again), unless the error's code
//   is listed in `rememberErrors` (work was done, e.g. a declined card): that answer is stored;
// - a process that dies mid-request leaves a lease that runs out after LEASE_MS (the owner
//   renews it every RENEW_MS while its handler runs), after which a retry takes the key over.
//   Handlers that create rows should also store the key with them (purchases do; a message's
//   id is derived from its key), so a takeover finds the work already done;
// - the database going away mid-request (a restart) does not strand the key: the answer, or the
//   release, that could not be written is written as soon as the database answers again;
// - keys live at least IDEMPOTENCY_RETENTION_MS; pruneIdempotencyKeys (a job) deletes older ones.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { AppError, type ErrorCode, errorBody, validationFailed } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a claimed key stays reserved for its first request before a retry may take it over. */
export const LEASE_MS = 15_000;
/** How often the request holding a key extends its lease while its handler runs. */
export const RENEW_MS = 5_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  /** Whose keys these are: an account id for customer routes, an operator's id for admin routes. */
  scope: (req: FastifyRequest) => string;
  /** Error codes whose answer is remembered like a success, because the work was done. */
  rememberErrors?: readonly ErrorCode[];
  /** How long a duplicate waits for the first request's answer before it is told to retry. */
  waitMs?: number;
}

interface KeyRow {
  request_hash: string;
  status: 'running' | 'done';
  response_status: number | null;
  response_body: string | null;
  locked_until: Date;
}

type Claim = { kind: 'owner' } | { kind: 'replay'; status: number; body: string };

/**
 * Wraps a route handler. `Req` and `Rep` follow the route's own types, so the handler keeps its
 * typed body, params and reply.
 */
export function idempotent<Req extends FastifyRequest, Rep extends FastifyReply, Res>(
  ctx: AppContext,
  options: IdempotencyOptions,
  handler: (req: Req, reply: Rep, key: string | null) => Promise<Res>,
): (req: Req, reply: Rep) => Promise<Res> {
  const remember = new Set<ErrorCode>(options.rememberErrors ?? []);
  return async (req, reply) => {
    const key = idempotencyKeyOf(req);
    if (key === null) return handler(req, reply, null);
    const scope = options.scope(req);
    const claim = await claimKey(ctx, scope, key, requestHash(req), options.waitMs ?? 10_000);
    if (claim.kind === 'replay') {
      reply.code(claim.status);
      reply.header('idempotent-replayed', 'true');
      // What the handler returned the first time, through the route's serializer again: the
      // same bytes as the first answer.
      const replayed: Res = JSON.parse(claim.body);
      return replayed;
    }
    let result: Res;
    const renewal = renewWhileRunning(ctx, scope, key);
    try {
      result = await handler(req, reply, key);
    } catch (error) {
      clearInterval(renewal);
      if (error instanceof AppError && remember.has(error.code)) {
        await persist(ctx, req, 'store the answer of', () =>
          complete(ctx, scope, key, error.status, JSON.stringify(errorBody(error, req.id))),
        );
      } else {
        await persist(ctx, req, 'release', () => release(ctx, scope, key)).catch(() => undefined);
      }
      throw error;
    }
    clearInterval(renewal);
    const status = reply.statusCode;
    await persist(ctx, req, 'store the answer of', () =>
      complete(ctx, scope, key, status, JSON.stringify(result)),
    );
    return result;
  };
}

/** Extends the key's lease while its request runs, so a short lease only frees dead requests' keys. */
function renewWhileRunning(ctx: AppContext, scope: string, key: string): NodeJS.Timeout {
  return setInterval(() => {
    const now = ctx.now();
    ctx.db
      .query(
        `update idempotency_keys set locked_until = $3 where scope = $1 and key = $2 and status = 'running'`,
        [scope, key, new Date(now.getTime() + LEASE_MS)],
      )
      .catch(() => undefined);
  }, RENEW_MS).unref();
}

/**
 * Writes the key's outcome; when the database cannot be reached (a restart), keeps trying in
 * the background for as long as the lease would hold the key, and fails this request with the
 * original error. A retry of the request meanwhile waits for the key, then replays the stored
 * answer (or, released, runs again and meets the work already done).
 */
async function persist(
  ctx: AppContext,
  req: FastifyRequest,
  what: string,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) {
      req.log.error({ err: error }, `could not ${what} an idempotency key`);
      throw error;
    }
    const giveUpAt = performance.now() + LEASE_MS;
    const retry = (pause: number) => {
      setTimeout(() => {
        write().catch((err: unknown) => {
          if (isDatabaseUnavailable(err) && performance.now() < giveUpAt) retry(Math.min(pause * 2, 1_000));
          else ctx.logger.error({ err }, `could not ${what} an idempotency key`);
        });
      }, pause).unref();
    };
    retry(100);
    throw error;
  }
}

/** The request's Idempotency-Key, or null; a malformed one is a validation error. */
export function idempotencyKeyOf(req: FastifyRequest): string | null {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw validationFailed([
      { path: 'headers.idempotency-key', message: 'must be one value of 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}

/** SHA-256 over what makes two requests the same: method, route, parameters, query and body. */
export function requestHash(req: FastifyRequest): string {
  const hash = createHash('sha256');
  hash.update(`${req.method} ${req.routeOptions.url ?? req.url}\n`);
  hash.update(`${canonicalJson(req.params)}\n${canonicalJson(req.query)}\n`);
  if (Buffer.isBuffer(req.body)) hash.update(req.body);
  else hash.update(canonicalJson(req.body ?? null));
  return hash.digest('hex');
}

/** JSON with object keys sorted, so {a, b} and {b, a} hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function claimKey(
  ctx: AppContext,
  scope: string,
  key: string,
  hash: string,
  waitMs: number,
): Promise<Claim> {
  const deadline = performance.now() + waitMs;
  let pause = 10;
  for (;;) {
    const now = ctx.now();
    const inserted = await ctx.db.query(
      `insert into idempotency_keys (scope, key, request_hash, status, created_at, locked_until)
       values ($1, $2, $3, 'running', $4, $5) on conflict (scope, key) do nothing returning key`,
      [scope, key, hash, now, new Date(now.getTime() + LEASE_MS)],
    );
    if (inserted.rows.length > 0) return { kind: 'owner' };
    const { rows } = await ctx.db.query<KeyRow>(
      `select request_hash, status, response_status, response_body, locked_until
         from idempotency_keys where scope = $1 and key = $2`,
      [scope, key],
    );
    const row = rows[0];
    if (!row) continue; // released between our insert and select: claim it again at once
    if (row.request_hash !== hash) {
      throw new AppError(
        'idempotency_conflict',
        'This Idempotency-Key was used with a different request; use a new key for a new request',
      );
    }
    if (row.status === 'done' && row.response_status !== null) {
      return { kind: 'replay', status: row.response_status, body: row.response_body ?? 'null' };
    }
    if (row.locked_until.getTime() <= now.getTime()) {
      // The first request's process stopped answering: take the key over. Of several takers
      // the row lock lets one through; the others find a fresh lease and wait.
      const taken = await ctx.db.query(
        `update idempotency_keys set locked_until = $3
          where scope = $1 and key = $2 and status = 'running' and locked_until <= $4 returning key`,
        [scope, key, new Date(now.getTime() + LEASE_MS), now],
      );
      if (taken.rows.length > 0) return { kind: 'owner' };
    }
    if (performance.now() >= deadline) {
      throw new AppError(
        'conflict',
        'A request with this Idempotency-Key is still being processed; retry shortly',
        { reason: 'idempotency_key_in_use' },
        { 'retry-after': '1' },
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 200);
  }
}

async function complete(
  ctx: AppContext,
  scope: string,
  key: string,
  status: number,
  body: string,
): Promise<void> {
  await ctx.db.query(
    `update idempotency_keys set status = 'done', response_status = $3, response_body = $4, completed_at = $5
      where scope = $1 and key = $2`,
    [scope, key, status, body, ctx.now()],
  );
}

async function release(ctx: AppContext, scope: string, key: string): Promise<void> {
  await ctx.db.query(`delete from idempotency_keys where scope = $1 and key = $2 and status = 'running'`, [
    scope,
    key,
  ]);
}

/** Deletes answers older than the retention (and abandoned claims as old); returns how many. */
export async function pruneIdempotencyKeys(ctx: AppContext): Promise<number> {
  const before = new Date(ctx.now().getTime() - IDEMPOTENCY_RETENTION_MS);
  const { rowCount } = await ctx.db.query(
    `delete from idempotency_keys where created_at < $1 and (status = 'done' or locked_until < $1)`,
    [before],
  );
  return rowCount;
}
