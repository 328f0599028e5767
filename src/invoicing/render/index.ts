// Renderers of an issued invoice or credit note (an InvoiceDocument, read from the stored invoice):
// the PDF, the EN 16931 e-invoices (UBL for Peppol, CII) and the Factur-X PDF that embeds the CII.
// Pure functions of the document: no database, no clock; the same document renders to the same
// bytes. May import: invoicing/document only (and pdfkit, @e-invoice-eu/core).
export { renderCii, renderUbl } from './en16931.js';
export { renderFacturX } from './facturx.js';
export { renderInvoicePdf } from './pdf.js';

import type { InvoiceDocument } from '../document.js';
import { renderFacturX } from './facturx.js';
import { renderInvoicePdf } from './pdf.js';

/**
 * For benchmarks (the invoices benchmark and bench/render.ts): renders `doc` `times` times each as
 * PDF and as Factur-X after a warm-up, and gives the median and p99 milliseconds of each.
 */
export async function measureRendering(
  doc: InvoiceDocument,
  times = 200,
): Promise<{ pdf: { median: number; p99: number }; facturx: { median: number; p99: number } }> {
  const stats = (ms: number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
    return { median: Number(at(0.5).toFixed(2)), p99: Number(at(0.99).toFixed(2)) };
  };
  const time = async (render: (d: InvoiceDocument) => Promise<Buffer>) => {
    for (let i = 0; i < 20; i++) await render(doc);
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      await render(doc);
      ms.push(performance.now() - started);
    }
    return stats(ms);
  };
  return { pdf: await time(renderInvoicePdf), facturx: await time(renderFacturX) };
}
