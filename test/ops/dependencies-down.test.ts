// The SMTP server and Stripe's API go down while customers sign up and buy, then come back.
// While they are down every request gets an answer in our error shape (never a 500) and
// GET /health/ready names what is down; when they return every e-mail goes out exactly once,
// each card purchase settles once (charged once, credited once), and the ledger is whole.
//
// Each thing a customer does during the outage is a case: `during` runs it with both down and
// says what it expects to see afterwards, `after` checks that once both are back. Automatic
// refills join as one more case (a crossing during the outage: no charge, no 500; after: one
// refill, one charge, its e-mail once).
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredits } from '../../src/ledger/amounts.js';
import { stripeOf } from '../../src/purchases/providers/stripe/client.js';
import { convergeCardPayments } from '../../src/purchases/providers/stripe/jobs.js';
import { refillTrigger } from '../../src/refills/index.js';
import { type Customer, randomIp, readyCustomer, uniqueEmail } from '../helpers/accounts.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import {
  balanceOf,
  buy,
  charges,
  expectLedgerClean,
  saveCardViaSetup,
  type StripeTest,
  startStripeTest,
  storedPurchase,
  submitCheckout,
} from '../purchases/stripe/helpers.js';

let smtp: TestSmtp;
let s: StripeTest;
/** Every answer given while a dependency was down. */
const answers: { what: string; res: LightMyRequestResponse }[] = [];

beforeAll(async () => {
  smtp = await startTestSmtp();
  s = await startStripeTest({
    env: {
      SMTP_URL: smtp.url,
      // One retry, so a request meeting the outage answers within a second or two.
      STRIPE_MAX_NETWORK_RETRIES: '1',
      HEALTH_READY_CACHE_MS: '0',
    },
  });
});
afterAll(async () => {
  await s?.close();
  await smtp?.close();
});

async function grant(t: StripeTest['t'], accountId: string, credits: string): Promise<void> {
  await t.ctx.ledger.apply([
    {
      type: 'transfer',
      id: `outage_grant_${accountId}`,
      debit: { system: 'grants' },
      credit: accountId,
      amount: parseCredits(credits),
      code: 'grant',
    },
  ]);
}

/** Charges made at the sandbox for one account (several cases settle in the same worker run). */
function chargesOf(accountId: string): number {
  return s.sandbox.control.events().filter((event) => {
    const object = event.data.object as { metadata?: Record<string, string> };
    return event.type === 'charge.succeeded' && object.metadata?.account_id === accountId;
  }).length;
}

async function call(what: string, res: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const answer = await res;
  answers.push({ what, res: answer });
  return answer;
}

function ready() {
  return s.t.app.inject({ method: 'GET', url: '/health/ready' });
}

interface Case {
  name: string;
  /** Before the outage (both dependencies up). */
  before?: () => Promise<void>;
  /** With SMTP and Stripe down. */
  during: () => Promise<void>;
  /** Both back, the worker's jobs run: what must be true now. */
  after: () => Promise<void>;
}

/** A sign-up: answered at once; its verification e-mail waits and goes out once. */
function signUpCase(): Case {
  const email = uniqueEmail('outage-signup');
  return {
    name: 'sign-up',
    during: async () => {
      const res = await call(
        'sign-up',
        s.t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/signup',
          payload: { email, password: 'correct horse battery', name: 'Outage Customer' },
          remoteAddress: randomIp(),
        }),
      );
      expect(res.statusCode, res.body).toBe(201);
      await s.t.ctx.mailer.drain();
      expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(0);
    },
    after: async () => {
      const mail = await smtp.waitFor((m) => m.to.includes(email), 10_000);
      expect(mail.text).toContain('/verify-email?token=');
      expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
    },
  };
}

/** A password reset asked for: 202 at once; the link goes out once. */
function passwordResetCase(): Case {
  let who: Customer;
  return {
    name: 'password reset',
    before: async () => {
      who = await readyCustomer(s.t);
    },
    during: async () => {
      const res = await call(
        'password reset',
        s.t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password-reset',
          payload: { email: who.email },
          remoteAddress: randomIp(),
        }),
      );
      expect(res.statusCode, res.body).toBe(202);
    },
    after: async () => {
      await smtp.waitFor(
        (m) => m.to.includes(who.email) && m.text.includes('/reset-password?token='),
        10_000,
      );
      const resets = smtp.messages.filter(
        (m) => m.to.includes(who.email) && m.text.includes('/reset-password?token='),
      );
      expect(resets).toHaveLength(1);
    },
  };
}

/**
 * A card purchase on Stripe's page: 503 `unavailable` with Retry-After and a clear message,
 * nothing charged; the same Idempotency-Key after the outage starts it afresh and pays once.
 */
