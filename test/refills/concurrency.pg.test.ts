// A thousand sends through the API, split over two server instances on one PostgreSQL, cross
// an automatic refill's limit together: each instance's trigger sees the crossing and tries to
// start a refill, and the database lets exactly one through — one purchase, one PaymentIntent,
// one charge, one credit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { openDb } from '../../src/db/index.js';
import type { Db } from '../../src/db/types.js';
import { type App, buildApp } from '../../src/http/app.js';
import { refillTrigger } from '../../src/refills/index.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import { newApiKey } from '../helpers/accounts.js';
import { expectLedgerClean, type StripeTest, startStripeTest } from '../purchases/stripe/helpers.js';
import { chargesOf, intentsOf, refillCustomer, refillsOf, settled } from './helpers.js';

const SENDS = 1_000;

describe('two instances, one PostgreSQL', () => {
  let s: StripeTest;
  let db2: Db;
  let app2: App;

  beforeAll(async () => {
    s = await startStripeTest({ env: { MESSAGE_CARRIER_TPS: '1000000', LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await app2?.close();
    await db2?.close();
    await s.close();
  });

  it('1,000 concurrent sends crossing the limit start exactly one refill: one purchase, one PaymentIntent, one credit', {
    timeout: 300_000,
  }, async () => {
    const { who } = await refillCustomer(s, {
      credits: '1100',
      rule: { thresholdCredits: '500', rechargeCredits: '1000', maxRechargesPer30Days: 10 },
    });
    const url = s.t.testDb.url;
    if (!url) throw new Error('this test runs on PostgreSQL');
    db2 = await openDb({ databaseUrl: url, dataDir: 'memory', poolSize: 20 });
    const ctx2 = createContext(s.t.ctx.config, db2, s.t.ctx.logger);
    app2 = await buildApp(ctx2, ROUTE_MODULES);
    await app2.ready();
    await refillTrigger(ctx2).refresh();
    await refillTrigger(s.t.ctx).refresh();
    expect(refillTrigger(ctx2).size).toBeGreaterThan(0);

    const key = await newApiKey(s.t, who);
    const apps = [s.t.app, app2];
    const answers = await Promise.all(
      Array.from({ length: SENDS }, (_, i) =>
        (apps[i % 2] as App).inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: key.headers,
          payload: { to: `+3460${String(i).padStart(6, '0')}1`, text: `message ${i}` },
        }),
      ),
    );
    for (const res of answers) expect(res.statusCode, res.body).toBe(202);
    await refillTrigger(ctx2).idle();
    await settled(s);

    const refills = await refillsOf(s.t, who.accountId);
    expect(refills.map((r) => r.status)).toEqual(['credited']);
    expect(await intentsOf(s, who.accountId)).toHaveLength(1);
    expect(chargesOf(s, who.accountId, 'succeeded')).toBe(1);
    const { rows } = await s.t.ctx.db.query<{ credits: bigint }>(
      `select count(*)::bigint as credits from ledger_transfers where credit_account_id = $1 and code = 'auto_refill'`,
      [who.accountId],
    );
    expect(rows[0]?.credits).toBe(1n);
    // Both instances looked; one started it, the other found it in flight (or not due any more).
    const outcomes = [...refillTrigger(s.t.ctx).started, ...refillTrigger(ctx2).started].map(
      (o) => o.outcome,
    );
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    const balance = await s.t.ctx.ledger.balance(who.accountId);
    expect(balance?.available).toBe(BigInt(1100 - SENDS + 1000) * 1_000_000n);
    await expectLedgerClean(s);
    await ctx2.messaging.close();
    await ctx2.writer.close();
  });
});
