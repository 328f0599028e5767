// Telling the customer: the e-mail to the billing data's invoice address, in the account's
// language, with a link and (configurable) the PDF attached, rendered when it is sent; and the
// `invoice.issued` webhook event. Both written in the issuing transaction (outboxes), so a crash
// neither loses nor doubles them.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { enqueueAccountEvent } from '../messaging/webhooks/index.js';
import type { OutgoingEmail } from '../notifications/mailer.js';
import { invoiceIssued } from '../notifications/templates-invoices.js';
import { formatMoney } from '../pricing/money.js';
import type { InvoiceRecord } from './records.js';
import { invoiceSummaryView } from './views.js';

export const INVOICE_PDF_ATTACHMENT = 'invoice_pdf';

const monthLabels = new Map<string, string>();

function monthLabel(month: string, language: 'en' | 'es'): string {
  const key = `${language}|${month}`;
  let label = monthLabels.get(key);
  if (label === undefined) {
    const [y, m] = month.split('-').map(Number) as [number, number];
    label = new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(y, m - 1, 1)),
    );
    monthLabels.set(key, label);
  }
  return label;
}

export function invoiceUrl(ctx: AppContext, invoice: Pick<InvoiceRecord, 'id'>): string {
  return `${ctx.config.publicUrl}/invoices/${encodeURIComponent(invoice.id)}`;
}

export function invoiceEmail(ctx: AppContext, invoice: InvoiceRecord): OutgoingEmail | null {
  const to = invoice.customer.email;
  if (!to) return null;
  const attached = ctx.config.invoicing.attachPdf;
  const rendered = invoiceIssued(invoice.language, {
    name: invoice.customer.name,
    kind: invoice.kind,
    number: invoice.number,
    issueDate: invoice.issueDate,
    period: monthLabel(invoice.month, invoice.language),
    total: formatMoney({ amount: invoice.total, currency: invoice.currency }, invoice.language),
    url: invoiceUrl(ctx, invoice),
    attached,
  });
  return {
    ...rendered,
    template: invoice.kind === 'invoice' ? 'invoice_issued' : 'credit_note_issued',
    to,
    ...(attached ? { attachments: [{ kind: INVOICE_PDF_ATTACHMENT, ref: invoice.id }] } : {}),
  };
}

/**
 * Writes the e-mails and webhook events of freshly issued invoices inside their transaction;
 * returns the outbox ids to send once it commits.
 */
export async function enqueueDelivery(
  ctx: AppContext,
  tx: Queryable,
  invoices: readonly InvoiceRecord[],
): Promise<string[]> {
  if (invoices.length === 0) return [];
  const mails = invoices.map((invoice) => invoiceEmail(ctx, invoice)).filter((m): m is OutgoingEmail => !!m);
  const ids = await ctx.mailer.enqueueMany(tx, mails);
  // Only accounts with a webhook get an event: ask once for the batch.
  const { rows } = await tx.query<{ account_id: string }>(
    'select account_id from message_webhooks where account_id = any($1::text[])',
    [[...new Set(invoices.map((i) => i.accountId))]],
  );
  const hooked = new Set(rows.map((r) => r.account_id));
  for (const invoice of invoices) {
    if (!hooked.has(invoice.accountId)) continue;
    await enqueueAccountEvent(
      tx,
      invoice.accountId,
      'invoice.issued',
      invoiceSummaryView(invoice) as unknown as Record<string, unknown>,
      invoice.issuedAt,
    );
  }
  return ids;
}