function checkoutCase(): Case {
  let who: Customer;
  let failedId = '';
  const key = `outage-checkout-${Date.now()}`;
  return {
    name: 'card purchase on the payment page',
    before: async () => {
      who = await readyCustomer(s.t);
    },
    during: async () => {
      const res = await call('checkout purchase', buy(s, who, { idempotencyKey: key }));
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      const { error } = res.json();
      expect(error).toMatchObject({
        code: 'unavailable',
        details: { reason: 'payment_service_unavailable' },
        requestId: expect.stringMatching(/^req_/),
      });
      expect(error.message).toMatch(/Nothing was charged; try again in a minute/);
      const listed = await s.t.app.inject({ method: 'GET', url: '/api/v1/purchases', headers: who.headers });
      const [purchase] = listed.json().data;
      failedId = purchase.id;
      expect(await storedPurchase(s, failedId)).toMatchObject({
        status: 'failed',
        failure_reason: 'payment_service_unavailable',
      });
    },
    after: async () => {
      const before = charges(s);
      const retried = await buy(s, who, { idempotencyKey: key });
      expect(retried.statusCode, retried.body).toBe(201);
      expect(retried.json().id).not.toBe(failedId);
      await submitCheckout(retried.json().card.checkoutUrl, { number: '4242424242424242' });
      await s.sandbox.control.settle();
      expect((await storedPurchase(s, retried.json().id)).status).toBe('credited');
      // The same key once more answers the same purchase, and charges nothing.
      const again = await buy(s, who, { idempotencyKey: key });
      expect(again.json().id).toBe(retried.json().id);
      expect(charges(s) - before).toBe(1);
      expect(await balanceOf(s, who)).toBe('1000');
    },
  };
}

/**
 * A saved card charged just as the API went down (the charge's answer never came): answered as
 * processing, never guessed; once the API is back the worker finds the charge under the same
 * key and credits it, charged once.
 */
function savedCardInFlightCase(): Case {
  let who: Customer;
  let cardId: string;
  let purchaseId = '';
  let chargesBefore = 0;
  return {
    name: 'saved-card charge in flight',
    before: async () => {
      who = await readyCustomer(s.t);
      cardId = await saveCardViaSetup(s, who, '4242424242424242');
    },
    during: async () => {
      chargesBefore = charges(s);
      const res = await call('saved-card purchase', buy(s, who, { cardId }));
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ status: 'awaiting_payment', card: { status: 'processing' } });
      purchaseId = res.json().id;
      // Its saved cards are Stripe's to list: 503 until it answers.
      const cards = await call(
        'saved cards',
        s.t.app.inject({ method: 'GET', url: '/api/v1/cards', headers: who.headers }),
      );
      expect(cards.statusCode, cards.body).toBe(503);
      expect(cards.json().error.code).toBe('unavailable');
    },
    after: async () => {
      expect(charges(s)).toBe(chargesBefore);
      s.t.ctx.now = () => new Date(Date.now() + 61_000);
      try {
        // At least this one (an automatic refill waiting since the outage may settle in the same run).
        expect((await convergeCardPayments(s.t.ctx)).credited).toBeGreaterThanOrEqual(1);
      } finally {
        s.t.ctx.now = () => new Date();
      }
      expect((await storedPurchase(s, purchaseId)).status).toBe('credited');
      await s.sandbox.control.settle();
      expect(chargesOf(who.accountId)).toBe(1);
      expect(await balanceOf(s, who)).toBe('1000');
    },
  };
}

/**
 * An automatic refill due while Stripe is down: the send that crosses the limit is answered as
 * usual, the refill is recorded and waits in flight, nothing is charged; once the API is back
 * the card provider's worker job charges it under its key and it is credited, charged once,
 * its e-mail sent once.
 */
function autoRefillCase(): Case {
  let who: Customer;
  let chargesBefore = 0;
  const refills = async () => {
    const { rows } = await s.t.ctx.db.query<{ id: string; status: string }>(
      `select id, status from purchases where account_id = $1 and source = 'auto_refill'`,
      [who.accountId],
    );
    return rows;
  };
  return {
    name: 'automatic refill',
    before: async () => {
      who = await readyCustomer(s.t);
      const cardId = await saveCardViaSetup(s, who, '4242424242424242');
      await grant(s.t, who.accountId, '101');
      const rule = await s.t.app.inject({
        method: 'PUT',
        url: '/api/v1/auto-refill',
        headers: who.headers,
        payload: {
          enabled: true,
          thresholdCredits: '100',
          rechargeCredits: '1000',
          maxRechargesPer30Days: 3,
          cardId,
        },
      });
      expect(rule.statusCode, rule.body).toBe(200);
      await refillTrigger(s.t.ctx).idle();
    },
    during: async () => {
      chargesBefore = charges(s);
      for (let i = 0; i < 2; i++) {
        const res = await call(
          'send crossing a refill limit',
          s.t.app.inject({
            method: 'POST',
            url: '/api/v1/messages',
            headers: who.headers,
            payload: { to: '+34600000001', text: 'Hello from Tollgate' },
          }),
        );
        expect(res.statusCode, res.body).toBe(202);
      }
      await refillTrigger(s.t.ctx).idle();
      expect((await refills()).map((r) => r.status)).toEqual(['awaiting_payment']);
      expect(charges(s)).toBe(chargesBefore);
    },
    after: async () => {
      s.t.ctx.now = () => new Date(Date.now() + 61_000);
      try {
        await convergeCardPayments(s.t.ctx);
      } finally {
        s.t.ctx.now = () => new Date();
      }
      await s.sandbox.control.settle();
      await refillTrigger(s.t.ctx).idle();
      expect((await refills()).map((r) => r.status)).toEqual(['credited']);
      expect(chargesOf(who.accountId)).toBe(1);
      await s.t.ctx.mailer.drain();
      await s.t.ctx.mailer.sendDue();
      const told = smtp.messages.filter(
        (m) => m.raw.includes(who.email) && m.raw.includes('Automatic refill: 1,000 credits added'),
      );
      expect(told).toHaveLength(1);
      // That e-mail is the receipt: none beside it.
      expect(
        smtp.messages.filter((m) => m.to.includes(who.email) && m.subject.startsWith('Receipt:')),
      ).toEqual([]);
    },
  };
}

