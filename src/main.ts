// The `tollgate` command: serve | worker | migrate | ledger-check | create-admin | bank-import |
// invoices run.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AdminSetupError, createAdmin } from './accounts/index.js';
import { ConfigError, loadConfig } from './config.js';
import { openDb } from './db/index.js';
import { migrate } from './db/migrate.js';
import { auditLedger } from './ledger/audit.js';
import { AppError } from './http/errors.js';
import { runInvoices } from './invoicing/index.js';
import { importStatement } from './purchases/index.js';
import { openContext } from './open-context.js';

const USAGE = `usage: tollgate <command> [options]

commands:
  serve [--no-worker]   the HTTP API and portal (and the background worker unless --no-worker)
  worker                the background worker alone (scale-out with PostgreSQL)
  migrate               apply database migrations and exit
  ledger-check          verify the ledger's invariants and exit (non-zero if any fails)
  create-admin --email E --password P [--name N]
                        create an operator admin (migrates the database first)
  bank-import FILE      import a camt.053 bank statement: matching transfers credit their
                        purchases, the rest is listed (and kept for an operator to review)
  invoices run --month YYYY-MM
                        issue the invoices (and due credit notes) of a month that has ended;
                        idempotent: a second run issues nothing new

configuration comes from the environment: see docs/OPERATIONS.md`;

function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

function fail(message: string): never {
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  switch (command) {
    case 'serve':
    case 'worker': {
      const { values } = parseArgs({
        args: rest,
        options: { 'no-worker': { type: 'boolean', default: false } },
      });
      // The server and its routes are loaded for these two commands only.
      const { start } = await import('./server.js');
      const running = await start(config, {
        http: command === 'serve',
        worker: command === 'worker' || !values['no-worker'],
      }).catch((error: unknown) => {
        if (error instanceof AdminSetupError) fail(`cannot create the start-up admin: ${error.message}`);
        if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
        if (isAddressInUse(error)) fail(`port ${config.port} is already in use; set PORT to another port`);
        throw error;
      });
      const shutdown = (signal: string) => {
        running.ctx.logger.info({ signal }, 'shutting down');
        running.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            running.ctx.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      return;
    }
    case 'migrate': {
      const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const applied = await migrate(db);
      await db.close();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
      return;
    }
    case 'ledger-check': {
      const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const report = await auditLedger(db);
      await db.close();
      process.stdout.write(report.ok ? 'ledger ok\n' : `${report.problems.join('\n')}\n`);
      if (!report.ok) process.exitCode = 2;
      return;
    }
    case 'create-admin': {
      const { values } = parseArgs({
        args: rest,
        options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
      });
      if (!values.email || !values.password) fail('create-admin needs --email and --password');
      const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrate(db);
        const { userId } = await createAdmin(
          db,
          { email: values.email, password: values.password, name: values.name },
          new Date(),
        );
        process.stdout.write(`admin ${values.email.trim().toLowerCase()} created (${userId})\n`);
      } catch (error) {
        if (error instanceof AdminSetupError) fail(`create-admin: ${error.message}`);
        throw error;
      } finally {
        await db.close();
      }
      return;
    }
    case 'bank-import': {
      const [file] = rest;
      if (!file) fail('bank-import needs the statement file: tollgate bank-import statement.xml');
      await bankImport(config, file);
      return;
    }
    case 'invoices': {
      const [sub, ...args] = rest;
      const { values } = parseArgs({ args, options: { month: { type: 'string' } } });
      if (sub !== 'run' || !values.month) fail('usage: tollgate invoices run --month YYYY-MM');
      await invoicesRun(config, values.month);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}

async function invoicesRun(config: ReturnType<typeof loadConfig>, month: string): Promise<void> {
  const ctx = await openContext(config);
  try {
    const result = await runInvoices(ctx, { month, trigger: 'cli' });
    const out = [
      `invoices ${result.month}: ${result.issued} issued, ${result.creditNotes} credit notes, ${result.skipped} already issued, ${result.failed} failed (run ${result.runId})`,
      ...result.failures.map((f) => `  failed  ${f.accountId} ${f.currency}: ${f.reason}`),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (result.failed > 0) process.exitCode = 2;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`tollgate: invoices run: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.mailer.drain();
    ctx.mailer.close();
    await ctx.carrier.close?.();
    await ctx.writer.close();
    await ctx.db.close();
  }
}

async function bankImport(config: ReturnType<typeof loadConfig>, file: string): Promise<void> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    fail(`bank-import: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ctx = await openContext(config);
  try {
    const result = await importStatement(ctx, data, { importedBy: 'cli' });
    const out = [
      `statement ${result.statementIds.join(', ')}: ${result.entries} entries, ${result.matched.length} matched, ${result.unmatched.length} unmatched`,
    ];
    for (const line of result.matched)
      out.push(`  matched    ${line.bankRef ?? '-'}  ${line.reference ?? '-'}  -> ${line.purchaseId}`);
    for (const line of result.unmatched)
      out.push(`  unmatched  ${line.bankRef ?? '-'}  ${line.reference ?? '-'}  ${line.reason}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // Not fail(): the database must still be closed below.
    process.stderr.write(`tollgate: bank-import: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.mailer.drain();
    ctx.mailer.close();
    await ctx.carrier.close?.();
    await ctx.writer.close();
    await ctx.db.close();
  }
}
