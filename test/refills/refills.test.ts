// Automatic refills through the API, charged by the Stripe sandbox: the rule and its checks,
// the trigger on a crossing (one refill, one PaymentIntent, one credit), the cap per 30 days,
// declines with back-off and pause, a decline never to retry, a payment that needs
// authentication, a removed card, and a campaign waiting in the outbox that goes out after a
// refill.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registry } from '../../src/metrics.js';
import { markFailed, registerPaymentProvider } from '../../src/purchases/index.js';
import { stripeOf } from '../../src/purchases/providers/stripe/client.js';
import { sweepRefills } from '../../src/refills/index.js';
import { type Customer, newApiKey, readyCustomer } from '../helpers/accounts.js';
import { dispatchAll } from '../messaging/helpers.js';
import {
  authenticate,
  expectLedgerClean,
  location,
  type StripeTest,
  startStripeTest,
} from '../purchases/stripe/helpers.js';
import {
  chargesOf,
  DAY,
  dataDir,
  getRule,
  HOUR,
  intentsOf,
  mailsOf,
  movableClock,
  putRule,
  refillCustomer,
  refillsOf,
  sentTextsOf,
  settled,
  spend,
} from './helpers.js';

let s: StripeTest;

beforeAll(async () => {
  s = await startStripeTest({
    env: { MESSAGE_CARRIER_TPS: '1000000', WEBHOOK_PRIVATE_ADDRESSES: 'allow', DATA_DIR: dataDir() },
  });
});
afterAll(() => s.close());
afterEach(async () => {
  await settled(s);
  s.sandbox.control.reset();
  s.t.ctx.now = () => new Date();
  await expectLedgerClean(s);
});

async function available(accountId: string): Promise<bigint> {
  const balance = await s.t.ctx.ledger.balance(accountId);
  return balance?.available ?? 0n;
}

