// 20,000 single sends at once against credit for exactly 10,000, through the HTTP route (an
// API key, as an integration would call it): the batched writer decides each in arrival order
// under the account's row lock, so exactly 10,000 are accepted and reserved, the rest are
// refused with 402, nothing is overdrawn, and every accepted message is stored with its hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  deliverable,
  expectLedgerClean,
  messagingApp,
} from './helpers.js';

const SENDS = 20_000;
const CREDIT_FOR = 10_000;

describe('20,000 concurrent sends with credit for 10,000', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await messagingApp({ LOG_LEVEL: 'warn' });
  });
  afterAll(() => closeApp(t));

  it('accepts exactly 10,000, refuses 10,000 with 402, and leaves available credit at 0', {
    timeout: 600_000,
  }, async () => {
    const alice = await customerWithCredit(t, String(CREDIT_FOR));
    const key = await newApiKey(t, alice);
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: SENDS }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: key.headers,
          payload: { to: deliverable(), text: `message ${i}`, reference: String(i) },
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const byStatus = new Map<number, number>();
    for (const res of answers) byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 202: CREDIT_FOR, 402: SENDS - CREDIT_FOR });
    for (const res of answers.filter((r) => r.statusCode === 402)) {
      expect(res.json().error).toMatchObject({
        code: 'insufficient_credit',
        details: { required: '1', available: '0' },
      });
    }
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: BigInt(CREDIT_FOR) * 1_000_000n,
      held: BigInt(CREDIT_FOR) * 1_000_000n,
      available: 0n,
    });
    const accepted = new Set(answers.filter((r) => r.statusCode === 202).map((r) => r.json().id as string));
    expect(accepted.size).toBe(CREDIT_FOR);
    const { rows } = await t.ctx.db.query<{ messages: bigint; holds: bigint; events: bigint }>(
      `select (select count(*) from messages where account_id = $1 and status = 'queued')::bigint as messages,
              (select count(*) from messages m join ledger_transfers h on h.id = m.hold_id and h.kind = 'pending'
                where m.account_id = $1)::bigint as holds,
              (select count(*) from message_events e join messages m on m.id = e.message_id
                where m.account_id = $1)::bigint as events`,
      [alice.accountId],
    );
    expect(rows[0]).toEqual({
      messages: BigInt(CREDIT_FOR),
      holds: BigInt(CREDIT_FOR),
      events: BigInt(CREDIT_FOR),
    });
    await expectLedgerClean(t);
    console.log(
      `${SENDS} sends through the route in ${seconds.toFixed(1)} s (${Math.round(SENDS / seconds)}/s)`,
    );
  });
});
