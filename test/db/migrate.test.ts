import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/index.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../src/db/migrate.js';
import { createPostgresDatabase, createTestDb, testDbKind } from '../helpers/db.js';

describe('migrations', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('applies every migration once; running again applies nothing', async () => {
    const t = await createTestDb();
    cleanups.push(t.drop);
    expect(await migrate(t.db)).toEqual([]);
    const { rows } = await t.db.query<{ name: string }>('select name from schema_migrations order by name');
    expect(rows.map((r) => r.name)).toEqual(readMigrations().map((m) => m.name));
  });

  it('stops when an applied migration was edited afterwards', async () => {
    const t = await createTestDb();
    cleanups.push(t.drop);
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    await expect(migrate(t.db, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it('rolls a failing migration back whole, leaving the database as it was', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-migrations-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, '0001_ok.sql'), 'create table first_table (id int);');
    writeFileSync(
      path.join(dir, '0002_bad.sql'),
      'create table second_table (id int); select * from no_such_table;',
    );
    const db = await openDb({ databaseUrl: undefined, dataDir: 'memory' });
    cleanups.push(() => db.close());
    await expect(migrate(db, readMigrations(dir))).rejects.toThrow(/no_such_table/);
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from information_schema.tables
        where table_name in ('first_table', 'second_table', 'schema_migrations')`,
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('lets several processes start at once: one migrates, the others find it done', async () => {
    if (testDbKind() === 'pglite') {
      // PGlite has one connection: two migrations can only queue behind each other.
      const db = await openDb({ databaseUrl: undefined, dataDir: 'memory' });
      cleanups.push(() => db.close());
      const [a, b] = await Promise.all([migrate(db), migrate(db)]);
      expect([...(a ?? []), ...(b ?? [])].sort()).toEqual(readMigrations().map((m) => m.name));
      return;
    }
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const pools = await Promise.all(
      [1, 2, 3].map(() => openDb({ databaseUrl: created.url, dataDir: 'memory', poolSize: 2 })),
    );
    cleanups.push(() => Promise.all(pools.map((p) => p.close())).then(() => undefined));
    const results = await Promise.all(pools.map((p) => migrate(p)));
    expect(results.flat().sort()).toEqual(readMigrations().map((m) => m.name));
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
  });

  it('reads the migrations shipped in the repository', () => {
    expect(MIGRATIONS_DIR).toMatch(/migrations\/$/);
    expect(readMigrations()[0]?.name).toBe('0001_ledger');
  });
});