/** Switches the rule on: a limit of 100 credits, 1,000 per refill, at most 3 in 30 days. */
async function switchOn(who: Customer, cardId: string): Promise<void> {
  const res = await putRule(s.t, who, {
    enabled: true,
    thresholdCredits: '100',
    rechargeCredits: '1000',
    maxRechargesPer30Days: 3,
    cardId,
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** tollgate_auto_refills_total for one outcome, as /metrics serves it. */
async function refillsCounted(outcome: string): Promise<number> {
  const text = await registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`tollgate_auto_refills_total{outcome="${outcome}"} `));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('the rule', () => {
  it('starts switched off with nothing set', async () => {
    const who = await readyCustomer(s.t);
    expect(await getRule(s.t, who)).toEqual({
      enabled: false,
      thresholdCredits: null,
      rechargeCredits: null,
      maxRechargesPer30Days: null,
      cardId: null,
      rechargesLast30Days: 0,
      inFlight: null,
      lastAttempt: null,
      pausedReason: null,
      nextRetryAt: null,
      quote: null,
      authenticationUrl: null,
    });
  });

  it('is saved with a quote of one refill, and answers again the same', async () => {
    const { who, cardId } = await refillCustomer(s, { credits: '500' });
    const rule = await getRule(s.t, who);
    expect(rule).toMatchObject({
      enabled: true,
      thresholdCredits: '100',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 5,
      cardId,
      rechargesLast30Days: 0,
      inFlight: null,
      pausedReason: null,
      quote: {
        credits: '1000',
        subtotal: { amount: 5000, currency: 'EUR' },
        tax: { rate: '21', amount: { amount: 1050, currency: 'EUR' }, treatment: 'domestic' },
        total: { amount: 6050, currency: 'EUR' },
      },
    });
  });

  it('refuses bad input field by field (400 validation_failed) and saves nothing', async () => {
    const { who, cardId } = await refillCustomer(s, { rule: null });
    const other = await refillCustomer(s, { rule: null });
    const good = {
      enabled: true,
      thresholdCredits: '100',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 5,
      cardId,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ thresholdCredits: '-1' }, 'body.thresholdCredits'],
      [{ thresholdCredits: -5 }, 'body.thresholdCredits'],
      [{ thresholdCredits: 'ten' }, 'body.thresholdCredits'],
      [{ rechargeCredits: '99' }, 'body.rechargeCredits'],
      [{ rechargeCredits: '10000001' }, 'body.rechargeCredits'],
      [{ rechargeCredits: '150.5' }, 'body.rechargeCredits'],
      [{ maxRechargesPer30Days: 0 }, 'body.maxRechargesPer30Days'],
      [{ maxRechargesPer30Days: 1000 }, 'body.maxRechargesPer30Days'],
      [{ cardId: other.cardId }, 'body.cardId'],
      [{ cardId: 'pm_doesnotexist' }, 'body.cardId'],
      [{ cardId: 'not a card id' }, 'body.cardId'],
    ];
    for (const [change, path] of cases) {
      const res = await putRule(s.t, who, { ...good, ...change });
      expect(res.statusCode, `${JSON.stringify(change)}: ${res.body}`).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
    // Several at once: each named.
    const many = await putRule(s.t, who, { ...good, thresholdCredits: '-1', cardId: other.cardId });
    expect(
      many
        .json()
        .error.details.fields.map((f: { path: string }) => f.path)
        .sort(),
    ).toEqual(['body.cardId', 'body.thresholdCredits']);
    const { rows } = await s.t.ctx.db.query('select 1 from auto_refill_rules where account_id = $1', [
      who.accountId,
    ]);
    expect(rows).toEqual([]);
    expect((await getRule(s.t, who)).enabled).toBe(false);
  });
});

describe('a crossing', () => {
  it('sends through the API that cross the limit start exactly one refill, charged once and credited once', async () => {
    const { who } = await refillCustomer(s, { credits: '110' });
    const [started, succeeded] = [await refillsCounted('started'), await refillsCounted('succeeded')];
    const mailsBefore = (await mailsOf(s.t, who, '')).length;
    const sends = await Promise.all(
      Array.from({ length: 40 }, () =>
        s.t.app.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: who.headers,
          payload: { to: '+34600000001', text: 'Hello from Tollgate' },
        }),
      ),
    );
    for (const res of sends) expect(res.statusCode, res.body).toBe(202);
    await settled(s);
    const refills = await refillsOf(s.t, who.accountId);
    expect(refills).toHaveLength(1);
    expect(refills[0]?.status).toBe('credited');
    expect(await intentsOf(s, who.accountId)).toHaveLength(1);
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(1);
    const spent = sends.reduce((sum, res) => sum + Number(res.json().credits), 0);
    expect(await available(who.accountId)).toBe(BigInt((110 + 1000 - spent) * 1_000_000));
    // An ordinary purchase, from the automatic refill, in the purchases and the transactions.
    // The list filters by source: the refill is the account's only automatic purchase.
    const bySource = async (source: string) => {
      const res = await s.t.app.inject({
        method: 'GET',
        url: `/api/v1/purchases?source=${source}`,
        headers: who.headers,
      });
      return res.statusCode === 200 ? res.json().data.map((p: { id: string }) => p.id) : res.statusCode;
    };
    expect(await bySource('auto_refill')).toEqual([refills[0]?.id]);
    expect(await bySource('portal')).not.toContain(refills[0]?.id);
    expect(await bySource('elsewhere')).toBe(400);
    const purchases = await s.t.app.inject({ method: 'GET', url: '/api/v1/purchases', headers: who.headers });
    expect(purchases.json().data[0]).toMatchObject({
      id: refills[0]?.id,
      source: 'auto_refill',
      status: 'credited',
      paymentMethod: 'card',
      credits: '1000',
      total: { amount: 6050, currency: 'EUR' },
    });
    const transactions = await s.t.app.inject({
      method: 'GET',
      url: '/api/v1/transactions?type=auto_refill',
      headers: who.headers,
    });
    expect(transactions.json().data).toMatchObject([
      { type: 'auto_refill', credits: '1000', reference: refills[0]?.id },
    ]);
    // One e-mail in all, the refill's (it is the receipt: no purchase_credited beside it).
    expect((await mailsOf(s.t, who, '')).slice(mailsBefore).map((m) => m.template)).toEqual([
      'auto_refill_succeeded',
    ]);
    // What /metrics shows operators moved with it.
    expect(await refillsCounted('started')).toBe(started + 1);
    expect(await refillsCounted('succeeded')).toBe(succeeded + 1);
    expect(await getRule(s.t, who)).toMatchObject({
      rechargesLast30Days: 1,
      inFlight: null,
      lastAttempt: { outcome: 'succeeded', purchaseId: refills[0]?.id, reason: null },
      pausedReason: null,
    });
    // The webhooks that follow, a sweep and more debits above the limit change nothing.
    await sweepRefills(s.t.ctx);
    await spend(s.t, who.accountId, '1');
    await settled(s);
    expect(await refillsOf(s.t, who.accountId)).toHaveLength(1);
  });

  it('a rule switched on at or below its limit starts a refill at once', async () => {
    const { who } = await refillCustomer(s, { credits: '50' });
    const refills = await refillsOf(s.t, who.accountId);
    expect(refills.map((r) => r.status)).toEqual(['credited']);
    expect(await available(who.accountId)).toBe(1_050_000_000n);
  });

  it('a refill that still leaves the account at or below the limit starts the next one, within the cap', async () => {
    const { who } = await refillCustomer(s, {
      credits: '50',
      rule: { thresholdCredits: '1000', rechargeCredits: '100', maxRechargesPer30Days: 3 },
    });
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual([
      'credited',
      'credited',
      'credited',
    ]);
    expect(await available(who.accountId)).toBe(350_000_000n);
    expect((await mailsOf(s.t, who)).map((m) => m.template)).toEqual([
      'auto_refill_succeeded',
      'auto_refill_succeeded',
      'auto_refill_succeeded',
      'auto_refill_cap_reached',
    ]);
    expect(await mailsOf(s.t, who, 'purchase_')).toEqual([]);
  });

  it('e-mails once per refill, and that e-mail is the receipt: tax, total and card, in English and Spanish', async () => {
    const lines = {
      en: [
        'Subject: Automatic refill: 1,000 credits added',
        'Credits: 1,000',
        'Amount: €50.00',
        'Tax (21 %): €10.50',
        'Total: €60.50',
        'Payment method: Card',
        'Your balance is now 1,090 credits.',
        'http://portal.test/refills',
      ],
      es: [
        'Subject: Recarga automática: 1.000 créditos añadidos',
        'Créditos: 1.000',
        'Importe: 50,00 €',
        'Impuestos (21 %): 10,50 €',
        'Total: 60,50 €',
        'Forma de pago: Tarjeta',
        'Su saldo es ahora de 1.090 créditos.',
        'http://portal.test/refills',
      ],
    };
    for (const language of ['en', 'es'] as const) {
      const { who } = await refillCustomer(s, { credits: '150' });
      const res = await s.t.app.inject({
        method: 'PUT',
        url: '/api/v1/account/language',
        headers: who.headers,
        payload: { language },
      });
      expect(res.statusCode, res.body).toBe(200);
      const before = (await mailsOf(s.t, who, '')).length;
      await spend(s.t, who.accountId, '60');
      await settled(s);
      const [refill, ...more] = await refillsOf(s.t, who.accountId);
      expect(more).toEqual([]);
      expect(refill?.status).toBe('credited');
      // Written: the refill's e-mail alone, never a receipt as well.
      expect((await mailsOf(s.t, who, '')).slice(before).map((m) => m.template)).toEqual([
        'auto_refill_succeeded',
      ]);
      // Sent: one e-mail names the purchase, with the receipt's figures and both links.
      const sent = (await sentTextsOf(s.t, who)).filter((text) => text.includes(refill?.id ?? '?'));
      expect(sent).toHaveLength(1);
      const text = (sent[0] ?? '').replace(/[\u00a0\u202f]/g, ' ');
      for (const line of [...lines[language], `http://portal.test/purchases/${refill?.id}`])
        expect(text, language).toContain(line);
    }
  });

  it("its PaymentIntent's webhooks, arriving while the charge is under way, wait for it: Stripe is read once, the purchase credited once", async () => {
    const { who, cardId } = await refillCustomer(s, { credits: '50', rule: null });
    const intents = stripeOf(s.t.ctx).paymentIntents;
    const retrieve = intents.retrieve.bind(intents);
    const reads: string[] = [];
    // The charge's own read of its PaymentIntent lets the webhooks in first and gives them time.
    const spy = vi.spyOn(intents, 'retrieve').mockImplementation((async (id: string, ...rest: unknown[]) => {
      reads.push(id);
      if (reads.length === 1) {
        void s.sandbox.control.releaseEvents('original');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return (retrieve as (...args: unknown[]) => Promise<unknown>)(id, ...rest);
    }) as unknown as typeof intents.retrieve);
    try {
      s.sandbox.control.holdEvents();
      await switchOn(who, cardId);
      await settled(s);
    } finally {
      spy.mockRestore();
    }
    const [intent] = await intentsOf(s, who.accountId);
    expect(reads).toEqual([intent]);
    expect((await refillsOf(s.t, who.accountId)).map((r) => [r.status, r.provider_status])).toEqual([
      ['credited', 'succeeded'],
    ]);
    const { rows } = await s.t.ctx.db.query<{ type: string; done: boolean; last_error: string | null }>(
      `select type, processed_at is not null as done, last_error from stripe_events
        where object_id = $1 and type like 'payment_intent.%' order by type`,
      [intent],
    );
    expect(rows).toEqual([
      { type: 'payment_intent.created', done: true, last_error: null },
      { type: 'payment_intent.succeeded', done: true, last_error: null },
    ]);
    expect(await available(who.accountId)).toBe(1_050_000_000n);
  });

  it('writes the webhook events of its outcome', async () => {
    const { who, cardId } = await refillCustomer(s, { credits: '500', rule: null });
    const hook = await s.t.app.inject({
      method: 'PUT',
      url: '/api/v1/webhooks/messages',
      headers: who.headers,
      payload: { url: 'http://127.0.0.1:9/hooks' },
    });
    expect(hook.statusCode, hook.body).toBe(200);
    await switchOn(who, cardId);
    await spend(s.t, who.accountId, '450');
    await settled(s);
    const { rows } = await s.t.ctx.db.query<{ event_type: string; payload: string }>(
      'select event_type, payload from webhook_deliveries where account_id = $1 order by created_at',
      [who.accountId],
    );
    expect(rows.map((r) => r.event_type).sort()).toEqual(['auto_refill.succeeded', 'purchase.credited']);
    const event = rows.find((r) => r.event_type === 'auto_refill.succeeded');
    expect(JSON.parse(event?.payload ?? '{}').data).toMatchObject({ credits: '1000', balance: '1050' });
  });
});

