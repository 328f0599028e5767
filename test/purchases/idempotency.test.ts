// The Idempotency-Key wrapper on its own, behind a test route: replays, conflicts, duplicates
// waiting for the first answer, released and remembered errors, a crashed claim taken over,
// and old keys pruned.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../src/http/app.js';
import { AppError } from '../../src/http/errors.js';
import { canonicalJson, idempotent, pruneIdempotencyKeys } from '../../src/http/idempotency.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let runs = 0;
let gate: Promise<void> = Promise.resolve();

const Body = Type.Object(
  { n: Type.Integer(), fail: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const Answer = Type.Object({ run: Type.Integer(), n: Type.Integer() });

/** Stands in for the auth hook every idempotent route has: whose keys these are. */
const tenantOf = async (req: FastifyRequest): Promise<void> => {
  if (typeof req.headers['x-tenant'] !== 'string') throw new AppError('unauthenticated', 'no tenant');
};

const routes: RouteModule = (app, ctx) => {
  app.post(
    '/test-only/things',
    {
      onRequest: tenantOf,
      schema: {
        body: Body,
        response: { 201: Answer },
      },
    },
    idempotent(
      ctx,
      {
        scope: (req) => String(req.headers['x-tenant'] ?? 'tenant'),
        rememberErrors: ['payment_failed'],
        waitMs: 3_000,
      },
      async (req, reply) => {
        runs++;
        const run = runs;
        await gate;
        if (req.body.fail === 'declined')
          throw new AppError('payment_failed', 'declined', { reason: 'card_declined' });
        if (req.body.fail === 'boom') throw new AppError('conflict', 'try later');
        reply.code(201);
        return { run, n: req.body.n };
      },
    ),
  );
};

describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ extraRoutes: [routes] });
  });
  afterAll(() => t.close());

  const send = (key: string | undefined, body: Record<string, unknown>, tenant = 'tenant') =>
    t.app.inject({
      method: 'POST',
      url: '/test-only/things',
      headers: { 'x-tenant': tenant, ...(key ? { 'idempotency-key': key } : {}) },
      payload: body,
    });

  it('runs every request without a key', async () => {
    const before = runs;
    await send(undefined, { n: 1 });
    await send(undefined, { n: 1 });
    expect(runs - before).toBe(2);
  });

  it('replays the first answer byte for byte, whatever the key order of the body', async () => {
    const first = await send('k-replay', { n: 7 });
    const before = runs;
    const again = await t.app.inject({
      method: 'POST',
      url: '/test-only/things',
      headers: { 'x-tenant': 'tenant', 'idempotency-key': 'k-replay', 'content-type': 'application/json' },
      payload: '{ "n": 7 }',
    });
    expect(runs).toBe(before);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses the key with another body, and keeps keys per scope', async () => {
    await send('k-other', { n: 1 });
    const other = await send('k-other', { n: 2 });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
    const elsewhere = await send('k-other', { n: 2 }, 'another-tenant');
    expect(elsewhere.statusCode).toBe(201);
  });

  it('makes concurrent duplicates wait for the first answer instead of running again', async () => {
    let open: () => void = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const before = runs;
    const pending = [send('k-burst', { n: 3 }), send('k-burst', { n: 3 }), send('k-burst', { n: 3 })];
    // The first one reaches the handler (however busy the machine); the others must not.
    for (let waited = 0; runs === before && waited < 10_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(runs - before).toBe(1);
    open();
    const answers = await Promise.all(pending);
    gate = Promise.resolve();
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(runs - before).toBe(1);
  });

  it('tells a duplicate to retry when the first takes longer than it may wait', async () => {
    let open: () => void = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const first = send('k-slow', { n: 4 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await send('k-slow', { n: 4 });
    expect(second.statusCode).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().error.details.reason).toBe('idempotency_key_in_use');
    open();
    gate = Promise.resolve();
    expect((await first).statusCode).toBe(201);
  });

  it('forgets a refusal (a retry runs again) but remembers the errors it is told to', async () => {
    const before = runs;
    expect((await send('k-fail', { n: 5, fail: 'boom' })).statusCode).toBe(409);
    expect((await send('k-fail', { n: 5 })).statusCode).toBe(201);
    expect(runs - before).toBe(2);
    const declined = await send('k-declined', { n: 6, fail: 'declined' });
    expect(declined.statusCode).toBe(402);
    const replay = await send('k-declined', { n: 6, fail: 'declined' });
    expect(replay.statusCode).toBe(402);
    expect(replay.json()).toEqual(declined.json());
    expect(runs - before).toBe(3);
  });

  it('takes over a key whose first request died (its lease ran out)', async () => {
    const body = { n: 8 };
    // What a crashed process leaves behind: a claim that never completes.
    const first = await send('k-crash', body);
    await t.ctx.db.query(
      `update idempotency_keys set status = 'running', response_status = null, response_body = null,
              locked_until = now() - interval '1 second'
        where key = 'k-crash'`,
    );
    const before = runs;
    const retry = await send('k-crash', body);
    expect(retry.statusCode).toBe(201);
    expect(runs - before).toBe(1);
    expect(retry.json().run).not.toBe(first.json().run);
  });

  it('refuses a malformed key', async () => {
    const res = await send('bad key with spaces', { n: 1 });
    expect(res.statusCode).toBe(400);
  });

  it('keeps keys a day, then prunes them', async () => {
    await send('k-old', { n: 9 });
    expect(await pruneIdempotencyKeys(t.ctx)).toBe(0);
    const realNow = t.ctx.now;
    t.ctx.now = () => new Date(Date.now() + 25 * 3_600_000);
    try {
      expect(await pruneIdempotencyKeys(t.ctx)).toBeGreaterThan(0);
    } finally {
      t.ctx.now = realNow;
    }
    const { rows } = await t.ctx.db.query(`select key from idempotency_keys where key = 'k-old'`);
    expect(rows).toEqual([]);
  });

  it('hashes bodies by content, not key order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: null }] })).toBe('{"a":[{"x":null,"y":2}],"b":1}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
