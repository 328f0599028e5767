// Invoicing: the monthly run (first business day, gapless numbers), credit notes for refunds,
// delivery (e-mail with the PDF, webhook), and the invoices over HTTP. Reads purchases and
// refunds; renders through ./render (PDF, UBL, Factur-X, CII) from the stored document.
export {
  firstBusinessDay,
  isBusinessDay,
  issueDayOf,
  latestDueMonth,
  localMonth,
  monthPeriod,
} from './calendar.js';
export { issueCreditNotes } from './credit-notes.js';
export type { InvoiceDocument } from './document.js';
export { INVOICING_JOBS, runDueMonths } from './jobs.js';
export { invoicingRoutes } from './routes.js';
export { type RunResult, runInvoices } from './run.js';
export { getInvoice, invoiceIdsOfPurchases, listInvoices, loadInvoiceDocument } from './store.js';
