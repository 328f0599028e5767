// A generated fuzz test of the whole HTTP API. For every route of /api/openapi.json, fast-check
// builds a request from the route's own schemas (path, query, body) and then, most of the time,
// breaks it: a field of the wrong type, a required field left out, an unknown field, a huge
// value, a NUL, half a surrogate pair, RTL marks, deep nesting, a body that is not JSON or is
// sent as another content type, an id that is no id. Sent as nobody, a customer (session or API
// key) or an operator. It fails on:
//
//   - any 5xx;
//   - any error answer that is not {error: {code, message, requestId, details}} with the
//     request id of the X-Request-Id header, or any answer carrying a stack trace;
//   - any write made by a refused request (a digest of every table a request may change is
//     compared before and after each answer of 400 or above).
//
// Bounded by time (FUZZ_BUDGET_MS, 30 s by default) on each database; the seed is printed and
// FUZZ_SEED=<seed> replays the same sequence (FUZZ_PATH=<path> jumps to a failing case).
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, type Customer, newApiKey, type Session } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { closeApp, customerWithCredit, messagingApp } from '../messaging/helpers.js';

const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 30_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31 - 1);
const PATH = process.env.FUZZ_PATH;

/**
 * Tables a refused request may legitimately change: a session's last use, rate-limit and login
 * counters (refusing a wrong password must count it), a Stripe event stored for inspection even
 * when it is refused, and idempotency keys (a refused request releases its key; a concurrent
 * replay may find it for a moment).
 */
const MAY_CHANGE_WHEN_REFUSED = new Set([
  'sessions',
  'rate_limit_counters',
  'login_throttle',
  'user_login_addresses',
  'login_challenges',
  'stripe_events',
  'idempotency_keys',
]);

/**
 * Columns that record use or background work, not a change a request made: a key's last use
 * (written whenever it authenticates, refused or not), the tries of an SMS code (a wrong one is
 * counted), and the delivery state of e-mails and simulated SMS, which the mailer and the
 * simulator update after the request that queued them.
 */
const USE_COLUMNS: Record<string, string[]> = {
  api_keys: ['last_used_at'],
  // Once sent, an e-mail's bodies are cleared (they carry live links).
  email_outbox: [
    'attempts',
    'next_attempt_at',
    'claimed_until',
    'sent_at',
    'failed_at',
    'last_error',
    'text_body',
    'html_body',
  ],
  simulator_messages: ['status', 'updated_at'],
  // A wrong SMS code is refused and counted: five wrong tries end the code.
  mobile_verifications: ['attempts'],
};

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
};

interface Operation {
  method: string;
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[];
  body: Schema | null;
  bodyTypes: string[];
}

// ---- values from a schema ------------------------------------------------------------------

function arbitraryFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union && union.length > 0) return fc.oneof(...union.map((s) => arbitraryFor(s, depth)));
  if (schema.allOf && schema.allOf.length > 0) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of schema.allOf) {
      Object.assign(merged.properties as object, part.properties ?? {});
      merged.required?.push(...(part.required ?? []));
    }
    return arbitraryFor(merged, depth);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 10_000, 2 ** 31) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -5, max: schema.maximum ?? 10_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items && depth < 4 ? arbitraryFor(schema.items, depth + 1) : fc.string(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0 || depth >= 4)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 });
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of keys) record[key] = arbitraryFor(properties[key] as Schema, depth + 1);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => keys.includes(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const SAMPLES: Record<string, fc.Arbitrary<string>> = {
  email: fc.constantFrom('fuzz@example.com', 'a.b+c@example.org', 'nobody@example.com'),
  'date-time': fc
    .date({ min: new Date('2000-01-01'), max: new Date('2035-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
};

function stringOf(schema: Schema): fc.Arbitrary<string> {
  if (schema.format && SAMPLES[schema.format]) return SAMPLES[schema.format] as fc.Arbitrary<string>;
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length <= (schema.maxLength ?? 200));
    } catch {
      // A pattern fast-check cannot read: any string will do.
    }
  }
  return fc.oneof(
    fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
    fc.constantFrom(
      '1000',
      '0.5',
      '+34612000001',
      'ES',
      'EUR',
      'en',
      'Hello {name}',
      'card',
      'bank_transfer',
    ),
  );
}

// ---- breaking a value ----------------------------------------------------------------------

const BREAKS = [
  'none',
  'none',
  'type',
  'drop',
  'extra',
  'huge',
  'nul',
  'surrogate',
  'rtl',
  'deep',
  'not-json',
  'content-type',
  'multipart',
] as const;
type Break = (typeof BREAKS)[number];

const OTHER_TYPES: unknown[] = [42, -1, 1e308, true, null, [], {}, 'text', [1, 'a'], { a: { b: 1 } }];

/** Every place in a value (object fields and array items), as paths. */
function placesIn(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = [...path, Array.isArray(value) ? Number(key) : key];
      out.push(at);
      placesIn(item, at, out);
    }
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], change: (old: unknown) => unknown | typeof DROP) {
  if (path.length === 0) return change(root);
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k as string], root);
  const key = path[path.length - 1] as string;
  const next = change((parent as Record<string, unknown>)[key]);
  if (next === DROP) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, unknown>)[key];
  } else (parent as Record<string, unknown>)[key] = next;
  return root;
}
const DROP = Symbol('drop');