describe('the cap', () => {
  it('with a maximum of 2 a third crossing in 30 days charges nothing and e-mails once; 30 days later it charges again', async () => {
    const clock = movableClock(s.t);
    const { who } = await refillCustomer(s, {
      credits: '150',
      rule: { thresholdCredits: '100', rechargeCredits: '100', maxRechargesPer30Days: 2 },
    });
    for (const credits of ['60', '100']) {
      await spend(s.t, who.accountId, credits);
      await settled(s);
      clock.advance(DAY);
    }
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual(['credited', 'credited']);
    // 150 - 60 + 100 - 100 + 100 = 190; down to the limit a third time, then more debits.
    await spend(s.t, who.accountId, '100');
    await settled(s);
    for (let i = 0; i < 3; i++) {
      await spend(s.t, who.accountId, '5');
      await sweepRefills(s.t.ctx);
      await settled(s);
    }
    expect(await refillsOf(s.t, who.accountId)).toHaveLength(2);
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(2);
    expect((await mailsOf(s.t, who)).map((m) => m.template)).toEqual([
      'auto_refill_succeeded',
      'auto_refill_succeeded',
      'auto_refill_cap_reached',
    ]);
    expect(await getRule(s.t, who)).toMatchObject({ rechargesLast30Days: 2, pausedReason: 'cap_reached' });
    // Sessions end after 30 days; an API key does not.
    const key = await newApiKey(s.t, who);
    // 30 days after the first refill the window frees a slot: the next debit charges again.
    clock.advance(28 * DAY + HOUR);
    await spend(s.t, who.accountId, '1');
    await settled(s);
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual([
      'credited',
      'credited',
      'credited',
    ]);
    // The second and third refills fill the window again.
    expect(await getRule(s.t, { ...who, headers: key.headers })).toMatchObject({
      lastAttempt: { outcome: 'succeeded' },
      rechargesLast30Days: 2,
      pausedReason: 'cap_reached',
    });
  });
});

