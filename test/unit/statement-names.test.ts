import { describe, expect, it } from 'vitest';
import { StatementNames } from '../../src/db/postgres.js';

describe('statement names', () => {
  it('names a text from its third run on, and the same text always by the same name', () => {
    const names = new StatementNames();
    expect(names.nameFor('select 1')).toBeUndefined();
    expect(names.nameFor('select 1')).toBeUndefined();
    const name = names.nameFor('select 1');
    expect(name).toMatch(/^tg_\d+$/);
    expect(names.nameFor('select 1')).toBe(name);
    expect(names.nameFor('select 2')).toBeUndefined();
  });

  it('names at most 200 texts; the others keep running unnamed', () => {
    const names = new StatementNames();
    const given = new Set<string>();
    for (let i = 0; i < 300; i++) {
      for (let run = 0; run < 3; run++) {
        const name = names.nameFor(`select ${i}`);
        if (name) given.add(name);
      }
    }
    expect(given.size).toBe(200);
    expect(names.nameFor('select 250')).toBeUndefined();
    expect(names.nameFor('select 0')).toBe('tg_1');
  });

  it('never names a text longer than 16 KB', () => {
    const names = new StatementNames();
    const long = `select 1 -- ${'x'.repeat(16_384)}`;
    for (let run = 0; run < 5; run++) expect(names.nameFor(long)).toBeUndefined();
  });
});
