import { defineConfig } from 'vitest/config';

// Three projects: DB-free unit tests; everything else on PGlite; and, when TEST_DATABASE_URL is
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