describe('declines', () => {
  it('three declines: three e-mails, the back-off respected, then paused; no fourth charge', async () => {
    const clock = movableClock(s.t);
    const { who, cardId } = await refillCustomer(s, { number: '4000000000000341', credits: '150' });
    await spend(s.t, who.accountId, '60');
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(1);
    let rule = await getRule(s.t, who);
    expect(rule).toMatchObject({
      pausedReason: null,
      lastAttempt: { outcome: 'declined', reason: 'generic_decline' },
      inFlight: null,
    });
    expect(new Date(rule.nextRetryAt).getTime() - clock.now().getTime()).toBeGreaterThan(HOUR - 60_000);
    // The e-mail names the next try in the account's time zone (Europe/Madrid), not in UTC.
    const firstRetry = new Date(rule.nextRetryAt);
    const madrid = new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'Europe/Madrid',
    }).format(firstRetry);
    expect((await sentTextsOf(s.t, who)).join('\n')).toMatch(new RegExp(`${madrid} CES?T`));
    // Before the hour: debits and the sweep charge nothing.
    clock.advance(HOUR - 5 * 60_000);
    await spend(s.t, who.accountId, '1');
    await sweepRefills(s.t.ctx);
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(1);
    // After it: the second try, then six hours.
    clock.advance(10 * 60_000);
    await sweepRefills(s.t.ctx);
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(2);
    rule = await getRule(s.t, who);
    expect(new Date(rule.nextRetryAt).getTime() - clock.now().getTime()).toBeGreaterThan(6 * HOUR - 60_000);
    clock.advance(5 * HOUR);
    await sweepRefills(s.t.ctx);
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(2);
    clock.advance(HOUR + 60_000);
    await spend(s.t, who.accountId, '1');
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(3);
    expect(await getRule(s.t, who)).toMatchObject({ pausedReason: 'card_declined', nextRetryAt: null });
    // Paused: days later, nothing more is charged.
    clock.advance(3 * DAY);
    await spend(s.t, who.accountId, '1');
    await sweepRefills(s.t.ctx);
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(3);
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
    const mails = await mailsOf(s.t, who);
    expect(mails.map((m) => m.template)).toEqual([
      'auto_refill_declined',
      'auto_refill_declined',
      'auto_refill_paused',
    ]);
    expect((await sentTextsOf(s.t, who)).join('\n')).toContain('declined by the bank');
    // Saving the rule again (another card) un-pauses it, and it refills at once.
    const good = await refillCustomer(s, { rule: null });
    expect(good.cardId).not.toBe(cardId);
    const again = await putRule(s.t, who, {
      enabled: true,
      thresholdCredits: '100',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 5,
      cardId,
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().pausedReason).toBeNull();
    await settled(s);
    expect(chargesOf(s, who.accountId, 'failed')).toBe(4);
  });

  it('a decline the issuer says never to retry pauses at once', async () => {
    const { who } = await refillCustomer(s, { credits: '500' });
    // The card provider reports a lost card, as Stripe does for 4000 0000 0000 9987.
    const stripe = registerPaymentProvider(s.t.ctx, {
      id: 'stripe',
      method: 'card',
      async startPayment(ctx, input) {
        await markFailed(ctx, input.purchase.id, 'lost_card');
        const { AppError } = await import('../../src/http/errors.js');
        throw new AppError('payment_failed', 'Your card was declined.', { reason: 'lost_card' });
      },
      async cancelPayment() {},
      async refund() {
        throw new Error('not in this test');
      },
    });
    try {
      await spend(s.t, who.accountId, '450');
      await settled(s);
      expect(await getRule(s.t, who)).toMatchObject({
        pausedReason: 'card_declined',
        nextRetryAt: null,
        lastAttempt: { outcome: 'declined', reason: 'lost_card' },
      });
      await spend(s.t, who.accountId, '1');
      await sweepRefills(s.t.ctx);
      await settled(s);
      expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual(['failed']);
      const mails = await mailsOf(s.t, who);
      expect(mails.map((m) => m.template)).toEqual(['auto_refill_paused']);
      expect((await sentTextsOf(s.t, who)).join('\n')).toContain('reported lost');
    } finally {
      if (stripe) registerPaymentProvider(s.t.ctx, stripe);
    }
  });

  it('a card removed pauses the rule (card_removed) and charges nothing', async () => {
    const { who, cardId } = await refillCustomer(s, { credits: '500' });
    const removed = await s.t.app.inject({
      method: 'DELETE',
      url: `/api/v1/cards/${cardId}`,
      headers: who.headers,
    });
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    await spend(s.t, who.accountId, '450');
    await settled(s);
    expect(await getRule(s.t, who)).toMatchObject({ pausedReason: 'card_removed' });
    expect(await intentsOf(s, who.accountId)).toHaveLength(0);
    expect((await mailsOf(s.t, who)).map((m) => m.template)).toEqual(['auto_refill_paused']);
  });
});