/** Paying by bank transfer needs neither: it goes on as usual. */
function bankTransferCase(): Case {
  let who: Customer;
  return {
    name: 'bank-transfer purchase',
    before: async () => {
      who = await readyCustomer(s.t);
    },
    during: async () => {
      const res = await call(
        'bank-transfer purchase',
        s.t.app.inject({
          method: 'POST',
          url: '/api/v1/purchases',
          headers: who.headers,
          payload: { packId: 'pack-1000', paymentMethod: 'bank_transfer' },
        }),
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().bankTransfer.reference).toMatch(/^RF/);
    },
    after: async () => {},
  };
}

describe('SMTP and Stripe down while customers sign up and buy', () => {
  it('answers every request clearly meanwhile, and loses, doubles or charges nothing when they return', async () => {
    // The saved-card charge first: the API goes down while its PaymentIntent is on its way, and
    // stays down for every case after it.
    const cases = [
      savedCardInFlightCase(),
      signUpCase(),
      passwordResetCase(),
      checkoutCase(),
      bankTransferCase(),
      autoRefillCase(),
    ];
    for (const c of cases) await c.before?.();
    const upFirst = await ready();
    expect(upFirst.statusCode, upFirst.body).toBe(200);

    // Down: the SMTP server stops listening; Stripe answers 503 to everything from the moment
    // the first case's charge is sent.
    await smtp.stop();
    s.sandbox.control.holdEvents();
    const startOutageAtTheCharge = (event: Stripe.RequestEvent) => {
      if (event.method !== 'POST' || event.path !== '/v1/payment_intents') return;
      stripeOf(s.t.ctx).off('request', startOutageAtTheCharge);
      s.sandbox.control.apiDown();
    };
    stripeOf(s.t.ctx).on('request', startOutageAtTheCharge);
    for (const c of cases) await c.during();
    const down = await call('readiness', ready());
    expect(down.statusCode, down.body).toBe(503);
    expect(down.json().error).toMatchObject({ code: 'unavailable', details: { down: ['smtp', 'stripe'] } });
    expect(down.json().error.details.checks.database.status).toBe('up');
    // The worker's jobs keep running during the outage and lose nothing.
    await s.t.ctx.mailer.sendDue();
    await convergeCardPayments(s.t.ctx);

    for (const { what, res } of answers) {
      expect(res.statusCode === 503 || res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`).toBe(
        true,
      );
      if (res.statusCode >= 400) {
        expect(res.json().error, what).toMatchObject({
          code: expect.any(String),
          requestId: expect.any(String),
        });
        expect(res.body, what).not.toMatch(/\bat .+\.(ts|js):\d+/);
      }
    }

    // Back: the worker's retry job notices the mail server and sends what waited, once.
    await smtp.start();
    s.sandbox.control.apiUp();
    await s.sandbox.control.releaseEvents();
    expect((await s.t.ctx.mailer.sendDue()).sent).toBeGreaterThanOrEqual(2);
    const upAgain = await ready();
    expect(upAgain.statusCode, upAgain.body).toBe(200);
    for (const c of cases) await c.after();
    // The purchases credited on the way back wrote their receipts: sent after their commit.
    await s.t.ctx.mailer.drain();

    const { rows } = await s.t.ctx.db.query<{ n: bigint }>(
      'select count(*) as n from email_outbox where sent_at is null',
    );
    expect(Number(rows[0]?.n)).toBe(0);
    // Every e-mail went out once: no Message-ID twice.
    const ids = smtp.messages.map((m) => /^message-id:\s*(\S+)/im.exec(m.raw)?.[1]);
    expect(new Set(ids).size).toBe(ids.length);
    await s.sandbox.control.settle();
    await expectLedgerClean(s);
    const log = s.t.logs.join('\n');
    expect(log).not.toContain(s.sandbox.secretKey);
    expect(log).not.toContain('smtp-secret');
  });
});
