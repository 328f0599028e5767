// The application's context on its database, migrated, for `serve`, `worker` and the commands
// that work on the data (`invoices run`, `bank-import`): no HTTP app, no routes loaded.
import { bootstrapAdmin } from './accounts/index.js';
import type { Config } from './config.js';
import { type AppContext, createContext } from './context.js';
import { openDb } from './db/index.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';

export async function openContext(config: Config): Promise<AppContext> {
  const logger = createLogger(config);
  const db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  const ctx = createContext(config, db, logger);
  await bootstrapAdmin(ctx);
  return ctx;
}