describe('authentication required', () => {
  it('one e-mail with the link, the rule waits, no off-session retry; approving credits the account', async () => {
    const { who } = await refillCustomer(s, { number: '4000002760003184', credits: '150' });
    await spend(s.t, who.accountId, '60');
    await settled(s);
    const [refill] = await refillsOf(s.t, who.accountId);
    expect(refill).toMatchObject({ status: 'awaiting_payment', provider_status: 'requires_action' });
    const link = refill?.checkout_url ?? '';
    expect(link).toContain('/authenticate/');
    const rule = await getRule(s.t, who);
    expect(rule).toMatchObject({
      pausedReason: 'authentication_required',
      inFlight: { purchaseId: refill?.id },
      authenticationUrl: link,
    });
    // More debits and sweeps: no new attempt, no second e-mail.
    for (let i = 0; i < 3; i++) {
      await spend(s.t, who.accountId, '5');
      await sweepRefills(s.t.ctx);
      await settled(s);
    }
    expect(await intentsOf(s, who.accountId)).toHaveLength(1);
    const mails = await mailsOf(s.t, who);
    expect(mails.map((m) => m.template)).toEqual(['auto_refill_authentication_required']);
    expect((await sentTextsOf(s.t, who)).join('\n')).toContain(link);
    // The customer follows the link and approves: credited once, back to Tollgate.
    const page = await authenticate(link, 'approve');
    expect(location(page)).toContain(`http://portal.test/purchases/${refill?.id}`);
    await settled(s);
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual(['credited']);
    expect(await available(who.accountId)).toBe(1_075_000_000n);
    expect(await getRule(s.t, who)).toMatchObject({ pausedReason: null, inFlight: null });
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(1);
  });
});

describe('the outbox', () => {
  it('a campaign waiting for credit goes out by itself after a refill', async () => {
    const { who } = await refillCustomer(s, { credits: '120', rule: { thresholdCredits: '10' } });
    const recipients = Array.from({ length: 200 }, (_, i) => ({ to: `+3461${String(i).padStart(6, '0')}1` }));
    const res = await s.t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: who.headers,
      payload: { name: 'spring', text: 'Hello from Tollgate', recipients },
    });
    expect(res.statusCode, res.body).toBe(201);
    const campaignId = res.json().id;
    await settled(s);
    await dispatchAll(s.t);
    await settled(s);
    await dispatchAll(s.t);
    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual(['credited']);
    const campaign = await s.t.app.inject({
      method: 'GET',
      url: `/api/v1/campaigns/${campaignId}`,
      headers: who.headers,
    });
    const counts = campaign.json().counts;
    expect(counts.waiting_credit).toBe(0);
    expect(counts.delivered + counts.sent).toBe(200);
  });
});
