// The monthly run: one invoice per account and currency for the purchases paid in month M (in
// the issuer's time zone), issued on the first business day of M+1, numbered without gaps. A
// purchase paid late into a month already invoiced goes on the next run's invoice.
//
// Idempotent, resumable and safe with several workers: the accounts to invoice are listed once,
// then invoiced a batch per transaction. Each batch takes the month's advisory lock, leaves out
// whoever has this month's invoice already (a crashed or concurrent run issued it), takes a
// block of numbers, and writes invoices, lines, e-mails and webhook events together. A crash
// loses at most the batch in flight, which the next run (or the worker's catch-up) issues.
import type { Billing } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { AppError, validationFailed } from '../http/errors.js';
import { metrics } from '../metrics.js';
import type { Currency } from '../pricing/money.js';
import { isMonth, localDate, monthPeriod, type MonthPeriod } from './calendar.js';
import { issueCreditNotes } from './credit-notes.js';
import { enqueueDelivery } from './delivery.js';
import { newInvoiceId } from './ids.js';
import type { VatTreatment } from './document.js';
import { formatInvoiceNumber, reserveNumbers } from './numbers.js';
import { customerParty, issuerParty } from './parties.js';
import { type InvoiceRecord, insertInvoices, type LineRecord, vatBreakdownOf } from './records.js';

export type RunTrigger = 'schedule' | 'admin' | 'cli';

export interface RunFailure {
  accountId: string;
  currency: string;
  reason: string;
}

export interface RunResult {
  runId: string;
  month: string;
  issued: number;
  creditNotes: number;
  skipped: number;
  failed: number;
  failures: RunFailure[];
}

export interface RunOptions {
  month: string;
  trigger: RunTrigger;
  startedBy?: string | null;
  /** Called after each committed batch with the invoices this run has issued so far (crash tests). */
  onBatch?: (issuedSoFar: number) => void | Promise<void>;
}

interface Group {
  accountId: string;
  currency: Currency;
}

interface PurchaseForInvoice {
  id: string;
  account_id: string;
  currency: Currency;
  paid_at: Date;
  credits: bigint;
  subtotal: bigint;
  tax_amount: bigint;
  tax_rate_bp: number;
  tax_treatment: VatTreatment;
  tax_vat_id: string | null;
  billing: Billing;
  payment_method: string;
  paid_reference: string | null;
  bank_reference: string | null;
  language: 'en' | 'es';
}

const SEND_AT_ONCE = 50;
/** A running run without progress for this long is taken for dead (a batch takes seconds). */
const STALE_RUN_MS = 10 * 60_000;

/** A purchase counts as paid once its payment is established (paid, then credited). */
const PAID = `status in ('paid', 'credited')`;

