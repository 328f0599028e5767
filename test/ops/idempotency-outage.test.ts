// The Idempotency-Key store when the database goes away in the middle of a request (a restart):
// the request is answered 503 with Retry-After, and the key is not left reserved. If the work
// was done and only its answer could not be stored, the answer is stored once the database is
// back and the retry replays it; if the work failed, the key is released once the database is
// back and the retry runs afresh. Either way the retry is answered at once, not after the lease.
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import type { Db } from '../../src/db/types.js';
import type { RouteModule } from '../../src/http/app.js';
import { idempotent } from '../../src/http/idempotency.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** The test's database, which refuses statements matching `down` while it is set. */
function flaky(db: Db): { db: Db; down: RegExp | null } {
  const state: { db: Db; down: RegExp | null } = { db, down: null };
  state.db = {
    kind: db.kind,
    query: (sql, params) => (state.down?.test(sql) ? Promise.reject(refused()) : db.query(sql, params)),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return state;
}

let runs = 0;
let failWith: (() => Error) | null = null;
let flakyDb: ReturnType<typeof flaky>;

const routes: RouteModule = (app, ctx) => {
  flakyDb = flaky(ctx.db);
  const outageCtx: AppContext = { ...ctx, db: flakyDb.db };
  app.post(
    '/test-only/outage',
    {
      schema: {
        body: Type.Object({ n: Type.Integer() }),
        response: { 201: Type.Object({ run: Type.Integer() }) },
      },
    },
    idempotent(outageCtx, { scope: () => 'outage-tenant', waitMs: 5_000 }, async (_req, reply) => {
      runs++;
      const run = runs;
      if (failWith) throw failWith();
      reply.code(201);
      return { run };
    }),
  );
};

describe('an Idempotency-Key when the database goes away mid-request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ extraRoutes: [routes] });
  });
  afterAll(async () => {
    await t.close();
  });

  const send = (key: string, n: number) =>
    t.app.inject({
      method: 'POST',
      url: '/test-only/outage',
      headers: { 'idempotency-key': key },
      payload: { n },
    });

  it('stores the answer of work done once the database is back, and the retry replays it', async () => {
    runs = 0;
    flakyDb.down = /set status = 'done'/;
    const first = await send('done-then-down', 1);
    expect(first.statusCode).toBe(503);
    expect(first.headers['retry-after']).toMatch(/^\d+$/);
    expect(first.json()).toMatchObject({
      error: { code: 'unavailable', details: { reason: 'database_unavailable' } },
    });
    flakyDb.down = null;
    const started = performance.now();
    const retry = await send('done-then-down', 1);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual({ run: 1 });
    expect(runs).toBe(1);
    // Within the wait for the first answer, not after the key's lease.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('releases the key of work that failed once the database is back, and the retry runs afresh', async () => {
    runs = 0;
    failWith = refused;
    flakyDb.down = /delete from idempotency_keys/;
    const first = await send('failed-then-down', 2);
    expect(first.statusCode).toBe(503);
    expect(first.json()).toMatchObject({ error: { code: 'unavailable' } });
    failWith = null;
    flakyDb.down = null;
    const retry = await send('failed-then-down', 2);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.json()).toEqual({ run: 2 });
  });

  it('answers 503 when the key cannot even be claimed, and the retry runs once', async () => {
    runs = 0;
    flakyDb.down = /insert into idempotency_keys/;
    const first = await send('claim-down', 3);
    expect(first.statusCode).toBe(503);
    expect(runs).toBe(0);
    flakyDb.down = null;
    const retry = await send('claim-down', 3);
    expect(retry.statusCode).toBe(201);
    expect(runs).toBe(1);
  });
});
