import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../src/http/app.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { testDbKind } from './helpers/db.js';

const testRoutes: RouteModule = (app) => {
  app.get('/boom-test-only', async () => {
    throw new Error('database password is hunter2 at /src/secret.ts:12');
  });
  app.post(
    '/echo-test-only',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ maxLength: 10 }),
            count: Type.Integer({ minimum: 1 }),
            address: Type.Object(
              { country: Type.String({ pattern: '^[A-Z]{2}$' }) },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      },
    },
    async (req) => ({ body: req.body, query: req.query }),
  );
};

describe('the HTTP foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ extraRoutes: [testRoutes] });
  });
  afterAll(() => t.close());

  it('answers /health with the database in use and the version', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: testDbKind(), version: expect.any(String) });
  });

  it('gives every response a request id, and echoes a sane one the client sent', async () => {
    const fresh = await t.app.inject({ method: 'GET', url: '/health' });
    expect(fresh.headers['x-request-id']).toMatch(/^req_/);
    const given = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'client-42' },
    });
    expect(given.headers['x-request-id']).toBe('client-42');
    const hostile = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'a b\n<c>' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^req_/);
  });

  it('answers an unknown route with the error shape and a 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here?token=secret' });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(body.error.message).not.toContain('secret');
  });

  it('serves the OpenAPI document and a docs page', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().openapi).toBe('3.1.0');
    expect(Object.keys(doc.json().paths)).toContain('/health');
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('never puts a stack trace in an internal error, and logs it with the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/boom-test-only' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('.ts:');
    const logged = t.logs.find(
      (line) => line.includes(res.json().error.requestId) && line.includes('request failed'),
    );
    expect(logged).toBeDefined();
  });

  it('refuses wrong types, extra fields and missing fields with each path', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only',
      payload: { name: 'x'.repeat(11), count: '3', address: { country: 'Spain', extra: 1 }, admin: true },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.fields.map((f: { path: string }) => f.path).sort();
    expect(paths).toEqual([
      'body.address.country',
      'body.address.extra',
      'body.admin',
      'body.count',
      'body.name',
    ]);
  });

  it('reads query strings as the declared types', async () => {
    const ok = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only?limit=20',
      payload: { name: 'a', count: 1, address: { country: 'ES' } },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().query).toEqual({ limit: 20 });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only?limit=lots',
      payload: { name: 'a', count: 1, address: { country: 'ES' } },
    });
    expect(bad.json().error.details.fields[0].path).toBe('querystring.limit');
  });

  it('answers malformed JSON, a wrong content type and an oversized body in the error shape', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('validation_failed');
    const text = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.json().error.code).toBe('validation_failed');
    const huge = await t.app.inject({
      method: 'POST',
      url: '/echo-test-only',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });
});