function insertInto(old: unknown, text: string): unknown {
  const s = typeof old === 'string' ? old : String(old ?? '');
  const at = Math.floor(s.length / 2);
  return `${s.slice(0, at)}${text}${s.slice(at)}`;
}

function broken(value: unknown, kind: Break, pick: number, other: number): unknown {
  const copy = value === undefined ? undefined : structuredClone(value);
  const places = placesIn(copy);
  const place = places.length > 0 ? (places[pick % places.length] as (string | number)[]) : [];
  switch (kind) {
    case 'type':
      return setAt(copy, place, () => OTHER_TYPES[other % OTHER_TYPES.length]);
    case 'drop':
      return place.length > 0 ? setAt(copy, place, () => DROP) : copy;
    case 'extra':
      return setAt(copy, place.slice(0, -1), (old) =>
        old && typeof old === 'object' && !Array.isArray(old) ? { ...old, [`unexpected${other}`]: 'x' } : old,
      );
    case 'huge':
      return setAt(copy, place, () => 'x'.repeat(100_000 + other));
    case 'nul':
      return setAt(copy, place, (old) => insertInto(old, '\u0000'));
    case 'surrogate':
      return setAt(copy, place, (old) => insertInto(old, other % 2 ? '\ud83d' : '\udc00'));
    case 'rtl':
      return setAt(copy, place, (old) => insertInto(old, '\u202e\u200f\u2066evil\u2069'));
    case 'deep': {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 3000; i++) deep = other % 2 ? [deep] : { a: deep };
      return setAt(copy, place, () => deep);
    }
    default:
      return copy;
  }
}

// ---- requests ------------------------------------------------------------------------------

interface Built {
  method: string;
  url: string;
  who: 'nobody' | 'customer' | 'key' | 'admin';
  headers: Record<string, string>;
  payload?: string | Buffer;
  label: string;
}

const BAD_IDS = [
  'nope',
  '%00',
  'x%00y',
  `${'i'.repeat(150)}`,
  '%FF',
  '%ED%A0%80',
  '..%2F..%2Fetc',
  '%E2%80%AEevil',
  'acc_%F0%9F%98%80',
  "'; drop table accounts;--",
  '-1',
  '0',
];

