// Credit notes: one per refund (the admin refund of unused credits), in their own series, with
// negative amounts, naming the invoice they correct (its number and date). A refund is credited
// once its purchase is invoiced: at once by the worker's job when it already was, or in the run
// that invoices it when it was not yet.
import type { AppContext } from '../context.js';
import { MICROS_PER_CREDIT } from '../ledger/amounts.js';
import { metrics } from '../metrics.js';
import type { Currency } from '../pricing/money.js';
import { localDate } from './calendar.js';
import { enqueueDelivery } from './delivery.js';
import type { Party, VatTreatment } from './document.js';
import { formatInvoiceNumber, reserveNumbers } from './numbers.js';
import { issuerParty } from './parties.js';
import { type InvoiceRecord, insertInvoices, type LineRecord, vatBreakdownOf } from './records.js';
import { newInvoiceId } from './ids.js';

interface RefundToCredit {
  refund_id: string;
  purchase_id: string;
  credits_micros: bigint;
  subtotal: bigint;
  tax_amount: bigint;
  tax_rate_bp: number;
  tax_treatment: VatTreatment;
  payment_method: string;
  provider_ref: string | null;
  invoice_id: string;
  account_id: string;
  currency: Currency;
  month: string;
  period_start: string;
  period_end: string;
  language: 'en' | 'es';
  customer: Party;
  paid_at: Date;
}

const BATCH = 500;

/** Issues the credit notes due now; returns how many. */
export async function issueCreditNotes(ctx: AppContext, { runId = null }: { runId?: string | null } = {}) {
  let total = 0;
  for (;;) {
    const issued = await issueBatch(ctx, runId);
    total += issued;
    if (issued < BATCH) return total;
  }
}

async function issueBatch(ctx: AppContext, runId: string | null): Promise<number> {
  const { notes, emailIds } = await ctx.db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['tollgate.credit-notes']);
    // A refund whose money could not go back (failed) waits until it does.
    const { rows } = await tx.query<RefundToCredit>(
      `select r.id as refund_id, r.purchase_id, r.credits_micros, r.subtotal, r.tax_amount, r.tax_rate_bp,
              r.tax_treatment, r.payment_method, r.provider_ref, i.id as invoice_id, i.account_id, i.currency,
              i.month, i.period_start::text as period_start, i.period_end::text as period_end, i.language,
              i.customer, l.paid_at
         from purchase_refunds r
         join invoice_lines l on l.purchase_id = r.purchase_id and l.refund_id is null
         join invoices i on i.id = l.invoice_id
        where r.status <> 'failed'
          and not exists (select 1 from invoices c where c.refund_id = r.id)
        order by r.created_at, r.id
        limit ${BATCH}`,
    );
    if (rows.length === 0) return { notes: [], emailIds: [] };
    const now = ctx.now();
    const { creditNoteSeries, timeZone } = ctx.config.invoicing;
    const issueDate = localDate(now, timeZone);
    const year = Number(issueDate.slice(0, 4));
    let seq = await reserveNumbers(tx, creditNoteSeries, year, rows.length);
    const issuer = issuerParty(ctx.config);
    const notes: InvoiceRecord[] = [];
    const lines: LineRecord[] = [];
    for (const row of rows) {
      const id = newInvoiceId('inv');
      const line: LineRecord = {
        invoiceId: id,
        position: 1,
        purchaseId: row.purchase_id,
        refundId: row.refund_id,
        paidAt: row.paid_at,
        credits: -(BigInt(row.credits_micros) / MICROS_PER_CREDIT),
        net: -BigInt(row.subtotal),
        vat: -BigInt(row.tax_amount),
        vatRateBasisPoints: row.tax_rate_bp,
        vatTreatment: row.tax_treatment,
        paymentMethod: row.payment_method,
        paymentReference: row.provider_ref,
      };
      notes.push({
        id,
        kind: 'credit_note',
        series: creditNoteSeries,
        year,
        seq,
        number: formatInvoiceNumber(creditNoteSeries, year, seq),
        accountId: row.account_id,
        currency: row.currency,
        month: row.month,
        periodStart: row.period_start,
        periodEnd: row.period_end,
        issueDate,
        issuedAt: now,
        language: row.language,
        issuer,
        customer: row.customer,
        subtotal: line.net,
        taxAmount: line.vat,
        total: line.net + line.vat,
        vatBreakdown: vatBreakdownOf([line]),
        correctsInvoiceId: row.invoice_id,
        refundId: row.refund_id,
        runId,
      });
      lines.push(line);
      seq++;
    }
    await insertInvoices(tx, notes, lines);
    const emailIds = await enqueueDelivery(ctx, tx, notes);
    return { notes, emailIds };
  });
  if (notes.length > 0) metrics.invoicesIssued.inc({ kind: 'credit_note' }, notes.length);
  ctx.mailer.sendSoon(emailIds.slice(0, 50));
  return notes.length;
}