/** Runs the month: throws 400 for a malformed month, 409 for a month not yet over. */
export async function runInvoices(ctx: AppContext, options: RunOptions): Promise<RunResult> {
  const { month } = options;
  if (!isMonth(month)) throw validationFailed([{ path: '/month', message: 'must be YYYY-MM' }]);
  const { timeZone } = ctx.config.invoicing;
  const period = monthPeriod(month, timeZone);
  if (ctx.now() < period.until) {
    throw new AppError('conflict', `${month} has not ended yet in ${timeZone}`, {
      reason: 'month_not_ended',
      month,
      endsAt: period.until.toISOString(),
    });
  }
  const runId = newInvoiceId('irun');
  // A run of this month that has made no progress for a while died with its process: say so.
  await ctx.db.query(
    `update invoice_runs set status = 'failed', finished_at = $2,
            error = 'interrupted: the process running it ended (its invoices stay issued; later runs issue the rest)'
      where month = $1 and status = 'running' and coalesce(progress_at, started_at) < $3`,
    [month, ctx.now(), new Date(ctx.now().getTime() - STALE_RUN_MS)],
  );
  await ctx.db.query(
    `insert into invoice_runs (id, month, trigger, started_by, status, started_at) values ($1, $2, $3, $4, 'running', $5)`,
    [runId, month, options.trigger, options.startedBy ?? null, ctx.now()],
  );
  ctx.logger.info({ runId, month, trigger: options.trigger }, 'invoice run started');
  const result: RunResult = { runId, month, issued: 0, creditNotes: 0, skipped: 0, failed: 0, failures: [] };
  const stages: Stages = { read: 0, insert: 0, deliver: 0, total: 0 };
  try {
    const late = await lateRanges(ctx, period);
    const size = ctx.config.invoicing.batchSize;
    // A batch of accounts at a time, after the last one seen (keyset): a run of a million
    // accounts holds one batch of them, not all.
    let after = '';
    for (;;) {
      const { rows } = await ctx.db.query<{ account_id: string; currencies: Currency[] }>(
        `select account_id, array_agg(distinct currency order by currency) as currencies from purchases p
          where ${PAID} and ${IN_PERIOD_OR_LATE} and p.account_id > $5
          group by account_id order by account_id limit $6`,
        [period.from, period.until, late.from, late.until, after, size],
      );
      if (rows.length === 0) break;
      after = (rows[rows.length - 1] as { account_id: string }).account_id;
      const batch = rows.flatMap((r) =>
        r.currencies.map((currency) => ({ accountId: r.account_id, currency })),
      );
      try {
        const outcome = await issueBatch(ctx, runId, period, late, batch, stages);
        result.issued += outcome.issued;
        result.skipped += outcome.skipped;
      } catch (err) {
        // One bad account must not hold up the others: the batch again, one account at a time.
        ctx.logger.warn({ err, runId, month }, 'invoice batch failed; issuing its accounts one by one');
        for (const group of batch) {
          try {
            const outcome = await issueBatch(ctx, runId, period, late, [group], stages);
            result.issued += outcome.issued;
            result.skipped += outcome.skipped;
          } catch (error) {
            result.failed++;
            const reason = error instanceof Error ? error.message : String(error);
            result.failures.push({ ...group, reason: reason.slice(0, 500) });
            ctx.logger.error({ err: error, runId, ...group }, 'invoice not issued');
          }
        }
      }
      await ctx.db.query(
        'update invoice_runs set issued = $2, skipped = $3, failed = $4, progress_at = $5 where id = $1',
        [runId, result.issued, result.skipped, result.failed, ctx.now()],
      );
      await options.onBatch?.(result.issued);
    }
    // Refunds of purchases invoiced now (or earlier): their credit notes, in this same run.
    result.creditNotes = await issueCreditNotes(ctx, { runId });
    await ctx.db.query(
      `update invoice_runs set status = 'completed', finished_at = $2, issued = $3, credit_notes = $4, skipped = $5,
              failed = $6, failures = $7::jsonb
        where id = $1`,
      [
        runId,
        ctx.now(),
        result.issued,
        result.creditNotes,
        result.skipped,
        result.failed,
        JSON.stringify(result.failures),
      ],
    );
    metrics.invoiceRuns.inc({ outcome: 'completed' });
    const ms = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v)]));
    ctx.logger.info({ ...result, failures: undefined, ms }, 'invoice run finished');
    return result;
  } catch (err) {
    metrics.invoiceRuns.inc({ outcome: 'failed' });
    const reason = err instanceof Error ? err.message : String(err);
    await ctx.db
      .query(
        `update invoice_runs set status = 'failed', finished_at = $2, issued = $3, credit_notes = $4, skipped = $5,
                failed = $6, failures = $7::jsonb, error = $8
          where id = $1`,
        [
          runId,
          ctx.now(),
          result.issued,
          result.creditNotes,
          result.skipped,
          result.failed,
          JSON.stringify(result.failures),
          reason.slice(0, 1000),
        ],
      )
      .catch(() => undefined);
    throw err;
  }
}

/** Milliseconds spent per stage of the batches (logged at the end of a run). */
interface Stages {
  read: number;
  insert: number;
  deliver: number;
  total: number;
}

/** One invoice's account and currency, as a map key. */
function groupKey(accountId: string, currency: string): string {
  return `${accountId}|${currency}`;
}

/** The month's lock: batches of concurrent runs of one month take turns. */
async function lockMonth(tx: Queryable, month: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`tollgate.invoices.${month}`]);
}

/** The earlier months whose run completed: what was paid in them late is invoiced now. */
interface LateRanges {
  from: Date[];
  until: Date[];
}

/**
 * A bank transfer booked on the 30th but matched on the 3rd of the next month is paid in the
 * month already invoiced. Such purchases go on the invoice of the next run, as lines with their own
 * payment date. Only months whose run completed count: a month not yet run invoices its own.
 */
async function lateRanges(ctx: AppContext, period: MonthPeriod): Promise<LateRanges> {
  const { rows } = await ctx.db.query<{ month: string }>(
    `select distinct month from invoice_runs where status = 'completed' and month < $1 order by month`,
    [period.month],
  );
  const ranges = rows.map((r) => monthPeriod(r.month, ctx.config.invoicing.timeZone));
  return { from: ranges.map((r) => r.from), until: ranges.map((r) => r.until) };
}

/** Paid in the month ($1, $2), or late in a month already invoiced ($3, $4) and on no invoice yet. */
const IN_PERIOD_OR_LATE = `((p.paid_at >= $1 and p.paid_at < $2)
  or (exists (select 1 from unnest($3::timestamptz[], $4::timestamptz[]) as r (f, u) where p.paid_at >= r.f and p.paid_at < r.u)
      and not exists (select 1 from invoice_lines l where l.purchase_id = p.id and l.refund_id is null)))`;

