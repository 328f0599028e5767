// GET /usage, the dashboard's charts: messages per day (or hour) of the account's time zone by
// what became of them, and the credits they were charged. The totals equal the detailed rows
// (GET /messages, and the ledger's consumption and refunds); another account's messages never
// show; empty buckets are listed; a day across a change of clocks is one local day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  expectLedgerClean,
  messagingApp,
  undeliverable,
} from './helpers.js';

interface Bucket {
  at: string;
  creditsSpent: string;
  messages: { delivered: number; failed: number; canceled: number; sent: number; pending: number };
}

const micros = (credits: string) => {
  const [whole = '0', fraction = ''] = credits.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return credits.startsWith('-') ? -value : value;
};

describe('GET /usage', () => {
  let t: TestApp;
  let alice: Customer;
  let bob: Customer;
  const realNow = () => new Date();

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '20');
    bob = await customerWithCredit(t, '20');
  });
  afterAll(() => closeApp(t));

  const at = (iso: string) => {
    t.ctx.now = () => new Date(iso);
  };
  const send = async (who: Customer, body: Record<string, unknown>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: who.headers,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json() as { id: string };
  };
  const usage = async (who: Customer, query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/usage${query}`, headers: who.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Bucket[];
  };

  it('counts each message once, in the local day it was created, by its status now', async () => {
    // Europe/Madrid is UTC+1 in November: 22:30Z is still the 2nd there, 23:30Z already the 3rd.
    at('2026-11-02T22:30:00Z');
    await send(alice, { to: deliverable(), text: 'Late on the second' });
    await send(alice, { to: deliverable(), text: 'Also on the second' });
    await send(bob, { to: deliverable(), text: 'Bob on the second' });
    at('2026-11-02T23:30:00Z');
    await send(alice, { to: deliverable(), text: 'Early on the third' });
    await send(alice, { to: undeliverable(), text: 'This one fails' });
    t.ctx.now = realNow;
    await dispatchAll(t);
    at('2026-11-04T09:00:00Z');
    await send(alice, { to: deliverable(), text: 'Removed', scheduleAt: '2027-01-11T09:00:00Z' });
    const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: alice.headers });
    expect(removed.json()).toEqual({ canceled: 1, releasedCredits: '1' });
    await send(alice, { to: deliverable(), text: 'Later', scheduleAt: '2027-01-10T09:00:00Z' });
    t.ctx.now = realNow;

    const days = await usage(alice, '?from=2026-11-01&to=2026-11-05');
    expect(days.map((d) => d.at)).toEqual([
      '2026-10-31T23:00:00.000Z',
      '2026-11-01T23:00:00.000Z',
      '2026-11-02T23:00:00.000Z',
      '2026-11-03T23:00:00.000Z',
      '2026-11-04T23:00:00.000Z',
    ]);
    const none = { delivered: 0, failed: 0, canceled: 0, sent: 0, pending: 0 };
    expect(days.map((d) => [d.creditsSpent, d.messages])).toEqual([
      ['0', none],
      ['2', { ...none, delivered: 2 }],
      ['1', { ...none, delivered: 1, failed: 1 }], // the failed one was refunded
      ['0', { ...none, pending: 1, canceled: 1 }],
      ['0', none],
    ]);
  });

  it('adds up to the detailed rows: GET /messages and the ledger’s consumption and refunds', async () => {
    const days = await usage(alice, '?from=2026-10-01&to=2026-12-31');
    const spent = days.reduce((sum, d) => sum + micros(d.creditsSpent), 0n);
    const counted = days.reduce((sum, d) => sum + Object.values(d.messages).reduce((a, b) => a + b, 0), 0);

    const messages = (
      await t.app.inject({ method: 'GET', url: '/api/v1/messages?limit=500', headers: alice.headers })
    ).json().data as { charged: string }[];
    expect(counted).toBe(messages.length);
    expect(spent).toBe(messages.reduce((sum, m) => sum + micros(m.charged), 0n));

    const transactions = (
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/transactions?type=consumption,refund&limit=500',
        headers: alice.headers,
      })
    ).json().data as { credits: string }[];
    expect(-transactions.reduce((sum, x) => sum + micros(x.credits), 0n)).toBe(spent);
    expect(spent).toBe(3_000_000n);
  });

  it('never shows another account’s messages', async () => {
    const mine = await usage(bob, '?from=2026-11-01&to=2026-11-05');
    expect(mine.map((d) => d.messages.delivered)).toEqual([0, 1, 0, 0, 0]);
    expect(mine.map((d) => d.creditsSpent)).toEqual(['0', '1', '0', '0', '0']);
    const carol = await customerWithCredit(t, null);
    const empty = await usage(carol, '?from=2026-11-01&to=2026-11-05');
    expect(empty.every((d) => d.creditsSpent === '0' && d.messages.delivered === 0)).toBe(true);
  });

  it('gives hours, each real hour once across a change of clocks', async () => {
    const hours = await usage(alice, '?granularity=hour&from=2026-11-02T22:00:00Z&to=2026-11-03T01:00:00Z');
    expect(hours.map((h) => [h.at, h.messages.delivered + h.messages.failed])).toEqual([
      ['2026-11-02T22:00:00.000Z', 2],
      ['2026-11-02T23:00:00.000Z', 2],
      ['2026-11-03T00:00:00.000Z', 0],
    ]);
    // 25 October 2026: clocks in Madrid go back at 03:00 CEST, so 02:00 local happens twice.
    const autumn = await usage(alice, '?granularity=hour&from=2026-10-25T00:00:00Z&to=2026-10-25T02:00:00Z');
    expect(autumn.map((h) => h.at)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    // That local day is 25 hours long: the next one starts at 23:00Z, not 22:00Z.
    const days = await usage(alice, '?from=2026-10-24&to=2026-10-26');
    expect(days.map((d) => d.at)).toEqual([
      '2026-10-23T22:00:00.000Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ]);
  });

  it('defaults to the last 30 days up to today, or the last 24 hours', async () => {
    await send(alice, { to: deliverable(), text: 'Today' });
    const days = await usage(alice, '');
    expect(days).toHaveLength(30);
    const last = days[29];
    expect(new Date(last?.at ?? 0).getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - new Date(last?.at ?? 0).getTime()).toBeLessThan(25 * 3_600_000);
    expect(last?.messages.pending ?? 0).toBeGreaterThanOrEqual(1);
    const hours = await usage(alice, '?granularity=hour');
    expect(hours).toHaveLength(24);
    expect(hours.reduce((n, h) => n + h.messages.pending + h.messages.sent + h.messages.delivered, 0)).toBe(
      1,
    );
    await dispatchAll(t);
    await expectLedgerClean(t);
  });

  it.each([
    ['?from=yesterday', 'querystring.from'],
    ['?from=2026-13-45', 'querystring.from'],
    ['?to=2026-11-02T10:00:00', 'querystring.to'],
    ['?from=2026-11-05&to=2026-11-01', 'querystring.to'],
    ['?from=2020-01-01&to=2026-01-01', 'querystring.from'],
    ['?granularity=hour&from=2026-01-01&to=2026-03-01', 'querystring.from'],
    ['?granularity=week', 'querystring.granularity'],
  ])('refuses %s with a clear error', async (query, path) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/usage${query}`, headers: alice.headers });
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.fields.map((f: { path: string }) => f.path)).toEqual([path]);
  });

  it('needs credentials', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/usage' });
    expect(res.statusCode).toBe(401);
  });
});
