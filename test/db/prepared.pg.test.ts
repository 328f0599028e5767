// PostgreSQL only: PGlite runs every statement unnamed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';

describe('prepared statements on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 3 });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('prepares a statement run again and again, and it keeps answering for its parameters', async () => {
    const sql = 'select $1::int * 2 as doubled, $2::text as label';
    const prepared = await t.db.transaction(async (tx) => {
      for (let i = 0; i < 6; i++) {
        const { rows } = await tx.query<{ doubled: number; label: string }>(sql, [i, `run ${i}`]);
        expect(rows).toEqual([{ doubled: i * 2, label: `run ${i}` }]);
      }
      const { rows } = await tx.query<{ statement: string }>(
        "select statement from pg_prepared_statements where name like 'tg\\_%'",
      );
      return rows.map((r) => r.statement);
    });
    expect(prepared).toContain(sql);
    // Every connection of the pool prepares it for itself the first time it runs it.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.db.query<{ doubled: number }>(sql, [i, 'x'])),
    );
    expect(answers.map((a) => a.rows[0]?.doubled)).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
  });

  it('reports a failing prepared statement as the error it is, and runs it again afterwards', async () => {
    const sql = 'select 10 / $1::int as q';
    for (let i = 1; i <= 4; i++)
      expect((await t.db.query<{ q: number }>(sql, [i])).rows[0]?.q).toBe(Math.trunc(10 / i));
    await expect(t.db.query(sql, [0])).rejects.toMatchObject({ code: '22012' });
    expect((await t.db.query<{ q: number }>(sql, [5])).rows[0]?.q).toBe(2);
  });
});
