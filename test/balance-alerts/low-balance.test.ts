// The low-balance alert: e-mailed once per crossing of the limit (default 10% of the last
// purchase, or the customer's number), again only after the balance rose above it; decided from
// the ledger's signal by the database, so two processes crossing together send it once; its
// limit and switch in the preferences, with bad input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceAlertsOf, sweepBalanceAlerts, watchBalanceAlerts } from '../../src/balance-alerts/index.js';
import { type AppContext, createContext } from '../../src/context.js';
import type { Db } from '../../src/db/types.js';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import type { BatchedWriter } from '../../src/ledger/batched-writer.js';
import { type Customer, readyCustomer } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { deliverable } from '../messaging/helpers.js';
import { creditedPurchase } from '../purchases/helpers.js';

let n = 0;

describe('the low-balance alert', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No mail server answers: the e-mails stay in the outbox with their bodies, to be read here.
    t = await createTestApp({
      env: {
        WEBHOOK_PRIVATE_ADDRESSES: 'allow',
        PUBLIC_URL: 'https://portal.example',
        SMTP_URL: 'smtp://127.0.0.1:9',
      },
    });
  });
  afterAll(() => t?.close());

  const idle = async (ctx: AppContext = t.ctx) => {
    await balanceAlertsOf(ctx)?.idle();
  };
  /** Spends credits through a batched writer, as the hot path does. */
  const spend = async (accountId: string, credits: string, writer: BatchedWriter = t.ctx.writer) => {
    const result = await writer.submit({
      type: 'transfer',
      id: `spend_${++n}_${Math.random().toString(36).slice(2)}`,
      debit: accountId,
      credit: { system: 'consumption' },
      amount: BigInt(Math.round(Number(credits) * 1_000_000)),
      code: 'consumption',
    });
    expect(result.ok).toBe(true);
  };
  const alerts = async (customer: Customer) =>
    (
      await t.ctx.db.query<{ subject: string; text_body: string | null }>(
        "select subject, text_body from email_outbox where to_address = $1 and template = 'low_balance' order by created_at, id",
        [customer.email],
      )
    ).rows;
  const available = async (accountId: string) => (await t.ctx.ledger.balance(accountId))?.available ?? 0n;
  const putPreferences = (customer: Customer, extra: Record<string, unknown>) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/preferences',
      headers: customer.headers,
      payload: { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'en', ...extra },
    });

  it('is sent once when available credit falls to 10% of the last purchase, and again only after recovery', async () => {
    const alice = await readyCustomer(t);
    const hook = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/webhooks/messages',
      headers: alice.headers,
      payload: { url: 'http://127.0.0.1:9/hooks' },
    });
    expect(hook.statusCode, hook.body).toBe(200);
    await creditedPurchase(t, alice, '1000');
    await spend(alice.accountId, '850');
    await idle();
    expect(await alerts(alice)).toEqual([]);
    // 150 -> 100: at the limit (100 = 10% of 1000).
    await spend(alice.accountId, '50');
    await idle();
    const first = await alerts(alice);
    expect(first).toHaveLength(1);
    expect(first[0]?.subject).toBe('Low balance: 100 credits left');
    expect(first[0]?.text_body).toContain('alert limit of 100 (10% of your last purchase)');
    expect(first[0]?.text_body).toContain('https://portal.example/buy');
    // Still below, many times: no second e-mail.
    for (let i = 0; i < 5; i++) await spend(alice.accountId, '10');
    await idle();
    expect(await alerts(alice)).toHaveLength(1);
    const events = await t.ctx.db.query<{ payload: string }>(
      "select payload from webhook_deliveries where account_id = $1 and event_type = 'balance.low'",
      [alice.accountId],
    );
    expect(events.rows.map((r) => JSON.parse(r.payload).data)).toEqual([
      { credits: '100', held: '0', available: '100', lowBalanceAlertCredits: '100' },
    ]);
    const view = (
      await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: alice.headers })
    ).json();
    expect(view.lowBalanceAlert).toEqual({ limit: '100', defaultRule: true, armed: false });

    // Recovery: a purchase of 200 (limit now 20) lifts available to 250, above it: re-armed.
    await creditedPurchase(t, alice, '200');
    await idle();
    expect(await available(alice.accountId)).toBe(250n * MICROS_PER_CREDIT);
    const rearmed = (
      await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: alice.headers })
    ).json();
    expect(rearmed.lowBalanceAlert).toEqual({ limit: '20', defaultRule: true, armed: true });
    await spend(alice.accountId, '200');
    await idle();
    expect(await alerts(alice)).toHaveLength(1);
    await spend(alice.accountId, '30');
    await idle();
    const second = await alerts(alice);
    expect(second).toHaveLength(2);
    expect(second[1]?.subject).toBe('Low balance: 20 credits left');
  });

  it('follows the limit and the switch of the preferences, and refuses bad input', async () => {
    const bob = await readyCustomer(t);
    await creditedPurchase(t, bob, '1000');
    for (const bad of ['-5', 'lots', '1.1234567', -1, '2000000000']) {
      const res = await putPreferences(bob, { lowBalanceAlertCredits: bad });
      expect(res.statusCode, String(bad)).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ path: 'body.lowBalanceAlertCredits' }] },
      });
    }
    const notSaved = (
      await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: bob.headers })
    ).json();
    expect(notSaved.preferences).toMatchObject({
      lowBalanceAlertEnabled: true,
      lowBalanceAlertCredits: null,
    });

    const set = await putPreferences(bob, { lowBalanceAlertCredits: '600' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().preferences).toMatchObject({
      lowBalanceAlertCredits: '600',
      lowBalanceAlertEnabled: true,
    });
    expect(set.json().lowBalanceAlert).toEqual({ limit: '600', defaultRule: false, armed: true });
    await spend(bob.accountId, '300');
    await idle();
    expect(await alerts(bob)).toEqual([]);
    await spend(bob.accountId, '100');
    await idle();
    expect(await alerts(bob)).toHaveLength(1);
    expect((await alerts(bob))[0]?.text_body).not.toContain('10%');

    // Off: a crossing after re-arming sends nothing.
    await t.ctx.ledger.apply([
      {
        type: 'transfer',
        id: `grant_${++n}`,
        debit: { system: 'grants' },
        credit: bob.accountId,
        amount: 1000n * MICROS_PER_CREDIT,
        code: 'grant',
      },
    ]);
    await idle();
    const off = await putPreferences(bob, { lowBalanceAlertEnabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().preferences).toMatchObject({
      lowBalanceAlertEnabled: false,
      lowBalanceAlertCredits: '600',
    });
    await spend(bob.accountId, '1000');
    await idle();
    expect(await alerts(bob)).toHaveLength(1);

    // Back on while below the limit: told at once, not at the next send.
    const on = await putPreferences(bob, { lowBalanceAlertEnabled: true, lowBalanceAlertCredits: null });
    expect(on.statusCode, on.body).toBe(200);
    await idle();
    expect(await alerts(bob)).toHaveLength(1); // the default limit is 100: 600 available is above
    const raised = await putPreferences(bob, { lowBalanceAlertCredits: 700 });
    expect(raised.statusCode, raised.body).toBe(200);
    await idle();
    expect(await alerts(bob)).toHaveLength(2);
  });

  it('is sent by a single send through the API that crosses the limit', async () => {
    const carol = await readyCustomer(t);
    await creditedPurchase(t, carol, '1000');
    const limit = (await available(carol.accountId)) - 1n; // the next message crosses it
    const set = await putPreferences(carol, {
      lowBalanceAlertCredits: (Number(limit) / 1_000_000).toFixed(6),
    });
    expect(set.statusCode, set.body).toBe(200);
    await idle();
    expect(await alerts(carol)).toEqual([]);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: carol.headers,
      payload: { to: deliverable(), text: 'hello' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    await idle();
    expect(await alerts(carol)).toHaveLength(1);
  });

  it('is sent once when two processes cross the limit at the same moment', async () => {
    const dave = await readyCustomer(t);
    await creditedPurchase(t, dave, '1000');
    // A second process: its own context, pool, writer and watcher on the same database.
    const otherDb: Db = t.testDb.url ? await t.testDb.openAnother(8) : t.ctx.db;
    const other = createContext(t.ctx.config, otherDb, t.ctx.logger);
    // On PGlite both contexts share the one database object, so both watchers hear every write.
    const stopOther = watchBalanceAlerts(other);
    try {
      await spend(dave.accountId, '880');
      await idle();
      await idle(other);
      // 120 available: many debits of 1 from both processes, about half each, cross 100 together.
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => spend(dave.accountId, '1', i % 2 ? other.writer : t.ctx.writer)),
      );
      await Promise.all([idle(), idle(other)]);
      expect(await available(dave.accountId)).toBe(60n * MICROS_PER_CREDIT);
      expect(await alerts(dave)).toHaveLength(1);
    } finally {
      stopOther();
      await other.writer.close();
      await other.messaging.close();
      if (otherDb !== t.ctx.db) await otherDb.close();
    }
  });

  it('tells nothing for a debit that rolls back', async () => {
    const erin = await readyCustomer(t);
    await creditedPurchase(t, erin, '1000');
    await expect(
      t.ctx.db.transaction(async (tx) => {
        await t.ctx.ledger.apply(
          [
            {
              type: 'transfer',
              id: `spend_${++n}`,
              debit: erin.accountId,
              credit: { system: 'consumption' },
              amount: 950n * MICROS_PER_CREDIT,
              code: 'consumption',
            },
          ],
          tx,
        );
        throw new Error('the send failed');
      }),
    ).rejects.toThrow('the send failed');
    await idle();
    expect(await alerts(erin)).toEqual([]);
    const row = await t.ctx.db.query('select armed from balance_alerts where account_id = $1', [
      erin.accountId,
    ]);
    expect(row.rows).toEqual([]);
  });

  it('catches up a crossing no process heard, once, with the worker’s sweep', async () => {
    const fay = await readyCustomer(t);
    await creditedPurchase(t, fay, '1000');
    // As if the process died between the commit and the alert: nobody listens.
    watchBalanceAlerts(t.ctx)();
    try {
      await spend(fay.accountId, '950');
      expect(await alerts(fay)).toEqual([]);
      const first = await sweepBalanceAlerts(t.ctx);
      expect(first.alerted).toBeGreaterThanOrEqual(1);
      expect(await alerts(fay)).toHaveLength(1);
      // Again, and by a second worker at the same moment: nothing more.
      await Promise.all([sweepBalanceAlerts(t.ctx), sweepBalanceAlerts(t.ctx)]);
      expect(await alerts(fay)).toHaveLength(1);
      // Recovered with nobody listening: the sweep re-arms it.
      await creditedPurchase(t, fay, '1000');
      const recovered = await sweepBalanceAlerts(t.ctx);
      expect(recovered.rearmed).toBeGreaterThanOrEqual(1);
      const armed = await t.ctx.db.query<{ armed: boolean }>(
        'select armed from balance_alerts where account_id = $1',
        [fay.accountId],
      );
      expect(armed.rows).toEqual([{ armed: true }]);
    } finally {
      watchBalanceAlerts(t.ctx);
    }
  });
});
