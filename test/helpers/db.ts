// A fresh, migrated database for one test file: in-memory PGlite, or (TEST_DB=postgres) a new
// PostgreSQL database created from TEST_DATABASE_URL and dropped afterwards.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb } from '../../src/db/index.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import type { Db } from '../../src/db/types.js';

export type TestDbKind = 'pglite' | 'postgres';

export function testDbKind(): TestDbKind {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestDb {
  db: Db;
  /** The URL of the fresh PostgreSQL database (undefined on PGlite). */
  url: string | undefined;
  /** Opens another pool on the same database (PostgreSQL only): a second process's view. */
  openAnother(poolSize?: number): Promise<Db>;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL');
  return url;
}

/** Creates an empty PostgreSQL database and returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = adminUrl();
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * An empty database another process can open too (for crash tests with a child process): a new
 * PostgreSQL database, or PGlite in a temporary directory. `target` is what the child is given
 * (the URL or the directory); `open` opens it in this process; `remove` drops or deletes it.
 */
export async function sharedTestDatabase(
  prefix: string,
): Promise<{ target: string; open: () => Promise<Db>; remove: () => Promise<void> | void }> {
  if (testDbKind() === 'postgres') {
    const created = await createPostgresDatabase();
    return {
      target: created.url,
      open: () => openDb({ databaseUrl: created.url, dataDir: 'memory', poolSize: 8 }),
      remove: created.drop,
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    target: dir,
    open: () => openDb({ databaseUrl: undefined, dataDir: dir }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
/**
 * A migrated PGlite data directory, dumped once per set of migrations and shared by every test
 * file: starting from it takes about a second, where an empty PGlite plus migrations takes
 * several. Written to a temporary name and renamed, so concurrent test files never see half.
 */
async function pgliteTemplate(): Promise<Blob> {
  const pglitePackage = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(pglitePackage, 'utf8')) as { version: string };
  const key = createHash('sha256')
    .update(
      `${version}:${readMigrations()
        .map((m) => m.checksum)
        .join(',')}`,
    )
    .digest('hex')
    .slice(0, 16);
  const file = path.join(tmpdir(), `tollgate-pglite-template-${key}.tar`);
  if (!existsSync(file)) {
    const fresh = await openPglite(undefined);
    await migrate(fresh);
    const dump = await fresh.dump();
    await fresh.close();
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  }
  return new Blob([readFileSync(file)]);
}

export async function createTestDb({ poolSize = 20 } = {}): Promise<TestDb> {
  if (testDbKind() === 'pglite') {
    const db = await openDb({ databaseUrl: undefined, dataDir: 'memory', template: await pgliteTemplate() });
    await migrate(db);
    return {
      db,
      url: undefined,
      openAnother: () => Promise.reject(new Error('PGlite has a single connection')),
      drop: () => db.close(),
    };
  }
  const created = await createPostgresDatabase();
  const db = await openDb({ databaseUrl: created.url, dataDir: 'memory', poolSize });
  await migrate(db);
  const others: Db[] = [];
  return {
    db,
    url: created.url,
    async openAnother(size = 20) {
      const other = await openDb({ databaseUrl: created.url, dataDir: 'memory', poolSize: size });
      others.push(other);
      return other;
    },
    async drop() {
      await Promise.allSettled([db.close(), ...others.map((o) => o.close())]);
      await created.drop();
    },
  };
}
