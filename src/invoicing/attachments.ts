// The delivery e-mail's PDF, rendered from the stored invoice when the e-mail is sent.
import type { AppContext } from '../context.js';
import { INVOICE_PDF_ATTACHMENT } from './delivery.js';
import { renderInvoicePdf } from './render/index.js';
import { loadInvoiceDocument } from './store.js';

export function attachInvoicePdfs(ctx: AppContext): void {
  ctx.mailer.registerAttachmentSource(INVOICE_PDF_ATTACHMENT, async (invoiceId) => {
    const doc = await loadInvoiceDocument(ctx.db, invoiceId);
    if (!doc) throw new Error(`no invoice ${invoiceId}`);
    return {
      filename: `${doc.number}.pdf`,
      contentType: 'application/pdf',
      content: await renderInvoicePdf(doc),
    };
  });
}