async function issueBatch(
  ctx: AppContext,
  runId: string,
  period: MonthPeriod,
  late: LateRanges,
  batch: readonly Group[],
  stages: Stages,
): Promise<{ issued: number; skipped: number }> {
  const began = performance.now();
  const { invoices, emailIds, skipped } = await ctx.db.transaction(async (tx) => {
    await lockMonth(tx, period.month);
    const accountIds = [...new Set(batch.map((g) => g.accountId))];
    const done = await tx.query<{ account_id: string; currency: string }>(
      `select account_id, currency from invoices
        where kind = 'invoice' and month = $1 and account_id = any($2::text[])`,
      [period.month, accountIds],
    );
    const issued = new Set(done.rows.map((r) => groupKey(r.account_id, r.currency)));
    const notIssued = batch.filter((g) => !issued.has(groupKey(g.accountId, g.currency)));
    if (notIssued.length === 0) return { invoices: [], emailIds: [], skipped: batch.length };
    const wanted = new Set(notIssued.map((g) => groupKey(g.accountId, g.currency)));
    const { rows } = await tx.query<PurchaseForInvoice>(
      `select p.id, p.account_id, p.currency, p.paid_at, p.credits, p.subtotal, p.tax_amount, p.tax_rate_bp,
              p.tax_treatment, p.tax_vat_id, p.billing, p.payment_method, p.paid_reference, p.bank_reference,
              a.language
         from purchases p join accounts a on a.id = p.account_id
        where p.account_id = any($5::text[]) and p.${PAID} and ${IN_PERIOD_OR_LATE}
        order by p.account_id, p.currency, p.paid_at, p.id`,
      [period.from, period.until, late.from, late.until, [...new Set(notIssued.map((g) => g.accountId))]],
    );
    const byGroup = new Map<string, PurchaseForInvoice[]>();
    for (const row of rows) {
      const key = groupKey(row.account_id, row.currency);
      if (!wanted.has(key)) continue;
      const list = byGroup.get(key) ?? [];
      list.push(row);
      byGroup.set(key, list);
    }
    if (byGroup.size === 0) return { invoices: [], emailIds: [], skipped: batch.length };
    const now = ctx.now();
    const { invoiceSeries, timeZone } = ctx.config.invoicing;
    const issueDate = localDate(now, timeZone);
    const year = Number(issueDate.slice(0, 4));
    const first = await reserveNumbers(tx, invoiceSeries, year, byGroup.size);
    const issuer = issuerParty(ctx.config);
    const invoices: InvoiceRecord[] = [];
    const lines: LineRecord[] = [];
    let seq = first;
    for (const purchases of byGroup.values()) {
      const last = purchases[purchases.length - 1] as PurchaseForInvoice;
      const id = newInvoiceId('inv');
      const own: LineRecord[] = purchases.map((p, i) => ({
        invoiceId: id,
        position: i + 1,
        purchaseId: p.id,
        refundId: null,
        paidAt: p.paid_at,
        credits: BigInt(p.credits),
        net: BigInt(p.subtotal),
        vat: BigInt(p.tax_amount),
        vatRateBasisPoints: p.tax_rate_bp,
        vatTreatment: p.tax_treatment,
        paymentMethod: p.payment_method,
        paymentReference: p.paid_reference ?? p.bank_reference,
      }));
      const net = own.reduce((sum, l) => sum + l.net, 0n);
      const vat = own.reduce((sum, l) => sum + l.vat, 0n);
      invoices.push({
        id,
        kind: 'invoice',
        series: invoiceSeries,
        year,
        seq,
        number: formatInvoiceNumber(invoiceSeries, year, seq),
        accountId: last.account_id,
        currency: last.currency,
        month: period.month,
        periodStart: period.start,
        periodEnd: period.end,
        issueDate,
        issuedAt: now,
        language: last.language,
        issuer,
        // The latest billing data of the month: what the customer last asked to be invoiced as.
        customer: customerParty(last.billing, last.tax_vat_id),
        subtotal: net,
        taxAmount: vat,
        total: net + vat,
        vatBreakdown: vatBreakdownOf(own),
        correctsInvoiceId: null,
        refundId: null,
        runId,
      });
      lines.push(...own);
      seq++;
    }
    const built = performance.now();
    await insertInvoices(tx, invoices, lines);
    const inserted = performance.now();
    const emailIds = await enqueueDelivery(ctx, tx, invoices);
    stages.read += built - began;
    stages.insert += inserted - built;
    stages.deliver += performance.now() - inserted;
    return { invoices, emailIds, skipped: batch.length - invoices.length };
  });
  stages.total += performance.now() - began;
  if (invoices.length > 0) metrics.invoicesIssued.inc({ kind: 'invoice' }, invoices.length);
  // A few at once; a large run's e-mails go out through the outbox job, not all in one burst.
  ctx.mailer.sendSoon(emailIds.slice(0, SEND_AT_ONCE));
  return { issued: invoices.length, skipped };
}
