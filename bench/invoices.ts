// The monthly invoice run on PostgreSQL: 100,000 accounts with 1 to 3 purchases each paid in one
// month, invoiced by one run (numbers, lines, totals, e-mails queued in the outbox, webhook
// look-ups), in a process of its own as `tollgate invoices run` (bench/invoices-run.ts). Targets:
// the whole run within 30 s, that process's peak RSS within 500 MB. Then the median and p99
// time to render one invoice as a PDF (target 10 ms) and as Factur-X (target 50 ms), from
// stored invoices, when the renderers are installed (else reported as null).
//
//   npm run bench -- invoices [--accounts 100000] [--batch 2000]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monthPeriod } from '../src/invoicing/index.js';
import { renderFacturX, renderInvoicePdf } from '../src/invoicing/render/index.js';
import { loadInvoiceDocument } from '../src/invoicing/store.js';
import { seedPaidPurchases } from '../test/helpers/invoice-seed.js';
import { freshPostgres, log, percentile, round } from './support.js';

const MONTH = '2026-10';
const SAMPLES = 200;

async function medianOf(
  ids: string[],
  render: (id: string) => Promise<unknown>,
): Promise<{ median: number | null; p99: number | null; error?: string }> {
  const times: number[] = [];
  try {
    for (const id of ids) {
      const started = process.hrtime.bigint();
      await render(id);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } catch (error) {
    return { median: null, p99: null, error: error instanceof Error ? error.message : String(error) };
  }
  times.sort((a, b) => a - b);
  return { median: round(percentile(times, 50), 2), p99: round(percentile(times, 99), 2) };
}

interface ChildRun {
  issued: number;
  failed: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/** `bench/invoices-run.ts` on the seeded database; its log lines pass through, its figures come back. */
function runChild(databaseUrl: string, batch: string): Promise<ChildRun> {
  const script = fileURLToPath(new URL('./invoices-run.ts', import.meta.url));
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', script, MONTH], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '8',
      DATA_DIR: '/tmp/tollgate-bench',
      INVOICE_RUN_BATCH: batch,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.trim().split('\n');
      for (const line of lines) if (line.includes('invoice run finished')) log(line.trim());
      const last = lines.at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{"issued"'))
        reject(new Error(`the invoice run exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(last) as ChildRun);
    });
  });
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { accounts: { type: 'string', default: '100000' }, batch: { type: 'string', default: '2000' } },
  });
  const accounts = Number(values.accounts);
  const { db, url, drop } = await freshPostgres(8);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  try {
    const period = monthPeriod(MONTH, 'Europe/Madrid');
    const seedStarted = Date.now();
    const purchases = await seedPaidPurchases(db, {
      prefix: 'bench',
      accounts,
      from: period.from,
      until: period.until,
    });
    await db.exec('analyze');
    log(
      `seeded ${accounts} accounts, ${purchases} purchases in ${round((Date.now() - seedStarted) / 1000)} s`,
    );

    // The run in a process of its own, as `tollgate invoices run` (same V8 flags): its peak RSS is
    // the run's, not this process's seeding.
    const child = await runChild(url, values.batch ?? '2000');
    const seconds = child.seconds;
    log(`run CPU in its process: ${round(child.cpuSeconds, 2)} s (the rest: the database)`);
    const { rows } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from email_outbox where template = 'invoice_issued'`,
    );
    log(
      `run: ${child.issued} invoices in ${round(seconds, 2)} s (${Math.round(child.issued / seconds)}/s), ` +
        `${rows[0]?.n} e-mails queued, failed ${child.failed}, peak RSS of its process ` +
        `${Math.round(child.peakRssMb)} MB, load ${loadavg()
          .map((l) => round(l, 2))
          .join(' ')}`,
    );

    peakRss = process.memoryUsage().rss;
    const sample = await db.query<{ id: string }>(
      `select id from invoices where kind = 'invoice' order by seq limit ${SAMPLES}`,
    );
    const docs = new Map<string, Awaited<ReturnType<typeof loadInvoiceDocument>>>();
    for (const { id } of sample.rows) docs.set(id, await loadInvoiceDocument(db, id));
    const ids = [...docs.keys()];
    const pdf = await medianOf(ids, (id) =>
      renderInvoicePdf(docs.get(id) as NonNullable<ReturnType<typeof docs.get>>),
    );
    const facturx = await medianOf(ids, (id) =>
      renderFacturX(docs.get(id) as NonNullable<ReturnType<typeof docs.get>>),
    );
    if (pdf.error) log(`PDF not measured: ${pdf.error}`);
    if (facturx.error) log(`Factur-X not measured: ${facturx.error}`);
    return {
      name: 'invoices',
      value: round(seconds, 2),
      unit: 's',
      invoices: child.issued,
      purchases,
      invoices_per_s: Math.round(child.issued / seconds),
      pdf_median_ms: pdf.median,
      pdf_p99_ms: pdf.p99,
      facturx_median_ms: facturx.median,
      facturx_p99_ms: facturx.p99,
      peak_rss_mb: Math.round(child.peakRssMb),
      rendering_peak_rss_mb: Math.round(peakRss / 1024 / 1024),
      target_s: 30,
    };
  } finally {
    clearInterval(sampler);
    await drop();
  }
}
