import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Browser tests drive the portal in Chromium (CHROMIUM_PATH or Debian's /usr/bin/chromium);
// they join the run wherever that browser is installed (.ci/run installs it).
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Projects: DB-free unit tests; everything else on PGlite; and, when TEST_DATABASE_URL is
// set, everything else again on PostgreSQL plus the *.pg.test.ts files that need real
// concurrency (many connections, several processes).
const postgresUrl = process.env.TEST_DATABASE_URL;
const shared = ['test/**/*.test.ts'];
const notUnit = ['test/unit/**', 'test/browser/**', 'node_modules/**'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: shared,
          exclude: [...notUnit, 'test/**/*.pg.test.ts'],
          env: { TEST_DB: 'pglite' },
        },
      },
      ...(existsSync(chromium)
        ? [
            {
              extends: true as const,
              test: {
                name: 'browser',
                include: ['test/browser/**/*.test.ts'],
                env: { TEST_DB: 'pglite', CHROMIUM_PATH: chromium },
              },
            },
          ]
        : []),
      ...(postgresUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: shared,
                exclude: notUnit,
                env: { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl },
              },
            },
          ]
        : []),
    ],
  },
});
