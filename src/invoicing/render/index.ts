// Renderers of an issued invoice or credit note (an InvoiceDocument, read from the stored invoice):
// the PDF, the EN 16931 e-invoices (UBL for Peppol, CII) and the Factur-X PDF that embeds the CII.
// Pure functions of the document: no database, no clock; the same document renders to the same
// bytes. May import: invoicing/document only (and pdfkit, @e-invoice-eu/core).
//
// pdfkit and @e-invoice-eu/core are loaded at the first rendering, not with the application:
// together they hold some 70 MB that a server which renders an invoice now and then, or a
// monthly run which renders none, would otherwise carry all the time.
import type { InvoiceDocument } from '../document.js';

type Renderers = typeof import('./renderers.js');
let loading: Promise<Renderers> | null = null;
const renderers = (): Promise<Renderers> => {
  loading ??= import('./renderers.js');
  return loading;
};

/** The invoice as a PDF (pdf.ts). */
export async function renderInvoicePdf(doc: InvoiceDocument): Promise<Buffer> {
  return (await renderers()).renderInvoicePdf(doc);
}

/** The Factur-X PDF: the PDF/A-3 with the CII embedded (facturx.ts). */
export async function renderFacturX(doc: InvoiceDocument): Promise<Buffer> {
  return (await renderers()).renderFacturX(doc);
}

/** UBL 2.1, Peppol BIS Billing 3.0 (en16931.ts). */
export async function renderUbl(doc: InvoiceDocument): Promise<string> {
  return (await renderers()).renderUbl(doc);
}

/** UN/CEFACT CII, EN 16931 (en16931.ts). */
export async function renderCii(doc: InvoiceDocument): Promise<string> {
  return (await renderers()).renderCii(doc);
}

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
