// Bad input is refused with the field and the reason, before anything is reserved; and the
// routes are the caller's own: no credentials is 401, another account's objects are 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/messaging/campaigns/create-campaign.js';
import { type Customer, newApiKey } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { balanceOf, closeApp, customerWithCredit, deliverable, gsmText, messagingApp } from './helpers.js';

describe('sending bad input', () => {
  let t: TestApp;
  let alice: Customer;

  beforeAll(async () => {
    t = await messagingApp({ MESSAGE_MAX_PARTS: '3' });
    alice = await customerWithCredit(t, '100');
  });
  afterAll(() => closeApp(t));

  const refused = async (payload: Record<string, unknown>, path: string, why: RegExp) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: alice.headers,
      payload,
    });
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    const problem = error.details.fields.find((f: { path: string }) => f.path === path);
    expect(problem, JSON.stringify(error.details.fields)).toBeDefined();
    expect(problem.message).toMatch(why);
  };

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['letters for a number', { to: 'call me', text: 'hi' }, 'body.to', /not a phone number/],
    ['a number too short', { to: '+3461', text: 'hi' }, 'body.to', /short|not a valid/],
    ['a number invalid in its country', { to: '+34112345678', text: 'hi' }, 'body.to', /not a valid number/],
    ['a premium-rate number', { to: '+34803123456', text: 'hi' }, 'body.to', /premium-rate/],
    ['a non-geographic number', { to: '+80012345678', text: 'hi' }, 'body.to', /country/],
    ['an empty text', { to: deliverable(), text: '' }, 'body.text', /must not be empty/],
    ['a text of spaces only', { to: deliverable(), text: '   ' }, 'body.text', /must not be empty/],
    [
      'a text longer than the allowed parts',
      { to: deliverable(), text: gsmText(4) },
      'body.text',
      /4 SMS parts.*at most 3/,
    ],
    ['a control character', { to: deliverable(), text: 'bell \u0007 here' }, 'body.text', /U\+0007 at 5/],
    ['half an emoji', { to: deliverable(), text: 'broken \ud83d' }, 'body.text', /U\+D83D/],
    [
      'a sender id too long',
      { to: deliverable(), text: 'hi', from: 'TwelveLetter' },
      'body.from',
      /up to 11/,
    ],
    [
      'a sender id with symbols',
      { to: deliverable(), text: 'hi', from: 'Shop!' },
      'body.from',
      /letters, digits/,
    ],
    [
      'a numeric sender over 15 digits',
      { to: deliverable(), text: 'hi', from: '+1234567890123456' },
      'body.from',
      /15 digits/,
    ],
    [
      'a schedule in the past',
      { to: deliverable(), text: 'hi', scheduleAt: '2020-01-01T00:00:00Z' },
      'body.scheduleAt',
      /future/,
    ],
    [
      'a schedule that is not a time',
      { to: deliverable(), text: 'hi', scheduleAt: 'tomorrow' },
      'body.scheduleAt',
      /ISO 8601/,
    ],
    [
      'a reference over 100 characters',
      { to: deliverable(), text: 'hi', reference: 'r'.repeat(101) },
      'body.reference',
      /100/,
    ],
    [
      'an unknown field',
      { to: deliverable(), text: 'hi', priority: 'high' },
      'body.priority',
      /not an allowed field/,
    ],
    [
      'a wrong policy',
      { to: deliverable(), text: 'hi', onInsufficientCredit: 'maybe' },
      'body.onInsufficientCredit',
      /./,
    ],
    ['no recipient', { text: 'hi' }, 'body.to', /required/],
  ];

  for (const [name, payload, path, why] of cases) {
    it(`refuses ${name}`, async () => refused(payload, path, why));
  }

  it('refuses a national number when the account has no default country', async () => {
    const bob = await customerWithCredit(t, '10');
    await t.ctx.db.query('update accounts set country = null where id = $1', [bob.accountId]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: bob.headers,
      payload: { to: '612345671', text: 'hi' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toEqual({
      path: 'body.to',
      message: expect.stringMatching(/default country/),
    });
  });

  it('refuses a destination the price list does not have, rather than charge a default', async () => {
    const { DestinationIndex } = await import('../../src/pricing/destinations.js');
    const { MessagingService } = await import('../../src/messaging/service.js');
    const spainOnly = new DestinationIndex([
      { country: 'ES', prefix: undefined, microsPerSegment: 1_000_000n },
    ]);
    const original = t.ctx.messaging;
    t.ctx.messaging = new MessagingService(
      { ...t.ctx, carriers: original.carriers, now: () => t.ctx.now() },
      { prices: () => spainOnly },
    );
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: alice.headers,
        payload: { to: '+33612345678', text: 'hi' },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.fields[0]).toEqual({
        path: 'body.to',
        message: expect.stringMatching(/FR has no price/),
      });
    } finally {
      await t.ctx.messaging.close();
      t.ctx.messaging = original;
    }
  });

  it('accepts the sender id forms the rules allow', async () => {
    for (const from of ['Tollgate', 'My Shop 24', 'A', '+34612345678', '123456789012345']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: alice.headers,
        payload: { to: deliverable(), text: 'hi', from },
      });
      expect(res.statusCode, `${from}: ${res.body}`).toBe(202);
    }
  });

  it('charged nothing for any refused request', async () => {
    const balance = await balanceOf(t, alice.accountId);
    // Only the five accepted sends above hold credit.
    expect(balance).toEqual({ balance: 100_000_000n, held: 5_000_000n, available: 95_000_000n });
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      'select count(*)::bigint as n from messages where account_id = $1',
      [alice.accountId],
    );
    expect(rows[0]?.n).toBe(5n);
  });
});

