// The invoice run of `npm run bench -- invoices`, in a process of its own as `tollgate invoices
// run` would be: the parent seeds the database (its garbage is not the run's) and reads this
// process's figures, printed as one JSON line at the end, peak RSS included (getrusage's maxrss,
// the whole process's life: modules, pool, the run).
//
//   DATABASE_URL=… node --max-semi-space-size=32 --import tsx bench/invoices-run.ts 2026-10
import { loadConfig } from '../src/config.js';
import { openContext } from '../src/open-context.js';
import { runInvoices } from '../src/invoicing/index.js';

const month = process.argv[2] ?? '';
const config = loadConfig(process.env);
const ctx = await openContext(config);
// The run queues the e-mails in the outbox; sending them is the mail worker's work, not the run's.
ctx.mailer.sendSoon = () => undefined;
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const result = await runInvoices(ctx, { month, trigger: 'cli' });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
await ctx.writer.close();
await ctx.db.close();
process.stdout.write(
  `${JSON.stringify({
    issued: result.issued,
    failed: result.failed,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
