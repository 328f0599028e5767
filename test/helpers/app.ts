// A whole application on a fresh test database, driven through app.inject (no port).
import { loadConfig, type Config } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/context.js';
import { type App, buildApp, type RouteModule } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { ROUTE_MODULES } from '../../src/routes.js';
import { createTestDb, type TestDb } from './db.js';

export interface TestApp {
  app: App;
  ctx: AppContext;
  testDb: TestDb;
  /** Everything the app logged, one JSON line each (for "secrets never logged" checks). */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Routes only a test needs (registered after the product's own). */
  extraRoutes?: RouteModule[];
}

/**
 * Accounts verify themselves by their mobile in tests unless a test names the policy: most tests
 * need an active customer (readyCustomer) and are about something else than who verifies it.
 */
function withVerification(env: Record<string, string>): Record<string, string> {
  if (env.ACCOUNT_VERIFICATION !== undefined || env.ACCOUNT_AUTO_VERIFY !== undefined) return env;
  return { ACCOUNT_VERIFICATION: 'mobile', ...env };
}

export async function createTestApp({ env = {}, extraRoutes = [] }: TestAppOptions = {}): Promise<TestApp> {
  const testDb = await createTestDb();
  const config: Config = loadConfig({
    DATA_DIR: '/tmp/tollgate-test',
    LOG_LEVEL: 'debug',
    ...withVerification(env),
  });
  const logs: string[] = [];
  const logger = createLogger(config, { write: (line: string) => logs.push(line) });
  const ctx = createContext(config, testDb.db, logger);
  const app = await buildApp(ctx, [...ROUTE_MODULES, ...extraRoutes]);
  await app.ready();
  return {
    app,
    ctx,
    testDb,
    logs,
    async close() {
      await app.close();
      await ctx.writer.close();
      await testDb.drop();
    },
  };
}
