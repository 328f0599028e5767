import pg from 'pg';
import { transactionCommitted, transactionEnded, transactionStarted } from './after-commit.js';
import type { Db, Queryable, QueryResult } from './types.js';

const INT8 = 20;

/**
 * Statements this process runs again and again are prepared on each connection once their text
 * has been seen PREPARE_AFTER times (as pgJDBC's prepareThreshold does): PostgreSQL then parses,
 * analyses and plans them once per connection instead of on every run. The hot path's statements
 * are long (a batch's insert with its CTEs), and planning them was about 40% of the database's
 * CPU. Bounded: at most MAX_PREPARED texts ever get a name, so each connection holds at most
 * that many; the count of the others is forgotten now and then, and a text longer than
 * MAX_LENGTH (one whose length grows with its data) is never counted.
 */
const PREPARE_AFTER = 3;
const MAX_PREPARED = 200;
const MAX_COUNTED = 5000;
const MAX_LENGTH = 16_384;

export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  nameFor(sql: string): string | undefined {
    const name = this.names.get(sql);
    if (name !== undefined || this.names.size >= MAX_PREPARED || sql.length > MAX_LENGTH) return name;
    const count = (this.counts.get(sql) ?? 0) + 1;
    if (count < PREPARE_AFTER) {
      if (this.counts.size >= MAX_COUNTED) this.counts.clear();
      this.counts.set(sql, count);
      return undefined;
    }
    this.counts.delete(sql);
    const named = `tg_${this.names.size + 1}`;
    this.names.set(sql, named);
    return named;
  }
}

export async function openPostgres(url: string, poolSize: number): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? (value: string) => BigInt(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may a client the pool has handed out (it stops listening then): every client keeps a
  // listener of its own, so a server restart never meets an unhandled 'error' event. A client
  // whose connection died is dropped by the pool on release (it is no longer queryable).
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const statements = new StatementNames();
  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const name = statements.nameFor(sql);
    const values = params ? [...params] : undefined;
    const result = await (name === undefined
      ? client.query(sql, values)
      : client.query({ name, text: sql, ...(values ? { values } : {}) }));
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 } satisfies QueryResult<T>;
  };
  // Fail fast on a wrong URL, with the driver's own message.
  await run(pool, 'select 1');
  const db: Db = {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      // While checked out, the pool no longer listens for the client's 'error' event: the
      // server going away (a restart) between two statements of this transaction would be an
      // unhandled 'error' and end the process. Kept, and the client is then destroyed on release
      // instead of going back to the pool.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
      };
      client.on('error', onError);
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => {
          await client.query(sql);
        },
      };
      transactionStarted(tx, db);
      try {
        // Not awaited: the transaction's first statement queues behind BEGIN on the same
        // connection and goes as soon as BEGIN is answered, without a turn of the event loop in
        // between (a busy server's hot path waits less). Should BEGIN fail, so does that
        // statement, and the error is thrown below.
        const begun = client.query('BEGIN');
        begun.catch(() => {});
        const result = await fn(tx);
        await begun;
        await client.query('COMMIT');
        transactionCommitted(tx);
        return result;
      } catch (error) {
        transactionEnded(tx);
        if (!lost) await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.removeListener('error', onError);
        client.release(lost);
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
  return db;
}
