// What the automatic refill tests share: a customer with a saved card (through the Stripe
// sandbox's setup page), credit granted, a rule saved through the API, spending that lowers the
// available credit the way sends do (through the ledger, which tells the trigger), a clock the
// test moves, and the e-mails and charges to count.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { parseCredits } from '../../src/ledger/amounts.js';
import { refillTrigger } from '../../src/refills/index.js';
import { type Customer, readyCustomer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { saveCardViaSetup, type StripeTest } from '../purchases/stripe/helpers.js';

export interface RuleFields {
  enabled?: boolean;
  thresholdCredits?: string | number;
  rechargeCredits?: string | number;
  maxRechargesPer30Days?: number;
  cardId?: string;
}

let moves = 0;

/** Credits from the grants account (what an operator's grant does). */
export async function grant(t: TestApp, accountId: string, credits: string): Promise<void> {
  await t.ctx.ledger.apply([
    {
      type: 'transfer',
      id: `test_grant_${process.pid}_${Date.now()}_${moves++}`,
      debit: { system: 'grants' },
      credit: accountId,
      amount: parseCredits(credits),
      code: 'grant',
    },
  ]);
}

/** Credits consumed at once (a posted debit): lowers available credit and tells the trigger. */
export async function spend(t: TestApp, accountId: string, credits: string): Promise<void> {
  await t.ctx.ledger.apply([
    {
      type: 'transfer',
      id: `test_spend_${process.pid}_${Date.now()}_${moves++}`,
      debit: accountId,
      credit: { system: 'consumption' },
      amount: parseCredits(credits),
      code: 'consumption',
    },
  ]);
}

export async function putRule(t: TestApp, who: Customer, fields: RuleFields) {
  return t.app.inject({
    method: 'PUT',
    url: '/api/v1/auto-refill',
    headers: who.headers,
    payload: fields as Record<string, unknown>,
  });
}

export async function getRule(t: TestApp, who: Customer) {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/auto-refill', headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export interface RefillCustomer {
  who: Customer;
  cardId: string;
}

/** A customer with `credits`, a card saved from `number`, and (unless rule is null) a rule saved. */
export async function refillCustomer(
  s: StripeTest,
  {
    number = '4242424242424242',
    credits = '150',
    rule = {},
  }: { number?: string; credits?: string; rule?: RuleFields | null } = {},
): Promise<RefillCustomer> {
  const who = await readyCustomer(s.t);
  const prefs = await s.t.app.inject({
    method: 'PUT',
    url: '/api/v1/account/preferences',
    headers: who.headers,
    payload: { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'en' },
  });
  expect(prefs.statusCode, prefs.body).toBe(200);
  const cardId = await saveCardViaSetup(s, who, number);
  if (credits !== '0') await grant(s.t, who.accountId, credits);
  if (rule !== null) {
    const res = await putRule(s.t, who, {
      enabled: true,
      thresholdCredits: '100',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 5,
      cardId,
      ...rule,
    });
    expect(res.statusCode, res.body).toBe(200);
    await settled(s);
  }
  return { who, cardId };
}

/** Every refill start under way finished, and the sandbox's webhooks delivered and answered. */
export async function settled(s: StripeTest): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await refillTrigger(s.t.ctx).idle();
    await s.sandbox.control.settle();
  }
  await refillTrigger(s.t.ctx).idle();
}

export interface StoredRefill {
  id: string;
  status: string;
  provider_status: string | null;
  provider_ref: string | null;
  checkout_url: string | null;
  failure_reason: string | null;
  created_at: Date;
}

export async function refillsOf(t: TestApp, accountId: string): Promise<StoredRefill[]> {
  const { rows } = await t.ctx.db.query<StoredRefill>(
    `select id, status, provider_status, provider_ref, checkout_url, failure_reason, created_at from purchases
      where account_id = $1 and source = 'auto_refill' order by created_at, id`,
    [accountId],
  );
  return rows;
}

/** The e-mails written to the outbox for this customer, by template, oldest first. */
export async function mailsOf(t: TestApp, who: Customer, prefix = 'auto_refill_') {
  const { rows } = await t.ctx.db.query<{ template: string; subject: string; text_body: string }>(
    `select template, subject, text_body from email_outbox
      where to_address = $1 and template like $2 order by created_at, id`,
    [who.email, `${prefix}%`],
  );
  return rows;
}

/** A data folder of the test file's own: its e-mails are written there as files. */
export function dataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tollgate-refills-'));
}

/** The plain text of every e-mail sent to this customer (the outbox emptied first). */
export async function sentTextsOf(t: TestApp, who: Customer): Promise<string[]> {
  await t.ctx.mailer.drain();
  await t.ctx.mailer.sendDue();
  const dir = path.join(t.ctx.config.dataDir, 'mail');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.txt'))
    .sort();
  return files
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .filter((text) => text.startsWith(`To: ${who.email}\n`));
}

/** PaymentIntents the sandbox made for this customer's purchases, by status. */
export async function intentsOf(s: StripeTest, accountId: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const event of s.sandbox.control.events()) {
    const object = event.data.object as { id?: string; object?: string; metadata?: Record<string, string> };
    if (object.object === 'payment_intent' && object.metadata?.account_id === accountId && object.id)
      ids.add(object.id);
  }
  return [...ids];
}

/** Charges the sandbox made (succeeded or failed) for this customer. */
export function chargesOf(s: StripeTest, accountId: string, status: 'succeeded' | 'failed'): number {
  return s.sandbox.control.events().filter((event) => {
    const object = event.data.object as { metadata?: Record<string, string> };
    return event.type === `charge.${status}` && object.metadata?.account_id === accountId;
  }).length;
}

/** A clock the test moves: ctx.now reads it. */
export function movableClock(t: TestApp): { advance(ms: number): void; now(): Date } {
  let offset = 0;
  t.ctx.now = () => new Date(Date.now() + offset);
  return {
    advance(ms: number) {
      offset += ms;
    },
    now: () => t.ctx.now(),
  };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
