// Storage: opens PGlite (no DATABASE_URL) or PostgreSQL and hides which one it is.
// Knows nothing about domains.
import path from 'node:path';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './types.js';

export * from './types.js';

export interface DbOptions {
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files; `memory` for a throwaway database. */
  dataDir: string | 'memory';
  poolSize?: number;
  /** PGlite only: start from this dumped data directory instead of an empty one. */
  template?: Blob;
}

export function openDb(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 20);
  return openPglite(
    options.dataDir === 'memory' ? undefined : path.join(options.dataDir, 'pglite'),
    options.template,
  );
}
