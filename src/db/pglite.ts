import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { transactionCommitted, transactionEnded, transactionStarted } from './after-commit.js';
import type { Db, Queryable, QueryResult } from './types.js';

export interface PgliteDb extends Db {
  /** The whole data directory as a tarball: a template for fast throwaway copies (tests). */
  dump(): Promise<Blob>;
}

const INT8 = 20;
const parsers = { [INT8]: (value: string) => BigInt(value) };

/** Embedded PostgreSQL in WebAssembly. One connection: transactions run one at a time. */
export async function openPglite(dataDir: string | undefined, template?: Blob): Promise<PgliteDb> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, parsers, loadDataDir: template });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const result = await q.query<T>(sql, params ? [...params] : undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  const top = wrap(pg);
  const db: PgliteDb = {
    kind: 'pglite',
    query: top.query,
    exec: top.exec,
    async transaction(fn) {
      let tx: Queryable | undefined;
      try {
        const result = await pg.transaction((raw) => {
          tx = wrap(raw);
          transactionStarted(tx, db);
          return fn(tx);
        });
        if (tx) transactionCommitted(tx);
        return result;
      } catch (error) {
        if (tx) transactionEnded(tx);
        throw error;
      }
    },
    close: () => pg.close(),
    dump: async () => {
      const dumped = await pg.dumpDataDir('none');
      return dumped;
    },
  };
  return db;
}