describe('messaging routes and other accounts', () => {
  let t: TestApp;
  let alice: Customer;
  let mallory: Customer;
  let messageId: string;
  let campaignId: string;

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '10');
    mallory = await customerWithCredit(t, '10');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: alice.headers,
      payload: { to: deliverable(), text: 'secret' },
    });
    messageId = res.json().id;
    campaignId = (
      await createCampaign(t.ctx, alice.accountId, {
        name: 'Spring',
        text: 'hi',
        recipients: [{ to: deliverable() }],
      })
    ).id;
  });
  afterAll(() => closeApp(t));

  it('answers 401 without credentials, on every route', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/v1/messages'],
      ['GET', '/api/v1/messages'],
      ['GET', `/api/v1/messages/${messageId}`],
      ['GET', '/api/v1/outbox'],
      ['DELETE', '/api/v1/outbox'],
      ['DELETE', `/api/v1/campaigns/${campaignId}/outbox`],
    ];
    for (const [method, url] of routes) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        ...(method === 'POST' ? { payload: { to: deliverable(), text: 'hi' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('answers 401 for a revoked or made-up API key', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { authorization: `Bearer tg_${'x'.repeat(43)}` },
      payload: { to: deliverable(), text: 'hi' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('sends with an API key', async () => {
    const key = await newApiKey(t, alice);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: key.headers,
      payload: { to: deliverable(), text: 'by key' },
    });
    expect(res.statusCode, res.body).toBe(202);
  });

  it('refuses a cookie write without its CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { cookie: alice.cookie },
      payload: { to: deliverable(), text: 'hi' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('hides another account’s message, campaign outbox and messages: 404 or nothing', async () => {
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages/${messageId}`,
      headers: mallory.headers,
    });
    expect(read.statusCode).toBe(404);
    expect(read.json().error.code).toBe('not_found');
    const removeCampaign = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${campaignId}/outbox`,
      headers: mallory.headers,
    });
    expect(removeCampaign.statusCode).toBe(404);
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages?campaignId=${campaignId}`,
      headers: mallory.headers,
    });
    expect(list.json().data).toEqual([]);
    const outbox = await t.app.inject({ method: 'GET', url: '/api/v1/outbox', headers: mallory.headers });
    expect(outbox.json()).toMatchObject({ messages: 0, credits: '0', byCampaign: [] });
    // Mallory's Remove outbox leaves Alice's messages alone.
    const remove = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: mallory.headers });
    expect(remove.json()).toEqual({ canceled: 0, releasedCredits: '0' });
    const mine = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages/${messageId}`,
      headers: alice.headers,
    });
    expect(mine.json().status).toBe('queued');
  });

  it('pages through messages newest first, by status and campaign, with a cursor', async () => {
    for (let i = 0; i < 4; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: alice.headers,
        payload: { to: deliverable(), text: `page ${i}` },
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/messages?limit=2${query}`,
        headers: alice.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      seen.push(...page.data.map((m: { id: string }) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const byCampaign = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages?campaignId=${campaignId}`,
      headers: alice.headers,
    });
    expect(byCampaign.json().data).toHaveLength(1);
    const queued = await t.app.inject({
      method: 'GET',
      url: '/api/v1/messages?status=queued',
      headers: alice.headers,
    });
    expect(queued.json().data.length).toBe(7);
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/v1/messages?cursor=nonsense',
      headers: alice.headers,
    });
    expect(bad.statusCode).toBe(400);
    const badStatus = await t.app.inject({
      method: 'GET',
      url: '/api/v1/messages?status=lost',
      headers: alice.headers,
    });
    expect(badStatus.statusCode).toBe(400);
  });
});
