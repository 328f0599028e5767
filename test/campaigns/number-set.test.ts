// The duplicate filter agrees with a Set on random E.164 numbers, through many table growths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberSet } from '../../src/messaging/campaigns/number-set.js';

describe('NumberSet', () => {
  it('adds exactly the numbers a Set would, and refuses repeats', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 999_999_999_999_999 }), { maxLength: 5_000 }),
        (numbers) => {
          const ours = new NumberSet();
          const reference = new Set<number>();
          for (const n of numbers) {
            const fresh = !reference.has(n);
            reference.add(n);
            expect(ours.add(n)).toBe(fresh);
          }
          expect(ours.size).toBe(reference.size);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps a million distinct numbers, each added once', () => {
    const set = new NumberSet();
    let added = 0;
    let repeats = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.add(34_600_000_000 + i * 7)) added++;
    for (let i = 0; i < 1_000_000; i += 997) if (!set.add(34_600_000_000 + i * 7)) repeats++;
    expect(added).toBe(1_000_000);
    expect(repeats).toBe(Math.ceil(1_000_000 / 997));
    expect(set.size).toBe(1_000_000);
  });
});
