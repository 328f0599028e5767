// A server killed with SIGKILL between an automatic refill's PaymentIntent succeeding at
// Stripe and its credit committing, then restarted on the same database: the card provider's
// reconciliation (and the webhooks, delivered late) credit the refill exactly once, and nothing
// is charged a second time.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/types.js';
import { auditLedger } from '../../src/ledger/audit.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { convergeCardPayments } from '../../src/purchases/providers/stripe/index.js';
import { sweepRefills } from '../../src/refills/index.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import {
  sandboxStripeConfig,
  startStripeSandbox,
  type StripeSandbox,
} from '../../tools/stripe-sandbox/index.js';
import type { TestApp } from '../helpers/app.js';
import { sharedTestDatabase } from '../helpers/db.js';
import { runUntilKilled } from '../helpers/kill-child.js';
import type { StripeTest } from '../purchases/stripe/helpers.js';
import { chargesOf, dataDir, intentsOf, refillCustomer, refillsOf, sentTextsOf, settled } from './helpers.js';

const child = path.join(import.meta.dirname, 'fixtures', 'refill-child.ts');

/** The application on an existing database, listening, with card payments at the sandbox. */
async function serverOn(db: Db, sandbox: StripeSandbox, mailDir: string): Promise<StripeTest> {
  const config = loadConfig({
    DATA_DIR: mailDir,
    LOG_LEVEL: 'silent',
    ACCOUNT_VERIFICATION: 'mobile',
    STRIPE_SECRET_KEY: sandbox.secretKey,
    STRIPE_WEBHOOK_SECRET: sandbox.webhookSecret,
    STRIPE_API_BASE: sandbox.url,
    PUBLIC_URL: 'http://portal.test',
  });
  const ctx = createContext(config, db, createLogger(config));
  const app = await buildApp(ctx, ROUTE_MODULES);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const webhookUrl = `http://127.0.0.1:${port}/api/v1/webhooks/stripe`;
  sandbox.addWebhookEndpoint(webhookUrl);
  const t: TestApp = {
    app,
    ctx,
    testDb: {
      db,
      url: undefined,
      openAnother: () => Promise.reject(new Error('unused')),
      drop: () => db.close(),
    },
    logs: [],
    async close() {
      await app.close();
      await ctx.messaging.close();
      await ctx.writer.close();
      await db.close();
    },
  };
  const stripe = new Stripe(sandbox.secretKey, { ...sandboxStripeConfig(sandbox.url), maxNetworkRetries: 0 });
  return { t, sandbox, stripe, webhookUrl, close: () => t.close() };
}

describe('a server killed between the charge and the credit', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('credits the refill exactly once after the restart, and charges nothing twice', {
    timeout: 120_000,
  }, async () => {
    const sandbox = await startStripeSandbox({
      webhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
      retryDelaysMs: [50, 200],
    });
    cleanups.push(() => sandbox.stop());
    const { target, open, remove } = await sharedTestDatabase('tollgate-refill-crash-');
    cleanups.push(remove);
    const mailDir = dataDir();

    let db = await open();
    await migrate(db);
    let s = await serverOn(db, sandbox, mailDir);
    const { who } = await refillCustomer(s, {
      credits: '150',
      rule: { thresholdCredits: '100', rechargeCredits: '1000' },
    });
    await settled(s);
    expect(await refillsOf(s.t, who.accountId)).toEqual([]);
    await s.close();

    // The webhooks wait: nobody listens while the server is down.
    sandbox.control.holdEvents();
    const { progress, finished } = await runUntilKilled(
      child,
      [target, sandbox.url, sandbox.secretKey, sandbox.webhookSecret, who.accountId],
      'charged',
      1,
    );
    expect(finished).toBe(false);
    expect(progress).toBe(1);
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(1);

    // Restarted: the refill is in flight, paid at Stripe, not credited.
    db = await open();
    s = await serverOn(db, sandbox, mailDir);
    cleanups.push(() => s.close());
    const [refill] = await refillsOf(s.t, who.accountId);
    expect(refill).toMatchObject({ status: 'awaiting_payment' });
    expect((await s.t.ctx.ledger.balance(who.accountId))?.available).toBe(90_000_000n);
    // The sweep starts nothing new while it is in flight.
    await sweepRefills(s.t.ctx);
    // The reconciliation (the card provider's worker job, a minute later by its clock) credits it.
    s.t.ctx.now = () => new Date(Date.now() + 5 * 60_000);
    const run = await convergeCardPayments(s.t.ctx);
    expect(run.credited).toBe(1);
    // The webhooks held during the outage arrive now: nothing changes.
    sandbox.control.releaseEvents('original');
    await settled(s);
    await sweepRefills(s.t.ctx);
    await settled(s);

    expect((await refillsOf(s.t, who.accountId)).map((r) => r.status)).toEqual(['credited']);
    expect((await s.t.ctx.ledger.balance(who.accountId))?.available).toBe(1_090_000_000n);
    expect(await intentsOf(s, who.accountId)).toHaveLength(1);
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(1);
    const { rows } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from ledger_transfers where credit_account_id = $1 and code = 'auto_refill'`,
      [who.accountId],
    );
    expect(rows[0]?.n).toBe(1n);
    const succeeded = (await sentTextsOf(s.t, who)).filter((text) =>
      text.includes('Automatic refill: 1,000'),
    );
    expect(succeeded).toHaveLength(1);
    const audit = await auditLedger(db);
    expect(audit.problems).toEqual([]);
  });
});
