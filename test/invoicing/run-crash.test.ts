// A run killed with SIGKILL in the middle, then run again: every number used once and none
// skipped, one invoice per account and currency, each e-mail written once.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { migrate } from '../../src/db/migrate.js';
import { monthPeriod, runInvoices } from '../../src/invoicing/index.js';
import { createLogger } from '../../src/logger.js';
import { sharedTestDatabase } from '../helpers/db.js';
import { invoiceInvariants, seedPaidPurchases } from '../helpers/invoice-seed.js';
import { runUntilKilled } from '../helpers/kill-child.js';

const child = path.join(import.meta.dirname, 'fixtures', 'run-child.ts');

describe('an invoice run killed midway', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('is finished by the next run without a gap, a duplicate or a second e-mail', async () => {
    const { target, open, remove } = await sharedTestDatabase('tollgate-invoice-crash-');
    cleanups.push(remove);
    const accounts = 60;
    const period = monthPeriod('2026-10', 'Europe/Madrid');
    let db = await open();
    await migrate(db);
    await seedPaidPurchases(db, { prefix: 'crash', accounts, from: period.from, until: period.until });
    await db.close();

    const { progress, finished } = await runUntilKilled(child, [target, '2026-10'], 'issued', 20);
    expect(finished).toBe(false);
    expect(progress).toBeGreaterThanOrEqual(20);
    expect(progress).toBeLessThan(accounts);

    db = await open();
    cleanups.push(() => db.close());
    const before = await invoiceInvariants(db, 'TG');
    expect(before.seqs.length).toBeGreaterThanOrEqual(progress);
    expect(before.seqs.length).toBeLessThan(accounts);
    const config = loadConfig({
      DATA_DIR: '/tmp/tollgate-test',
      LOG_LEVEL: 'silent',
      INVOICE_RUN_BATCH: '7',
    });
    const ctx = createContext(config, db, createLogger(config));
    const result = await runInvoices(ctx, { month: '2026-10', trigger: 'cli' });
    expect(result.issued).toBe(accounts - before.seqs.length);
    expect(result.skipped).toBe(before.seqs.length);
    expect(result.failed).toBe(0);

    const after = await invoiceInvariants(db, 'TG');
    expect(after.seqs).toEqual(Array.from({ length: accounts }, (_, i) => i + 1));
    expect(after.duplicatedGroups).toBe(0);
    expect(after.purchasesTwice).toBe(0);
    expect(after.emails).toBe(accounts);
    expect(after.emailAddresses).toBe(accounts);
    const { rows } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from purchases p
        where not exists (select 1 from invoice_lines l where l.purchase_id = p.id)`,
    );
    expect(Number(rows[0]?.n)).toBe(0);
    await ctx.mailer.drain();
    await ctx.writer.close();
  });
});