function encodeQuery(entries: [string, unknown][], kind: Break, other: number): string {
  const parts: string[] = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    let text =
      typeof value === 'string' ? encodeURIComponent(value) : encodeURIComponent(JSON.stringify(value));
    if (kind === 'nul') text += '%00';
    if (kind === 'surrogate') text += '%ED%A0%80';
    if (kind === 'huge') text += 'q'.repeat(5_000);
    if (kind === 'type') text = other % 2 ? 'not-a-number' : '-99999999999999999999';
    parts.push(`${encodeURIComponent(name)}=${text}`);
  }
  if (kind === 'extra') parts.push(`unexpected${other}=1`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function multipartOf(fields: unknown, other: number): { body: Buffer; contentType: string } {
  const boundary = `fuzz${other}`;
  const chunks: Buffer[] = [];
  const entries = fields && typeof fields === 'object' ? Object.entries(fields) : [];
  for (const [name, value] of entries) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`));
    chunks.push(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
    chunks.push(Buffer.from('\r\n'));
  }
  const files = [
    'phone,first\n+34611111111,a"b\n',
    'phone\n+34612000001\n+34612000002\n',
    '\u0000\u0001binary',
    '<?xml version="1.0"?><Document><Ustrd>x</Ustrd></Document>',
    'country,prefix,creditsPerSegment\nES,34, 0.05\n',
    '',
  ];
  const file = files[other % files.length] as string;
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${other % 3 ? 'file' : 'campaignFile'}"; filename="f.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    Buffer.from(file),
    Buffer.from(`\r\n--${boundary}${other % 7 === 0 ? '' : '--'}\r\n`),
  );
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Ids of real objects (a purchase, a draft campaign, a message), so requests reach past the look-up. */
function requestOf(op: Operation, realIds: string[]): fc.Arbitrary<Built> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const query = fc.tuple(
    ...queryParams.map((p) =>
      p.required ? arbitraryFor(p.schema) : fc.option(arbitraryFor(p.schema), { nil: undefined }),
    ),
  );
  return fc
    .record({
      ids: fc.array(
        fc.oneof(
          fc.constantFrom(...BAD_IDS),
          fc.string({ maxLength: 12 }).map(encodeURIComponent),
          fc.constantFrom(...realIds),
          fc.constantFrom(...realIds),
        ),
        {
          minLength: pathParams.length,
          maxLength: pathParams.length,
        },
      ),
      query,
      body: op.body ? arbitraryFor(op.body) : fc.constant(undefined),
      kind: fc.constantFrom(...BREAKS),
      target: fc.constantFrom('body', 'query', 'path'),
      pick: fc.nat(),
      other: fc.nat({ max: 1000 }),
      who: fc.constantFrom('nobody', 'customer', 'key', 'admin', 'admin', 'customer') as fc.Arbitrary<
        Built['who']
      >,
      idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('k'.repeat(500))), {
        nil: undefined,
      }),
    })
    .map(({ ids, query: values, body, kind, target, pick, other, who, idempotencyKey }) => {
      let path = op.path;
      pathParams.forEach((p, i) => {
        path = path.replace(`{${p.name}}`, ids[i] ?? 'x');
      });
      const queryKind = target === 'query' ? kind : 'none';
      const url =
        path +
        encodeQuery(
          queryParams.map((p, i) => [p.name, values[i]]),
          queryKind,
          other,
        );
      const headers: Record<string, string> = {};
      if (idempotencyKey !== undefined)
        headers['idempotency-key'] = idempotencyKey.replace(/[^\x20-\x7e]/g, '');
      let payload: string | Buffer | undefined;
      const bodyKind = target === 'body' || op.body === null ? kind : 'none';
      if (op.method !== 'GET' && op.method !== 'DELETE') {
        const value = broken(body ?? {}, bodyKind, pick, other);
        if (bodyKind === 'not-json') {
          headers['content-type'] = 'application/json';
          payload = ['{', '{"a":', 'null', '[1,2', '\u0000', '{"a":"\\ud800"}', '1e999999'][
            other % 7
          ] as string;
        } else if (bodyKind === 'content-type') {
          const types = [
            'application/json; charset=utf-16',
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'application/octet-stream',
            'text/csv; charset=latin1',
          ];
          headers['content-type'] = types[other % types.length] as string;
          payload = other % 2 ? JSON.stringify(value) : 'name=x&credits=%00';
        } else if (bodyKind === 'multipart') {
          const form = multipartOf(value, other);
          headers['content-type'] = form.contentType;
          payload = form.body;
        } else if (value !== undefined) {
          headers['content-type'] = 'application/json';
          payload = JSON.stringify(value);
        }
      }
      const label = `${op.method} ${op.path} [${kind} in ${target}] as ${who}`;
      return { method: op.method, url, who, headers, payload, label };
    });
}

// ---- the run -------------------------------------------------------------------------------

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestApp;
  let customer: Customer;
  let admin: Session;
  let apiKey: Record<string, string>;
  let operations: Operation[];
  let tables: string[];
  let realIds: string[];

  beforeAll(async () => {
    t = await messagingApp();
    customer = await customerWithCredit(t, '100');
    admin = await adminSession(t);
    apiKey = (await newApiKey(t, customer)).headers;
    // Prices are seeded on first use; seed them now, so a refused request is not blamed for it.
    const quote = await t.app.inject({
      method: 'POST',
      url: '/api/v1/pricing/quote',
      headers: customer.headers,
      payload: { credits: '1000' },
    });
    expect(quote.statusCode, quote.body).toBeLessThan(500);
    const purchase = await t.app.inject({
      method: 'POST',
      url: '/api/v1/purchases',
      headers: customer.headers,
      payload: { credits: '1000', paymentMethod: 'bank_transfer' },
    });
    expect(purchase.statusCode, purchase.body).toBe(201);
    const campaign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: customer.headers,
      payload: { name: 'Fuzz', text: 'Hello', draft: true, recipients: [{ to: '+34612000001' }] },
    });
    expect(campaign.statusCode, campaign.body).toBe(201);
    const message = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: customer.headers,
      payload: { to: '+34612000002', text: 'Hello' },
    });
    expect(message.statusCode, message.body).toBe(202);
    realIds = [purchase.json().id, campaign.json().id, message.json().id];
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Operation['parameters'];
            requestBody?: { content: Record<string, { schema: Schema }> };
          }
        >
      >;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        // Logging out would end the session every other case uses.
        .filter(([method]) => !(path === '/api/v1/auth/logout' && method === 'post'))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          parameters: op.parameters ?? [],
          body: op.requestBody ? (Object.values(op.requestBody.content)[0]?.schema ?? null) : null,
          bodyTypes: op.requestBody ? Object.keys(op.requestBody.content) : [],
        })),
    );
    const { rows } = await t.ctx.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
    );
    tables = rows
      .map((r) => r.table_name)
      .filter((name) => !MAY_CHANGE_WHEN_REFUSED.has(name) && !name.startsWith('_'));
  });
  afterAll(() => closeApp(t));

  /** One text per table: row count and a sum of row hashes; cheap on a test database. */
  async function digest(): Promise<Map<string, string>> {
    const sql = tables
      .map(
        (name) =>
          `select '${name}' as t, count(*)::text || ':' || coalesce(sum(hashtextextended(${
            USE_COLUMNS[name]
              ? `(to_jsonb(x) - array[${USE_COLUMNS[name].map((c) => `'${c}'`).join(',')}])::text`
              : 'x::text'
          }, 0)), 0)::text as h from "${name}" x`,
      )
      .join(' union all ');
    const { rows } = await t.ctx.db.query<{ t: string; h: string }>(sql);
    return new Map(rows.map((r) => [r.t, r.h]));
  }

  it(
    `answers every generated request without a 5xx, in our error shape, and writes nothing when it refuses (budget ${BUDGET_MS} ms)`,
    async () => {
      console.log(`FUZZ_SEED=${SEED} (replay: FUZZ_SEED=${SEED} npx vitest run test/faults/fuzz.test.ts)`);
      const statuses = new Map<string, number>();
      let sent = 0;
      let before = await digest();
      const routeArb = fc.constantFrom(...operations).chain((op) => requestOf(op, realIds));
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(routeArb, async (built) => {
          const identity =
            built.who === 'customer'
              ? customer.headers
              : built.who === 'admin'
                ? admin.headers
                : built.who === 'key'
                  ? apiKey
                  : {};
          const res = await t.app.inject({
            method: built.method as 'GET',
            url: built.url,
            headers: { ...identity, ...built.headers },
            ...(built.payload === undefined ? {} : { payload: built.payload }),
          });
          sent++;
          const bucket = `${Math.floor(res.statusCode / 100)}xx`;
          statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
          const where = `${built.label}: ${built.method} ${built.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          expect(res.body, where).not.toMatch(/\n\s+at \S|node_modules|\/src\/\S+\.ts|FST_ERR/);
          if (res.statusCode >= 400) {
            const body = JSON.parse(res.body) as { error?: Record<string, unknown> };
            expect(Object.keys(body), where).toEqual(['error']);
            expect(Object.keys(body.error ?? {}).sort(), where).toEqual([
              'code',
              'details',
              'message',
              'requestId',
            ]);
            expect(body.error?.requestId, where).toBe(res.headers['x-request-id']);
            const after = await digest();
            for (const [table, hash] of after)
              expect(hash, `wrote to ${table}: ${where}`).toBe(before.get(table));
          } else {
            // Let work started by an accepted request (credit.arrived, the outbox) settle first.
            await new Promise((resolve) => setTimeout(resolve, 20));
            before = await digest();
          }
        }),
        {
          seed: SEED,
          ...(PATH ? { path: PATH } : {}),
          numRuns: 1_000_000,
          interruptAfterTimeLimit: BUDGET_MS,
          markInterruptAsFailure: false,
          endOnFailure: true,
        },
      );
      console.log(
        `fuzz: ${sent} requests over ${operations.length} operations in ${Date.now() - started} ms; ${[
          ...statuses,
        ]
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      expect(sent).toBeGreaterThan(operations.length);
    },
    BUDGET_MS + 60_000,
  );
});
