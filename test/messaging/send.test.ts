// Single sends end to end through the simulator: what is charged, when, and how often.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchDue } from '../../src/messaging/dispatch.js';
import { listSimulatedMessages } from '../../src/messaging/carriers/simulator.js';
import { type Customer, newApiKey } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  expectLedgerClean,
  gsmText,
  messagingApp,
  transferIds,
  undeliverable,
} from './helpers.js';

describe('a single send', () => {
  let t: TestApp;
  let alice: Customer;

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '100');
  });
  afterAll(() => closeApp(t));

  const send = (payload: Record<string, unknown>, who: Customer = alice) =>
    t.app.inject({ method: 'POST', url: '/api/v1/messages', headers: who.headers, payload });

  it('is delivered through the simulator and charged exactly segments × price, once', async () => {
    const to = deliverable();
    const res = await send({ to, text: gsmText(2), from: 'Tollgate', reference: 'order-42' });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^msg_/),
      status: 'queued',
      to,
      country: 'ES',
      encoding: 'GSM-7',
      segments: 2,
      credits: '2',
    });
    // Reserved at once: held, not yet charged.
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 100_000_000n,
      held: 2_000_000n,
      available: 98_000_000n,
    });

    await dispatchAll(t);

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages/${body.id}`,
      headers: alice.headers,
    });
    expect(read.statusCode, read.body).toBe(200);
    const message = read.json();
    expect(message).toMatchObject({
      id: body.id,
      status: 'delivered',
      to,
      from: 'Tollgate',
      segments: 2,
      credits: '2',
      price: { creditsPerSegment: '1', prefix: null },
      reference: 'order-42',
      carrier: 'simulator',
      attempts: 1,
      refunded: false,
    });
    expect(message.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 98_000_000n,
      held: 0n,
      available: 98_000_000n,
    });
    expect(await transferIds(t, `%:${body.id}`)).toEqual([`hold:${body.id}`, `post:${body.id}`]);
    const received = await listSimulatedMessages(t.ctx.db, { to, limit: 10 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ to, from: 'Tollgate', text: gsmText(2), status: 'delivered' });
    await expectLedgerClean(t);
  });

  it('prices a Unicode text by UCS-2 parts', async () => {
    const res = await send({ to: deliverable(), text: `Olá 👋 ${'ñ'.repeat(70)}` });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ encoding: 'UCS-2', segments: 2, credits: '2' });
    await dispatchAll(t);
  });

  it('takes national numbers in the account’s default country', async () => {
    const national = deliverable().slice(3);
    const res = await send({ to: national, text: 'hola' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ to: `+34${national}`, country: 'ES' });
    await dispatchAll(t);
  });

  it('to a number ending in 0000 fails, and is refunded exactly once however often the receipt comes', async () => {
    const before = await balanceOf(t, alice.accountId);
    const to = undeliverable();
    const res = await send({ to, text: gsmText(1) });
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json();
    await dispatchAll(t);
    const message = (
      await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: alice.headers })
    ).json();
    expect(message.status).toBe('failed');
    expect(message.refunded).toBe(true);
    expect(message.error).toMatch(/0000/);
    expect(message.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sending',
      'sent',
      'failed',
    ]);
    expect(await balanceOf(t, alice.accountId)).toEqual(before);

    // The carrier repeats its receipt (and, later, even contradicts it): nothing changes.
    const [record] = await t.ctx.db
      .query<{ id: string }>('select id from simulator_messages where message_id = $1', [id])
      .then((r) => r.rows);
    for (const status of ['failed', 'failed', 'delivered'] as const) {
      t.ctx.messaging.receipts.accept('simulator', {
        messageId: id,
        carrierMessageId: record?.id ?? '',
        status,
        at: new Date(),
      });
    }
    await t.ctx.messaging.receipts.drain();
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `post:${id}`, `refund:${id}`]);
    expect(await balanceOf(t, alice.accountId)).toEqual(before);
    const again = (
      await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: alice.headers })
    ).json();
    expect(again.status).toBe('failed');
    await expectLedgerClean(t);
  });

  it('short of credit, `reject` answers 402 with what is required and available, and stores nothing', async () => {
    const bob = await customerWithCredit(t, '1.5');
    const res = await send({ to: deliverable(), text: gsmText(2), onInsufficientCredit: 'reject' }, bob);
    expect(res.statusCode, res.body).toBe(402);
    expect(res.json().error).toMatchObject({
      code: 'insufficient_credit',
      details: { required: '2', available: '1.5' },
    });
    // The default is reject too.
    const byDefault = await send({ to: deliverable(), text: gsmText(2) }, bob);
    expect(byDefault.statusCode).toBe(402);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/messages', headers: bob.headers });
    expect(list.json().data).toEqual([]);
    expect(await balanceOf(t, bob.accountId)).toEqual({
      balance: 1_500_000n,
      held: 0n,
      available: 1_500_000n,
    });
  });

  it('short of credit, `queue` stores the message waiting for credit, holding nothing', async () => {
    const carol = await customerWithCredit(t, '1.5');
    const res = await send({ to: deliverable(), text: gsmText(2), onInsufficientCredit: 'queue' }, carol);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'waiting_credit', credits: '2' });
    expect(await balanceOf(t, carol.accountId)).toEqual({
      balance: 1_500_000n,
      held: 0n,
      available: 1_500_000n,
    });
    const outbox = (
      await t.app.inject({ method: 'GET', url: '/api/v1/outbox', headers: carol.headers })
    ).json();
    expect(outbox).toEqual({
      messages: 1,
      credits: '2',
      reserved: { messages: 0, credits: '0' },
      waitingCredit: { messages: 1, credits: '2' },
      byCampaign: [],
    });
    // The dispatcher leaves it alone: it has no credit reserved.
    expect((await dispatchDue(t.ctx)).claimed).toBe(0);
    // A message that fits still goes at once.
    const small = await send({ to: deliverable(), text: gsmText(1), onInsufficientCredit: 'queue' }, carol);
    expect(small.json()).toMatchObject({ status: 'queued', credits: '1' });
  });

  it('scheduled for later is reserved now and sent only when due', async () => {
    const dave = await customerWithCredit(t, '10');
    const start = Date.now();
    const at = new Date(start + 3_600_000).toISOString();
    const res = await send({ to: deliverable(), text: gsmText(1), scheduleAt: at }, dave);
    expect(res.statusCode, res.body).toBe(202);
    const { id, status } = res.json();
    expect(status).toBe('scheduled');
    expect((await balanceOf(t, dave.accountId)).held).toBe(1_000_000n);
    const read = async () =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: dave.headers })).json();

    const realNow = t.ctx.now;
    try {
      t.ctx.now = () => new Date(start + 3_599_000);
      await dispatchAll(t);
      expect((await read()).status).toBe('scheduled');
      t.ctx.now = () => new Date(start + 3_600_001);
      await dispatchAll(t);
      const message = await read();
      expect(message.status).toBe('delivered');
      expect(message.scheduleAt).toBe(at);
    } finally {
      t.ctx.now = realNow;
    }
    expect(await balanceOf(t, dave.accountId)).toEqual({
      balance: 9_000_000n,
      held: 0n,
      available: 9_000_000n,
    });
    await expectLedgerClean(t);
  });

  it('is refused for a suspended account, charging nothing', async () => {
    const erin = await customerWithCredit(t, '10');
    await t.ctx.db.query(`update accounts set status = 'suspended', suspended_at = now() where id = $1`, [
      erin.accountId,
    ]);
    const res = await send({ to: deliverable(), text: 'hi' }, erin);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.details.reason).toBe('account_suspended');
    expect(await balanceOf(t, erin.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
  });
});

describe('a single send with an Idempotency-Key', () => {
  let t: TestApp;
  let alice: Customer;

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '10');
  });
  afterAll(() => closeApp(t));

  const send = (key: string, payload: Record<string, unknown>, who: Customer = alice) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { ...who.headers, 'idempotency-key': key },
      payload,
    });
  const countMessages = async (accountId: string) => {
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      'select count(*)::bigint as n from messages where account_id = $1',
      [accountId],
    );
    return rows[0]?.n;
  };

  it('sends once and answers a retry with the first answer', async () => {
    const payload = { to: deliverable(), text: 'only once' };
    const first = await send('key-1', payload);
    expect(first.statusCode, first.body).toBe(202);
    const again = await send('key-1', payload);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await countMessages(alice.accountId)).toBe(1n);
    expect((await balanceOf(t, alice.accountId)).held).toBe(1_000_000n);
  });

  it('refuses the same key with another message', async () => {
    await send('key-2', { to: deliverable(), text: 'first' });
    const other = await send('key-2', { to: deliverable(), text: 'second' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
  });

  it('a retry that takes over a key whose first request died finds that request’s message', async () => {
    const { sendMessage } = await import('../../src/messaging/send-message.js');
    const payload = { to: deliverable(), text: 'half done' };
    // The first request stored its message and hold, then its process died before answering.
    const orphan = await sendMessage(t.ctx, alice.accountId, payload, { idempotencyKey: 'key-3' });
    const before = await countMessages(alice.accountId);
    const retry = await send('key-3', payload);
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json().id).toBe(orphan.id);
    expect(await countMessages(alice.accountId)).toBe(before);
    expect(await transferIds(t, `%:${orphan.id}`)).toEqual([`hold:${orphan.id}`]);
  });

  it('does not remember a refusal for lack of credit: the same key goes through once credit arrives', async () => {
    const bob = await customerWithCredit(t, null);
    const payload = { to: deliverable(), text: 'later' };
    expect((await send('key-4', payload, bob)).statusCode).toBe(402);
    const { grant } = await import('./helpers.js');
    await grant(t, bob.accountId, '1');
    const retry = await send('key-4', payload, bob);
    expect(retry.statusCode, retry.body).toBe(202);
    expect(await countMessages(bob.accountId)).toBe(1n);
  });
});

describe('with MESSAGE_REFUND_UNDELIVERED=false', () => {
  let t: TestApp;
  afterAll(() => closeApp(t));

  it('an undelivered message stays charged, and nothing is refunded', async () => {
    t = await messagingApp({ MESSAGE_REFUND_UNDELIVERED: 'false' });
    const frank = await customerWithCredit(t, '5');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: frank.headers,
      payload: { to: undeliverable(), text: 'hi' },
    });
    const { id } = res.json();
    await dispatchAll(t);
    const message = (
      await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: frank.headers })
    ).json();
    expect(message).toMatchObject({ status: 'failed', refunded: false });
    expect(await balanceOf(t, frank.accountId)).toEqual({
      balance: 4_000_000n,
      held: 0n,
      available: 4_000_000n,
    });
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `post:${id}`]);
    await expectLedgerClean(t);
  });
});

describe('a single send with an API key', () => {
  let t: TestApp;
  let frank: Customer;
  let key: { id: string; key: string; headers: Record<string, string> };

  beforeAll(async () => {
    t = await messagingApp();
    frank = await customerWithCredit(t, '100');
    key = await newApiKey(t, frank);
  });
  afterAll(() => closeApp(t));

  const send = (payload: Record<string, unknown>, headers = key.headers) =>
    t.app.inject({ method: 'POST', url: '/api/v1/messages', headers, payload });

  it('reads a national number in the default country the account has at that moment', async () => {
    await t.ctx.db.query(`update accounts set country = 'ES' where id = $1`, [frank.accountId]);
    const es = await send({ to: '612 345 671', text: 'hi' });
    expect(es.statusCode, es.body).toBe(202);
    expect(es.json()).toMatchObject({ to: '+34612345671', country: 'ES' });
    await t.ctx.db.query(`update accounts set country = 'FR' where id = $1`, [frank.accountId]);
    const fr = await send({ to: '0612345678', text: 'hi' });
    expect(fr.statusCode, fr.body).toBe(202);
    expect(fr.json()).toMatchObject({ to: '+33612345678', country: 'FR' });
  });

  it('is refused as soon as the account is suspended, and accepted as soon as it is active again', async () => {
    const before = await balanceOf(t, frank.accountId);
    await t.ctx.db.query(`update accounts set status = 'suspended', suspended_at = now() where id = $1`, [
      frank.accountId,
    ]);
    const refused = await send({ to: deliverable(), text: 'hi' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().error.details.reason).toBe('account_suspended');
    expect(await balanceOf(t, frank.accountId)).toEqual(before);
    await t.ctx.db.query(`update accounts set status = 'active', suspended_at = null where id = $1`, [
      frank.accountId,
    ]);
    expect((await send({ to: deliverable(), text: 'hi' })).statusCode).toBe(202);
  });

  it('checks the key of many concurrent sends in a few statements, each answered for its own key', async () => {
    const other = await customerWithCredit(t, '100');
    const otherKey = await newApiKey(t, other);
    const realQuery = t.ctx.db.query.bind(t.ctx.db);
    let lookups = 0;
    t.ctx.db.query = ((sql: string, params?: readonly unknown[]) => {
      if (sql.includes('from api_keys k')) lookups++;
      return realQuery(sql, params);
    }) as typeof t.ctx.db.query;
    try {
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          send({ to: deliverable(), text: `n${i}` }, i % 2 === 0 ? key.headers : otherKey.headers),
        ),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
      expect(lookups).toBeGreaterThan(0);
      expect(lookups).toBeLessThan(10);
      const mine = await t.app.inject({
        method: 'GET',
        url: '/api/v1/messages?limit=500',
        headers: otherKey.headers,
      });
      const texts = (mine.json().data as { text: string }[]).map((m) => m.text);
      expect(texts.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `n${2 * i + 1}`).sort());
    } finally {
      t.ctx.db.query = realQuery;
    }
  });

  it('stops working at once when revoked, even for sends already arriving', async () => {
    const spare = await newApiKey(t, frank, 'spare');
    const first = await send({ to: deliverable(), text: 'hi' }, spare.headers);
    expect(first.statusCode).toBe(202);
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${spare.id}`,
      headers: frank.headers,
    });
    expect(revoked.statusCode, revoked.body).toBeLessThan(300);
    const after = await Promise.all(
      Array.from({ length: 5 }, () => send({ to: deliverable(), text: 'hi' }, spare.headers)),
    );
    expect(after.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 401]);
  });

  it('logs each request once, with its status and time and without the key', async () => {
    const res = await send({ to: deliverable(), text: 'hi' });
    const requestId = res.headers['x-request-id'];
    const lines = t.logs.filter((line) => line.includes(String(requestId)));
    const answered = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(answered).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/api/v1/messages',
        statusCode: 202,
        ms: expect.any(Number),
      }),
    ]);
    expect(t.logs.some((line) => line.includes(key.key))).toBe(false);
  });
});
