// API keys: scopes (read, send, billing, full; full when none is given), what a suspended
// account may do with keys, revoking them with a password reset, and the OpenAPI document
// declaring — for every route — the credentials and the scope it really enforces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiKeyScope, scopeAllows } from '../../src/accounts/api-key-scopes.js';
import { issueToken } from '../../src/accounts/email-tokens.js';
import { customerWithCredit, deliverable } from '../messaging/helpers.js';
import { adminSession, type Customer, randomIp } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

interface Operation {
  method: Method;
  path: string;
  security?: { [scheme: string]: string[] }[];
}

describe('API keys', () => {
  let t: TestApp;
  let alice: Customer;
  const keys = {} as Record<ApiKeyScope, Headers>;

  const makeKey = async (who: Customer, scope?: ApiKeyScope) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: who.headers,
      payload: scope ? { name: `${scope} key`, scope } : { name: 'unscoped key' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; key: string; scope: ApiKeyScope };
  };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await createTestApp();
    alice = await customerWithCredit(t, '100');
    for (const scope of ['full', 'send', 'billing', 'read'] as const) {
      keys[scope] = bearer((await makeKey(alice, scope)).key);
    }
  });
  afterAll(() => t.close());

  const call = (method: Method, url: string, headers: Headers, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const refusedForScope = (res: {
    statusCode: number;
    json: () => { error?: { details?: { reason?: string } } };
  }) => res.statusCode === 403 && res.json().error?.details?.reason === 'api_key_scope';

  it('gives a key created without a scope the full scope, as every key had before', async () => {
    const key = await makeKey(alice);
    expect(key.scope).toBe('full');
    const list = await call('GET', '/api/v1/api-keys', alice.headers);
    const listed = list.json().data.find((k: { id: string }) => k.id === key.id);
    expect(listed.scope).toBe('full');
    expect(
      (await call('POST', '/api/v1/api-keys', bearer(key.key), { name: 'from a full key' })).statusCode,
    ).toBe(201);
  });

  it('lets a send key send, and not buy, cancel a purchase, or manage keys', async () => {
    const sent = await call('POST', '/api/v1/messages', keys.send, { to: deliverable(), text: 'Hello' });
    expect(sent.statusCode, sent.body).toBe(202);
    const refused = [
      await call('POST', '/api/v1/purchases', keys.send, { credits: '1000', paymentMethod: 'bank_transfer' }),
      await call('POST', '/api/v1/purchases/pur_aaaaaaaaaaaaaaaaaaaaaaaa/cancel', keys.send),
      await call('POST', '/api/v1/cards/setup', keys.send),
      await call('POST', '/api/v1/api-keys', keys.send, { name: 'escalate', scope: 'full' }),
      await call('DELETE', '/api/v1/api-keys/key_aaaaaaaaaaaaaaaaaaaaaaaa', keys.send),
      await call('PUT', '/api/v1/account/billing', keys.send, {}),
      await call('PUT', '/api/v1/webhooks/messages', keys.send, { url: 'https://hooks.example.com/' }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'forbidden',
        details: { reason: 'api_key_scope', scope: 'send' },
      });
    }
    // Nothing was bought or created by the refused calls.
    const { rows } = await t.ctx.db.query('select 1 from purchases where account_id = $1', [alice.accountId]);
    expect(rows).toEqual([]);
    // Refunds are the operator's: no key, of any scope, reaches an admin route.
    const refund = await call(
      'POST',
      '/api/v1/admin/purchases/pur_aaaaaaaaaaaaaaaaaaaaaaaa/refund',
      keys.full,
      {},
    );
    expect(refund.statusCode).toBe(403);
  });

  it('lets a billing key buy, and not send', async () => {
    const bought = await call('POST', '/api/v1/purchases', keys.billing, {
      credits: '1000',
      paymentMethod: 'bank_transfer',
    });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(
      refusedForScope(await call('POST', '/api/v1/messages', keys.billing, { to: deliverable(), text: 'x' })),
    ).toBe(true);
  });

  it('lets a read key only read (and estimate, which changes nothing)', async () => {
    for (const url of [
      '/api/v1/balance',
      '/api/v1/account',
      '/api/v1/messages',
      '/api/v1/purchases',
      '/api/v1/api-keys',
    ]) {
      expect((await call('GET', url, keys.read)).statusCode, url).toBe(200);
    }
    const estimate = await call('POST', '/api/v1/messages/estimate', keys.read, {
      to: [deliverable()],
      text: 'Hi',
    });
    expect(estimate.statusCode, estimate.body).toBe(200);
    for (const [method, url, payload] of [
      ['POST', '/api/v1/messages', { to: deliverable(), text: 'Hello' }],
      ['POST', '/api/v1/campaigns', { name: 'c', text: 't', recipients: [{ to: deliverable() }] }],
      ['DELETE', '/api/v1/outbox', undefined],
      ['POST', '/api/v1/purchases', { credits: '1000', paymentMethod: 'bank_transfer' }],
      [
        'PUT',
        '/api/v1/account/preferences',
        { country: 'FR', currency: 'EUR', timezone: 'UTC', language: 'en' },
      ],
    ] as const) {
      const res = await call(method, url, keys.read, payload);
      expect(refusedForScope(res), `${method} ${url}: ${res.body}`).toBe(true);
    }
  });

  it('refuses an unknown scope', async () => {
    const res = await call('POST', '/api/v1/api-keys', alice.headers, { name: 'x', scope: 'admin' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('body.scope');
  });

  it('refuses new keys to a suspended account (403), which may still list and revoke its keys', async () => {
    const bob = await customerWithCredit(t, null);
    const kept = await makeKey(bob, 'read');
    const ops = await adminSession(t);
    const suspended = await call('POST', `/api/v1/admin/accounts/${bob.accountId}/suspend`, ops.headers, {
      reason: 'abuse',
    });
    expect(suspended.statusCode, suspended.body).toBe(200);
    for (const headers of [bob.headers, bearer(kept.key)]) {
      const res = await call('POST', '/api/v1/api-keys', headers, { name: 'after suspension' });
      expect(res.statusCode, res.body).toBe(403);
    }
    const bySession = await call('POST', '/api/v1/api-keys', bob.headers, { name: 'after suspension' });
    expect(bySession.json().error.details.reason).toBe('account_suspended');
    expect((await call('GET', '/api/v1/api-keys', bob.headers)).json().data).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/api-keys/${kept.id}`, bob.headers)).statusCode).toBe(204);
  });

  it('revokes every API key with a password reset when the owner asks, and keeps them otherwise', async () => {
    const carol = await customerWithCredit(t, null);
    const first = await makeKey(carol, 'send');
    const second = await makeKey(carol);
    const reset = async (revokeApiKeys?: boolean) => {
      const token = await issueToken(t.ctx.db, carol.userId, 'reset_password', t.ctx.now());
      const res = await call(
        'POST',
        '/api/v1/auth/password-reset/confirm',
        {},
        {
          token,
          password: `a new pass phrase ${Math.random()}`,
          ...(revokeApiKeys === undefined ? {} : { revokeApiKeys }),
        },
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    expect(await reset()).toEqual({ passwordChanged: true, apiKeysRevoked: 0 });
    expect((await call('GET', '/api/v1/balance', bearer(first.key))).statusCode).toBe(200);
    expect(await reset(true)).toEqual({ passwordChanged: true, apiKeysRevoked: 2 });
    for (const key of [first, second]) {
      expect((await call('GET', '/api/v1/balance', bearer(key.key))).statusCode).toBe(401);
    }
  });

  describe('the OpenAPI document', () => {
    let operations: Operation[];
    const sample = (path: string) => path.replace(/\{[^}]+\}/g, 'x_aaaaaaaaaaaaaaaaaaaaaaaa');

    beforeAll(async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
        paths: Record<string, Record<string, { security?: Operation['security'] }>>;
      };
      operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({
          method: method.toUpperCase() as Method,
          path,
          security: op.security,
        })),
      );
      expect(operations.length).toBeGreaterThan(50);
    });

    it('declares security on exactly the routes that ask for credentials', async () => {
      const wrong: string[] = [];
      for (const op of operations) {
        const res = await t.app.inject({
          method: op.method,
          url: sample(op.path),
          remoteAddress: randomIp(),
          ...(op.method === 'GET' ? {} : { payload: {} }),
        });
        const asks = res.statusCode === 401;
        // An empty requirement ({}) makes credentials optional (the default mode's mailbox).
        const optional = op.security?.some((s) => Object.keys(s).length === 0) ?? false;
        const declares = (op.security?.length ?? 0) > 0 && !optional;
        if (asks !== declares)
          wrong.push(`${op.method} ${op.path}: ${res.statusCode}, security ${JSON.stringify(op.security)}`);
      }
      expect(wrong).toEqual([]);
    });

    it('declares the mailbox’s credentials optional: a session, the sign-up cookie, or none', () => {
      for (const path of ['/api/v1/mailbox', '/api/v1/mailbox/{id}']) {
        const op = operations.find((o) => o.path === path && o.method === 'GET');
        expect(op?.security, path).toEqual([{ session: [] }, { mailboxCookie: [] }, {}]);
      }
    });

    it('declares for the simulator routes what they enforce', () => {
      const find = (path: string) => operations.find((op) => op.path === path && op.method === 'GET');
      expect(find('/api/v1/admin/simulator/messages')?.security).toEqual([{ session: [] }]);
      expect(find('/api/v1/simulator/messages')?.security).toEqual([{ session: [] }, { apiKey: ['read'] }]);
    });

    it('enforces on every route the API key scope it declares', async () => {
      const wrong: string[] = [];
      for (const op of operations) {
        const apiKey = op.security?.find((s) => 'apiKey' in s)?.apiKey;
        if (!apiKey) continue;
        const needs = (apiKey[0] ?? 'read') as ApiKeyScope;
        for (const has of ['read', 'send', 'billing'] as const) {
          const res = await call(op.method, sample(op.path), keys[has], op.method === 'GET' ? undefined : {});
          if (refusedForScope(res) === scopeAllows(has, needs)) {
            wrong.push(
              `${op.method} ${op.path} (${needs}) with a ${has} key: ${res.statusCode} ${res.body.slice(0, 120)}`,
            );
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});
