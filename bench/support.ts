// Shared pieces of the benchmarks: a throwaway PostgreSQL database, percentiles, logging.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import type { Db } from '../src/db/types.js';

export function postgresBaseUrl(): string {
  return (
    process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

/** A fresh, migrated PostgreSQL database, dropped by the returned function. */
export async function freshPostgres(
  poolSize: number,
): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  const base = postgresBaseUrl();
  const name = `tollgate_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString(), dataDir: 'memory', poolSize });
  await migrate(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function freshPglite(): Promise<Db> {
  const db = await openDb({ databaseUrl: undefined, dataDir: 'memory' });
  await migrate(db);
  return db;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** The middle value (the mean of the two middle ones when there are an even number). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
