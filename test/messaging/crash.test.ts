// A worker killed with SIGKILL in the middle of dispatching, then another started on the same
// database: every message ends sent exactly once or failed, and none is charged twice. The
// simulator's own record (what the carrier received) is compared with the ledger.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/types.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createCampaign } from '../../src/messaging/campaigns/create-campaign.js';
import { reconcileExpiredLeases } from '../../src/messaging/reconcile.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import type { TestApp } from '../helpers/app.js';
import { sharedTestDatabase, testDbKind } from '../helpers/db.js';
import {
  balanceOf,
  customerWithCredit,
  deliverable,
  dispatchAll,
  expectLedgerClean,
  FAST,
  undeliverable,
} from './helpers.js';
import { runUntilKilled } from '../helpers/kill-child.js';

const child = path.join(import.meta.dirname, 'fixtures', 'dispatch-child.ts');

/** An application on an existing database, as the test harness would build it. */
async function appOn(db: Db): Promise<TestApp> {
  const config = loadConfig({
    DATA_DIR: '/tmp/tollgate-test',
    LOG_LEVEL: 'silent',
    ACCOUNT_VERIFICATION: 'mobile',
    ...FAST,
  });
  const ctx = createContext(config, db, createLogger(config));
  const app = await buildApp(ctx, ROUTE_MODULES);
  await app.ready();
  return {
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
}

describe('a dispatcher killed mid-dispatch', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('leaves every message sent once or failed after a restart, and none charged twice', async () => {
    const { target, open, remove } = await sharedTestDatabase('tollgate-dispatch-crash-');
    cleanups.push(remove);
    const total = testDbKind() === 'postgres' ? 2_000 : 600;
    const initialCredits = BigInt(total) * 1_000_000n;

    let db = await open();
    await migrate(db);
    let t = await appOn(db);
    const alice = await customerWithCredit(t, String(total));
    const campaign = await createCampaign(t.ctx, alice.accountId, {
      name: 'Crash',
      text: 'Survive this',
      recipients: Array.from({ length: total }, (_, i) => ({
        to: i % 20 === 0 ? undeliverable() : deliverable(),
      })),
    });
    expect(campaign).toMatchObject({ recipients: total, reserved: total });
    await t.close();

    // Killed part-way through a claimed batch (the child claims 50 at a time).
    const base = Math.floor(total * 0.3);
    const killAfter = base - (base % 50) + 20;
    const { progress: submitted, finished } = await runUntilKilled(child, [target], 'submitted', killAfter);
    expect(finished).toBe(false);
    expect(submitted).toBeGreaterThanOrEqual(killAfter);

    // The restarted worker: leases of the dead one have run out by its clock.
    db = await open();
    t = await appOn(db);
    const { rows: left } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from messages where status = 'sending'`,
    );
    const orphans = left[0]?.n ?? 0n;
    expect(orphans).toBeGreaterThan(0n);
    t.ctx.now = () => new Date(Date.now() + 5_000);
    for (let round = 0; round < 20; round++) {
      await reconcileExpiredLeases(t.ctx);
      await dispatchAll(t);
      const { rows } = await db.query<{ n: bigint }>(
        `select count(*)::bigint as n from messages where status in ('queued', 'scheduled', 'sending')`,
      );
      if (rows[0]?.n === 0n) break;
    }

    // Every orphan was reconciled: posted if the carrier had it, sent again if it had not
    // (dispatch.test.ts covers each case on its own).
    const { rows: reconciled } = await db.query<{ n: bigint }>(
      `select count(distinct message_id)::bigint as n from message_events where detail like '%reconciled: %'`,
    );
    expect(reconciled[0]?.n).toBe(orphans);

    const { rows: statuses } = await db.query<{ status: string; n: bigint }>(
      `select status, count(*)::bigint as n from messages group by status order by status`,
    );
    for (const { status } of statuses) expect(['sent', 'delivered', 'failed']).toContain(status);
    // What the carrier received: each message exactly once.
    const { rows: received } = await db.query<{ message_id: string; n: bigint }>(
      `select m.id as message_id, count(s.id)::bigint as n
         from messages m left join simulator_messages s on s.message_id = m.id group by m.id`,
    );
    expect(received).toHaveLength(total);
    expect(received.filter((r) => r.n !== 1n)).toEqual([]);
    // Charged once for each of them (one post per hold), refunded once for each undelivered.
    const { rows: charges } = await db.query<{ kind: string; n: bigint }>(
      `select split_part(id, ':', 1) as kind, count(*)::bigint as n from ledger_transfers
        where id like '%:msg\\_%' group by 1 order by 1`,
    );
    const count = Object.fromEntries(charges.map((c) => [c.kind, Number(c.n)]));
    expect(count.hold).toBe(total);
    expect(count.post).toBe(total);
    expect(count.void).toBeUndefined();
    const failed = Number(statuses.find((s) => s.status === 'failed')?.n ?? 0n);
    expect(count.refund ?? 0).toBe(failed);
    expect(failed).toBeGreaterThan(0);
    const balance = await balanceOf(t, alice.accountId);
    expect(balance.held).toBe(0n);
    expect(balance.balance).toBe(initialCredits - BigInt(total - failed) * 1_000_000n);
    await expectLedgerClean(t);
    await t.close();
  });
});
