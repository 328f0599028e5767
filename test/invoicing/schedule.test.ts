// The worker's schedule: a month is issued on the first business day of the next one in the
// issuer's country and time zone, never before; months missed while the worker was down are
// caught up at its next start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthPeriod, runDueMonths } from '../../src/invoicing/index.js';
import { INVOICING_JOBS } from '../../src/invoicing/jobs.js';
import { startWorker } from '../../src/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedPaidPurchases } from '../helpers/invoice-seed.js';

describe('the monthly run on schedule', () => {
  let t: TestApp;
  const at = (iso: string) => {
    t.ctx.now = () => new Date(iso);
  };
  const invoicesOf = async (month: string) => {
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from invoices where kind = 'invoice' and month = $1`,
      [month],
    );
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { ISSUER_COUNTRY: 'ES', ISSUER_TIME_ZONE: 'Europe/Madrid' } });
    for (const [prefix, month, accounts] of [
      ['oct', '2026-10', 3],
      ['nov', '2026-11', 4],
      ['dec', '2026-12', 5],
    ] as const) {
      const period = monthPeriod(month, 'Europe/Madrid');
      await seedPaidPurchases(t.ctx.db, { prefix, accounts, from: period.from, until: period.until });
    }
  });
  afterAll(() => t.close());

  it('waits for the first business day: Sunday 1 November 2026 issues nothing of October', async () => {
    at('2026-11-01T12:00:00Z');
    expect(await runDueMonths(t.ctx)).toEqual(['2026-09']);
    expect(await invoicesOf('2026-10')).toBe(0);
    // Monday 2 November, 00:30 in Madrid (still Sunday in UTC): October is due.
    at('2026-11-01T23:30:00Z');
    expect(await runDueMonths(t.ctx)).toEqual(['2026-10']);
    expect(await invoicesOf('2026-10')).toBe(3);
    expect(await runDueMonths(t.ctx)).toEqual([]);
  });

  it('catches up every missed month when the worker starts', async () => {
    // The worker was down from November to Monday 4 January 2027 (1 January: a holiday, then a weekend).
    at('2027-01-03T12:00:00Z');
    const early = startWorker(t.ctx, INVOICING_JOBS);
    await early.stop();
    expect(await invoicesOf('2026-11')).toBe(4);
    expect(await invoicesOf('2026-12')).toBe(0);
    at('2027-01-04T08:00:00Z');
    const worker = startWorker(t.ctx, INVOICING_JOBS);
    await worker.stop();
    expect(await invoicesOf('2026-12')).toBe(5);
    const { rows } = await t.ctx.db.query<{ month: string; trigger: string; issued: number }>(
      `select month, trigger, issued from invoice_runs where issued > 0 order by month`,
    );
    expect(rows).toEqual([
      { month: '2026-10', trigger: 'schedule', issued: 3 },
      { month: '2026-11', trigger: 'schedule', issued: 4 },
      { month: '2026-12', trigger: 'schedule', issued: 5 },
    ]);
  });

  it('runs a month whose run left failures again, but at most once an hour', async () => {
    // January 2027's scheduled run, at 08:00 on Monday 1 February, could not invoice one account.
    await t.ctx.db.query(
      `insert into invoice_runs (id, month, trigger, status, started_at, finished_at, failed)
       values ('irun_failed', '2027-01', 'schedule', 'completed', $1, $1, 1)`,
      [new Date('2027-02-01T08:00:00Z')],
    );
    at('2027-02-01T08:10:00Z');
    expect(await runDueMonths(t.ctx)).toEqual([]);
    at('2027-02-01T08:59:00Z');
    expect(await runDueMonths(t.ctx)).toEqual([]);
    at('2027-02-01T09:01:00Z');
    expect(await runDueMonths(t.ctx)).toEqual(['2027-01']);
    expect(await runDueMonths(t.ctx)).toEqual([]);
  });
});
