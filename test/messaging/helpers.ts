// Shared set-up for the messaging tests: an app whose carriers take messages as fast as they
// come, credit granted the way an operator would, and a driver that dispatches until nothing
// is due and every receipt is applied.
import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { parseCredits } from '../../src/ledger/amounts.js';
import { dispatchDue } from '../../src/messaging/dispatch.js';
import { startDispatcher } from '../../src/messaging/dispatcher.js';
import { adminSession, type Customer, readyCustomer } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

export const FAST = { MESSAGE_CARRIER_TPS: '1000000' };

export async function messagingApp(env: Record<string, string> = {}): Promise<TestApp> {
  return createTestApp({ env: { ...FAST, ...env } });
}

export async function closeApp(t: TestApp): Promise<void> {
  await t.ctx.messaging.close();
  await t.close();
}

let grants = 0;

/** Credit from the operator's grants account (what a purchase or an adjustment would do). */
export async function grant(t: TestApp, accountId: string, credits: string): Promise<void> {
  await t.ctx.ledger.apply([
    {
      type: 'transfer',
      id: `test_grant_${process.pid}_${Date.now()}_${grants++}`,
      debit: { system: 'grants' },
      credit: accountId,
      amount: parseCredits(credits),
      code: 'grant',
    },
  ]);
}

/** A ready customer with their default country set (numbers without + are Spanish). */
export async function customerWithCredit(t: TestApp, credits: string | null): Promise<Customer> {
  const customer = await readyCustomer(t);
  const prefs = await t.app.inject({
    method: 'PUT',
    url: '/api/v1/account/preferences',
    headers: customer.headers,
    payload: { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'en' },
  });
  expect(prefs.statusCode, prefs.body).toBe(200);
  if (credits !== null) await grant(t, customer.accountId, credits);
  return customer;
}

export async function balanceOf(t: TestApp, accountId: string) {
  const balance = await t.ctx.ledger.balance(accountId);
  if (!balance) throw new Error(`no ledger account ${accountId}`);
  return balance;
}

/** An operator's adjustment in the account's favour, through the admin API (it tells credit.arrived). */
export async function topUp(
  t: TestApp,
  accountId: string,
  credits: string,
  reason = 'top-up',
): Promise<void> {
  const ops = await adminSession(t);
  const adjusted = await t.app.inject({
    method: 'POST',
    url: `/api/v1/admin/accounts/${accountId}/adjustments`,
    headers: ops.headers,
    payload: { credits, reason },
  });
  expect(adjusted.statusCode, adjusted.body).toBeLessThan(300);
}

/** Dispatches until nothing is due, applying receipts as they come. */
export async function dispatchAll(t: TestApp): Promise<void> {
  for (let round = 0; round < 1_000; round++) {
    const report = await dispatchDue(t.ctx, { budgetMs: 60_000 });
    await t.ctx.messaging.receipts.drain();
    if (report.claimed === 0) return;
  }
  throw new Error('dispatch did not settle');
}

export async function expectLedgerClean(t: TestApp): Promise<void> {
  const report = await auditLedger(t.ctx.db);
  expect(report.problems).toEqual([]);
}

export async function transferIds(t: TestApp, like: string): Promise<string[]> {
  const { rows } = await t.ctx.db.query<{ id: string }>(
    'select id from ledger_transfers where id like $1 order by id',
    [like],
  );
  return rows.map((r) => r.id);
}

/** A GSM-7 text of exactly n parts (160 septets fit one; split, each part takes 153). */
export function gsmText(parts: number): string {
  if (parts === 1) return 'Hello from Tollgate';
  return 'x'.repeat(Math.max(161, 153 * (parts - 1) + 1));
}

/** A Spanish mobile number the simulator delivers to (it never ends in 0000). */
export function deliverable(): string {
  return `+346${String(randomInt(0, 10_000_000)).padStart(7, '0')}1`;
}

/** A Spanish mobile number the simulator fails. */
export function undeliverable(): string {
  return `+346${String(randomInt(0, 10_000)).padStart(4, '0')}0000`;
}

/**
 * Remove outbox (DELETE /outbox) while the real dispatcher loop runs, as soon as `ready` says
 * enough has gone out; then the dispatcher stops and whatever is still due is dispatched.
 * Answers the removal's body. Should it be refused, the failure shows what the server logged as
 * errors: the race is hard to meet outside a loaded machine.
 */
export async function removeOutboxWhileDispatching(
  t: TestApp,
  who: Customer,
  ready: () => Promise<boolean>,
): Promise<{ canceled: number; releasedCredits: string }> {
  const dispatcher = startDispatcher(t.ctx);
  while (!(await ready())) await new Promise((resolve) => setTimeout(resolve, 10));
  const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: who.headers });
  await dispatcher.stop();
  await dispatchAll(t);
  const errors = t.logs.filter((line) => line.includes('"level":50')).join('\n');
  expect(removed.statusCode, `${removed.body}\n${errors}`).toBe(200);
  return removed.json();
}
