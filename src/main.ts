// The `tollgate` command: serve | worker | migrate | ledger-check | create-admin.
import { parseArgs } from 'node:util';
import { AdminSetupError, createAdmin } from './accounts/index.js';
import { ConfigError, loadConfig } from './config.js';
import { openDb } from './db/index.js';
import { migrate } from './db/migrate.js';
import { auditLedger } from './ledger/audit.js';
import { start } from './server.js';

const USAGE = `usage: tollgate <command> [options]

commands:
  serve [--no-worker]   the HTTP API and portal (and the background worker unless --no-worker)
  worker                the background worker alone (scale-out with PostgreSQL)
  migrate               apply database migrations and exit
  ledger-check          verify the ledger's invariants and exit (non-zero if any fails)
  create-admin --email E --password P [--name N]
                        create an operator admin (migrates the database first)

configuration comes from the environment: see docs/OPERATIONS.md`;

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
      const running = await start(config, {
        http: command === 'serve',
        worker: command === 'worker' || !values['no-worker'],
      }).catch((error: unknown) => {
        if (error instanceof AdminSetupError) fail(`cannot create the start-up admin: ${error.message}`);
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
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n${USAGE}`);
  }
}
