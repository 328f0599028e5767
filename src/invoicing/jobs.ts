// The worker's invoicing: the monthly run on the first business day of each month (and, when the
// worker was down that day, at its next start), and credit notes for refunds of invoiced purchases.
import type { AppContext } from '../context.js';
import type { Job } from '../jobs.js';
import { latestDueMonth, monthPeriod, previousMonth } from './calendar.js';
import { issueCreditNotes } from './credit-notes.js';
import { runInvoices } from './run.js';

/** How far back the catch-up looks for a month never run to completion. */
const CATCH_UP_MONTHS = 12;
/** How long the schedule waits before running again a month whose last run left failures. */
export const RETRY_FAILED_RUN_MS = 60 * 60_000;

/**
 * Runs every month whose invoicing day has come and that has no run completed without failures:
 * the latest such month always (so its run is on record), earlier ones when they had purchases; a
 * month the schedule tried within the last hour waits.
 * Returns the months run.
 */
export async function runDueMonths(ctx: AppContext): Promise<string[]> {
  const { timeZone } = ctx.config.invoicing;
  const { country } = ctx.config.issuer;
  const latest = latestDueMonth(ctx.now(), timeZone, country, ctx.config.invoicing.region);
  const months: string[] = [];
  let month = latest;
  for (let i = 0; i < CATCH_UP_MONTHS; i++) {
    months.unshift(month);
    month = previousMonth(month);
  }
  const { rows } = await ctx.db.query<{ month: string }>(
    `select distinct month from invoice_runs where status = 'completed' and failed = 0 and month = any($1::text[])`,
    [months],
  );
  const done = new Set(rows.map((r) => r.month));
  // A run that left failures (an account whose invoice could not be issued) is tried again, but
  // not at every tick of the job: once an hour, until it completes without failures.
  const tried = await ctx.db.query<{ month: string }>(
    `select distinct month from invoice_runs where trigger = 'schedule' and month = any($1::text[]) and started_at > $2`,
    [months, new Date(ctx.now().getTime() - RETRY_FAILED_RUN_MS)],
  );
  for (const r of tried.rows) done.add(r.month);
  const ran: string[] = [];
  for (const m of months) {
    if (done.has(m)) continue;
    if (m !== latest) {
      const period = monthPeriod(m, timeZone);
      const any = await ctx.db.query(
        `select 1 from purchases where paid_at >= $1 and paid_at < $2 and status in ('paid', 'credited') limit 1`,
        [period.from, period.until],
      );
      if (any.rows.length === 0) continue;
    }
    await runInvoices(ctx, { month: m, trigger: 'schedule' });
    ran.push(m);
  }
  return ran;
}

export const INVOICING_JOBS: Job[] = [
  {
    // First business day of each month (and at start-up, to catch up a day the worker missed).
    name: 'invoicing.monthly-run',
    intervalMs: 10 * 60_000,
    atStart: true,
    run: async (ctx) => {
      if (!ctx.config.invoicing.schedule) return [];
      return runDueMonths(ctx);
    },
  },
  {
    // Refunds of purchases invoiced already: their credit notes.
    name: 'invoicing.credit-notes',
    intervalMs: 60_000,
    run: (ctx) => issueCreditNotes(ctx),
  },
];
