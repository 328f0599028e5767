// Rendering one issued invoice: the PDF and the Factur-X PDF (PDF/A-3 with its CII XML), each
// after a warm-up, median and p99 milliseconds over N renders (default 300; `-- render 1000`).
// Targets: PDF median ≤ 10 ms, Factur-X median ≤ 50 ms. The document is the three-line domestic
// invoice of the tests; a ten-times longer one is timed too. Wall-clock time on whatever else the
// machine is doing (the load average is reported with it), and CPU time per render, which that
// load disturbs less.
import { loadavg } from 'node:os';
import type { InvoiceDocument } from '../src/invoicing/document.js';
import { measureRendering, renderFacturX, renderInvoicePdf } from '../src/invoicing/render/index.js';
import { domesticBusiness } from '../test/invoicing/fixtures.js';
import { log, round } from './support.js';

const PDF_TARGET_MS = 10;
const FACTURX_TARGET_MS = 50;

/** The same invoice with `n` copies of each line (positions renumbered). */
function longer(doc: InvoiceDocument, n: number): InvoiceDocument {
  const lines = Array.from({ length: n }, () => doc.lines)
    .flat()
    .map((l, i) => ({ ...l, position: i + 1 }));
  const times = BigInt(n);
  return {
    ...doc,
    lines,
    vatBreakdown: doc.vatBreakdown.map((b) => ({
      ...b,
      taxableAmount: b.taxableAmount * times,
      vatAmount: b.vatAmount * times,
    })),
    totals: { net: doc.totals.net * times, vat: doc.totals.vat * times, total: doc.totals.total * times },
  };
}

async function cpuMsPerRender(
  doc: InvoiceDocument,
  render: (d: InvoiceDocument) => Promise<Buffer>,
  n: number,
) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await render(doc);
  const used = process.cpuUsage(before);
  return round((used.user + used.system) / 1000 / n, 2);
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const times = Number(args[0] ?? 300);
  const long = longer(domesticBusiness, 10);
  log(
    `rendering ${times} times each, load average ${loadavg()
      .map((l) => round(l, 2))
      .join(' ')}`,
  );
  const one = await measureRendering(domesticBusiness, times);
  log(`3 lines:  PDF median ${one.pdf.median} ms, p99 ${one.pdf.p99} ms`);
  log(`3 lines:  Factur-X median ${one.facturx.median} ms, p99 ${one.facturx.p99} ms`);
  const thirty = await measureRendering(long, Math.max(20, Math.floor(times / 5)));
  log(`30 lines: PDF median ${thirty.pdf.median} ms, Factur-X median ${thirty.facturx.median} ms`);
  const pdfCpu = await cpuMsPerRender(domesticBusiness, renderInvoicePdf, 100);
  const facturxCpu = await cpuMsPerRender(domesticBusiness, renderFacturX, 100);
  log(`CPU per render: PDF ${pdfCpu} ms, Factur-X ${facturxCpu} ms`);
  const met = one.pdf.median <= PDF_TARGET_MS && one.facturx.median <= FACTURX_TARGET_MS;
  log(`targets (PDF ≤ ${PDF_TARGET_MS} ms, Factur-X ≤ ${FACTURX_TARGET_MS} ms): ${met ? 'met' : 'NOT met'}`);
  return {
    name: 'render',
    value: one.pdf.median,
    unit: 'ms',
    pdf_median_ms: one.pdf.median,
    pdf_p99_ms: one.pdf.p99,
    facturx_median_ms: one.facturx.median,
    facturx_p99_ms: one.facturx.p99,
    pdf_30_lines_median_ms: thirty.pdf.median,
    facturx_30_lines_median_ms: thirty.facturx.median,
    pdf_cpu_ms: pdfCpu,
    facturx_cpu_ms: facturxCpu,
    targets_met: met,
    load_average: round(loadavg()[0] ?? 0, 2),
  };
}
