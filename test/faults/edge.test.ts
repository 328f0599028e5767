// The edge (src/http/edge.ts): text the database cannot store is refused once, before any route
// runs, whichever route and however it is sent; and every answer, whoever produced it, is in
// our error shape with a request id. Each case below gave a 500 or a foreign shape before.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { multipart as formData } from '../campaigns/helpers.js';
import { closeApp, customerWithCredit, messagingApp } from '../messaging/helpers.js';
import { buyByTransfer, camt053, importStatementHttp } from '../purchases/helpers.js';

function expectOurShape(res: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  const body = JSON.parse(res.body);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message', 'requestId']);
  expect(body.error.requestId).toMatch(/^req_/);
  expect(res.headers['x-request-id']).toBe(body.error.requestId);
  expect(res.body).not.toMatch(/\bat \S+ \(|node_modules|FST_/);
  return body.error as { code: string; message: string; details: { fields?: { path: string }[] } };
}

function fieldPaths(error: { details: { fields?: { path: string }[] } }): string[] {
  return (error.details.fields ?? []).map((f) => f.path);
}

async function count(t: TestApp, sql: string): Promise<bigint> {
  const { rows } = await t.ctx.db.query<{ n: bigint }>(sql);
  return rows[0]?.n ?? 0n;
}

describe('the edge refuses NUL characters and lone surrogates once, for every route', () => {
  let t: TestApp;
  let alice: Customer;
  let admin: Session;

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '10');
    admin = await adminSession(t);
  });
  afterAll(() => closeApp(t));

  const json = (method: 'POST' | 'PUT', url: string, who: () => Session, payload: unknown) => ({
    method,
    url,
    who,
    payload,
  });

  const bodyCases: [string, () => ReturnType<typeof json>, string][] = [
    [
      'a billing field',
      () =>
        json('PUT', '/api/v1/account/billing', () => alice, {
          legalName: 'Example Trading S.L.',
          vatId: 'ESB12345674',
          address: { line1: 'Calle Mayor 1\u0000', city: 'Madrid', postalCode: '28013', country: 'ES' },
          invoiceEmail: 'invoices@example.com',
        }),
      'body.address.line1',
    ],
    [
      'an API key name',
      () => json('POST', '/api/v1/api-keys', () => alice, { name: 'ci\u0000' }),
      'body.name',
    ],
    [
      'a campaign name (JSON)',
      () =>
        json('POST', '/api/v1/campaigns', () => alice, {
          name: 'Spring\u0000',
          text: 'Hello',
          recipients: [{ to: '+34612000001' }],
        }),
      'body.name',
    ],
    [
      'a sign-up name',
      () =>
        json('POST', '/api/v1/auth/signup', () => ({ headers: {} }) as Session, {
          email: 'nul@example.com',
          password: 'correct horse battery',
          name: 'Ana\u0000',
        }),
      'body.name',
    ],
    [
      'an adjustment reason',
      () =>
        json('POST', `/api/v1/admin/accounts/${alice.accountId}/adjustments`, () => admin, {
          credits: '5',
          reason: 'goodwill\u0000',
        }),
      'body.reason',
    ],
    [
      'a resolve note',
      () =>
        json('POST', '/api/v1/admin/bank-statements/unmatched/stl_x/resolve', () => admin, {
          note: 'refunded\u0000',
        }),
      'body.note',
    ],
    [
      'a mark-paid bank reference',
      () =>
        json('POST', '/api/v1/admin/purchases/pur_x/mark-paid', () => admin, {
          paidAt: new Date().toISOString(),
          bankReference: 'REF\u0000',
        }),
      'body.bankReference',
    ],
    [
      'a nested field of a JSON campaign',
      () =>
        json('POST', '/api/v1/campaigns', () => alice, {
          name: 'Spring',
          text: 'Hello {first}',
          recipients: [{ to: '+34612000001', vars: { first: 'A\u0000' } }],
        }),
      'body.recipients.0.vars.first',
    ],
    [
      'a half emoji (lone surrogate) in a campaign name',
      () =>
        json('POST', '/api/v1/campaigns', () => alice, {
          name: 'Spring \ud83d',
          text: 'Hello',
          recipients: [{ to: '+34612000001' }],
        }),
      'body.name',
    ],
    [
      'a NUL in a field name',
      () => json('POST', '/api/v1/api-keys', () => alice, { 'na\u0000me': 'x' }),
      'body.na\uFFFDme',
    ],
  ];

  for (const [what, make, path] of bodyCases) {
    it(`refuses ${what} with 400 naming ${path}, and stores nothing`, async () => {
      const before = await count(
        t,
        'select (select count(*) from api_keys) + (select count(*) from campaigns) + (select count(*) from users) + (select count(*) from credit_adjustments) as n',
      );
      const c = make();
      const res = await t.app.inject({
        method: c.method,
        url: c.url,
        headers: { ...c.who().headers, 'idempotency-key': `edge-${Math.random()}` },
        payload: c.payload as Record<string, unknown>,
      });
      expect(res.statusCode, res.body).toBe(400);
      const error = expectOurShape(res);
      expect(error.code).toBe('validation_failed');
      expect(fieldPaths(error)).toEqual([path]);
      const after = await count(
        t,
        'select (select count(*) from api_keys) + (select count(*) from campaigns) + (select count(*) from users) + (select count(*) from credit_adjustments) as n',
      );
      expect(after).toBe(before);
    });
  }

  it('refuses a NUL in a multipart campaign name, naming the form field, and stages nothing', async () => {
    const { body, contentType } = formData([
      { name: 'name', value: 'Spring\u0000' },
      { name: 'text', value: 'Hello' },
      { name: 'file', value: 'phone\n+34612000001\n', filename: 'r.csv', contentType: 'text/csv' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { ...alice.headers, 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(fieldPaths(expectOurShape(res))).toEqual(['body.name']);
    expect(await count(t, 'select count(*) as n from campaign_rows')).toBe(0n);
  });

  it('refuses a NUL in the CSV of a multipart estimate, naming the file part', async () => {
    const { body, contentType } = formData([
      { name: 'text', value: 'Hello' },
      {
        name: 'campaignFile',
        value: 'phone\n+34612000001\u0000\n',
        filename: 'r.csv',
        contentType: 'text/csv',
      },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: { ...alice.headers, 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(fieldPaths(expectOurShape(res))).toEqual(['body.campaignFile']);
  });

  it('refuses a NUL in a camt.053 <Ustrd>, as an upload and as a raw XML body, crediting nothing', async () => {
    const purchase = await buyByTransfer(t, await readyCustomer(t));
    const xml = camt053({
      entries: [{ amount: '60.50', ustrd: `Payment ${purchase.bankTransfer.reference}\u0000` }],
    });
    const uploaded = await importStatementHttp(t, admin, xml);
    expect(uploaded.statusCode, uploaded.body).toBe(400);
    expect(fieldPaths(expectOurShape(uploaded))).toEqual(['body.file']);
    const raw = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/bank-statements',
      headers: { ...admin.headers, 'content-type': 'application/xml' },
      payload: xml,
    });
    expect(raw.statusCode, raw.body).toBe(400);
    expect(fieldPaths(expectOurShape(raw))).toEqual(['body']);
    const { rows } = await t.ctx.db.query<{ status: string }>('select status from purchases where id = $1', [
      purchase.id,
    ]);
    expect(rows[0]?.status).toBe('awaiting_payment');
  });

  it('answers 404 for a NUL or a lone surrogate in any path id, on every {id} route', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      path.includes('{id}') ? Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })) : [],
    );
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const { method, path } of routes) {
      const who = path.startsWith('/api/v1/admin/') ? admin : alice;
      for (const id of ['abc%00def', '%00']) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: path.replace('{id}', id),
          headers: { ...who.headers, 'idempotency-key': `edge-${Math.random()}` },
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(404);
        expect(expectOurShape(res).code).toBe('not_found');
      }
    }
  });

  for (const [url, who, path] of [
    ['/api/v1/admin/accounts?q=a%00b', 'admin', 'query.q'],
    ['/api/v1/admin/purchases?accountId=acc%00', 'admin', 'query.accountId'],
    ['/api/v1/admin/vat-evidence?accountId=acc%00', 'admin', 'query.accountId'],
    ['/api/v1/messages?campaignId=cmp%00', 'alice', 'query.campaignId'],
    ['/api/v1/admin/invoices?q=%00', 'admin', 'query.q'],
  ] as const) {
    it(`refuses a NUL in ${url} with 400 naming ${path}`, async () => {
      const res = await t.app.inject({
        method: 'GET',
        url,
        headers: (who === 'admin' ? admin : alice).headers,
      });
      expect(res.statusCode, res.body).toBe(400);
      const error = expectOurShape(res);
      expect(error.code).toBe('validation_failed');
      expect(fieldPaths(error)).toEqual([path]);
    });
  }

  it('refuses a body nested thousands of levels deep with 400, not a stack overflow', async () => {
    const deep = `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      payload: deep,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(expectOurShape(res).message).toMatch(/nested deeper/);
  });
});

describe('every answer is in our error shape, whoever produced it', () => {
  let t: TestApp;
  let alice: Customer;
  let base: string;

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '10');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => closeApp(t));

  it.each([
    ['/api/v1/campaigns/%FF', 400, 'validation_failed'],
    ['/api/v1/campaigns/%ED%A0%80', 400, 'validation_failed'],
    ['/api/v1/no-such-route', 404, 'not_found'],
    ['/no-such-asset.js', 404, 'not_found'],
  ])('GET %s → %i %s', async (url, status, code) => {
    const res = await t.app.inject({ method: 'GET', url, headers: alice.headers });
    expect(res.statusCode, res.body).toBe(status);
    expect(expectOurShape(res).code).toBe(code);
  });

  it('answers a portal file asked for with a range it does not have in our shape', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/index.html',
      headers: { range: 'bytes=99999999-' },
    });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expectOurShape(res);
  });

  it('answers a path parameter over the router limit with 414 uri_too_long', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${'c'.repeat(150)}/start`,
      headers: alice.headers,
    });
    expect(res.statusCode, res.body).toBe(414);
    expect(expectOurShape(res).code).toBe('uri_too_long');
  });

  it('answers bad JSON, an empty JSON body, a missing Content-Type and a body over the limit in our shape', async () => {
    const post = (headers: Record<string, string>, payload: string | Buffer) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { ...alice.headers, ...headers },
        payload,
      });
    const bad = await post({ 'content-type': 'application/json' }, '{"name":');
    expect([bad.statusCode, expectOurShape(bad).code]).toEqual([400, 'validation_failed']);
    const empty = await post({ 'content-type': 'application/json' }, '');
    expect([empty.statusCode, expectOurShape(empty).code]).toEqual([400, 'validation_failed']);
    const text = await post({ 'content-type': 'application/yaml' }, 'name: x');
    expect([text.statusCode, expectOurShape(text).code]).toEqual([415, 'unsupported_media_type']);
    const huge = await post(
      { 'content-type': 'application/json' },
      `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    );
    expect([huge.statusCode, expectOurShape(huge).code]).toEqual([413, 'payload_too_large']);
  });

  it('refuses a JSON body declared in a charset other than UTF-8 with 415, and takes UTF-8 however it is spelled', async () => {
    for (const charset of ['utf-16', 'UTF-16LE', 'iso-8859-1', '"windows-1252"']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { ...alice.headers, 'content-type': `application/json; charset=${charset}` },
        payload: '{"name":"ci"}',
      });
      expect(res.statusCode, `${charset}: ${res.body}`).toBe(415);
      expect(expectOurShape(res).code).toBe('unsupported_media_type');
    }
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'utf8']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { ...alice.headers, 'content-type': `application/json; charset=${charset}` },
        payload: '{"name":"ci"}',
      });
      expect(res.statusCode, `${charset}: ${res.body}`).toBe(201);
    }
  });

  it('refuses a CSV upload declared in Latin-1 with 415', async () => {
    const { body, contentType } = formData([
      { name: 'text', value: 'Hello' },
      { name: 'campaignFile', value: 'phone\n+34612000001\n', filename: 'r.csv', contentType: 'text/csv' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: { ...alice.headers, 'content-type': `${contentType}; charset=iso-8859-1` },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(415);
  });

  /** A raw HTTP exchange over a socket: what Node's parser answers before Fastify sees anything. */
  function rawExchange(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const url = new URL(base);
      const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  function parseRaw(answer: string) {
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    const [statusLine = '', ...headerLines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const at = line.indexOf(':');
      headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
    }
    return { statusCode: Number(statusLine.split(' ')[1]), headers, body };
  }

  it('answers headers over the limit with 431 headers_too_large in our shape', async () => {
    const res = await new Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${base}/health`,
          { headers: { 'x-padding': 'p'.repeat(20 * 1024) } },
          (r) => {
            let body = '';
            r.on('data', (chunk) => {
              body += chunk;
            });
            r.on('end', () => resolve({ statusCode: r.statusCode ?? 0, body, headers: r.headers }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(res.statusCode, res.body).toBe(431);
    expect(expectOurShape(res).code).toBe('headers_too_large');
  });

  it('answers a request line over the limit with 414 uri_too_long in our shape', async () => {
    const res = parseRaw(
      await rawExchange(`GET /api/v1/${'u'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect(res.statusCode, res.body).toBe(414);
    expect(expectOurShape(res).code).toBe('uri_too_long');
  });

  it('answers a request the HTTP parser refuses (a NUL in a header) with 400 in our shape', async () => {
    const res = parseRaw(await rawExchange('GET /health HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000b\r\n\r\n'));
    expect(res.statusCode, res.body).toBe(400);
    expect(expectOurShape(res).code).toBe('validation_failed');
  });
});
