// Parts by the carrier's alphabet: GSM-7 as segments.ts counts them, Latin-1 at 140/134
// octets, UCS-2 for any other text, and the parts themselves as a carrier sends them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLatin1, measureParts, splitParts } from '../../../src/pricing/alphabets.js';
import { measureSms } from '../../../src/pricing/segments.js';

describe('Latin-1 parts', () => {
  it.each([
    ['x'.repeat(140), 'Latin-1', 1, 140],
    ['x'.repeat(141), 'Latin-1', 2, 134],
    ['x'.repeat(268), 'Latin-1', 2, 134],
    ['x'.repeat(269), 'Latin-1', 3, 134],
    // Characters GSM lacks but Latin-1 has stay one octet each.
    ['ç'.repeat(140), 'Latin-1', 1, 140],
    // One character outside Latin-1 (€ is GSM, not Latin-1): all UCS-2.
    [`${'x'.repeat(69)}€`, 'UCS-2', 1, 70],
    [`${'x'.repeat(70)}€`, 'UCS-2', 2, 67],
  ] as const)('%#: %s is %s in %i part(s) of %i', (text, encoding, segments, unitsPerSegment) => {
    expect(measureParts(text, 'Latin-1')).toMatchObject({ ok: true, encoding, segments, unitsPerSegment });
    const split = splitParts(text, 'Latin-1');
    if (!split.ok) throw new Error('not split');
    expect(split.parts.join('')).toBe(text);
    expect(split.parts).toHaveLength(segments);
  });

  it('never splits a surrogate pair, and counts it two', () => {
    const text = `${'x'.repeat(66)}😀yyy`;
    const split = splitParts(text, 'Latin-1');
    expect(split).toMatchObject({ ok: true, encoding: 'UCS-2', segments: 2, characters: 70, unitsUsed: 71 });
    if (!split.ok) throw new Error('not split');
    expect(split.parts).toEqual(['x'.repeat(66), '😀yyy']);
  });

  it('refuses more parts than allowed, and an empty text', () => {
    expect(measureParts('x'.repeat(300), 'Latin-1', { maxSegments: 2 })).toMatchObject({
      ok: false,
      reason: 'too_long',
      segments: 3,
      maxSegments: 2,
    });
    expect(measureParts('', 'Latin-1')).toEqual({ ok: false, reason: 'empty' });
    expect(() => measureParts('x', 'Latin-1', { maxSegments: 0 })).toThrow(RangeError);
  });

  it('sends everything as UCS-2 when asked to, even GSM text', () => {
    expect(measureParts('hello', 'UCS-2')).toMatchObject({ ok: true, encoding: 'UCS-2', segments: 1 });
    expect(measureParts('x'.repeat(71), 'UCS-2')).toMatchObject({ segments: 2 });
  });

  it('knows Latin-1', () => {
    expect(isLatin1('Ñandú ÿ ß ¿?')).toBe(true);
    expect(isLatin1('€')).toBe(false);
    expect(isLatin1('Δ')).toBe(false);
  });
});

describe('GSM-7 parts', () => {
  it('are what segments.ts measures', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '€', 'é', 'ж', '😀', ' '), maxLength: 400 }),
        (text) => {
          expect(measureParts(text, 'GSM-7')).toEqual(measureSms(text));
        },
      ),
    );
  });

  it('and the parts reassemble to the text in every alphabet', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '€', 'ç', 'ж', '😀', ' '), minLength: 1, maxLength: 700 }),
        fc.constantFrom('GSM-7', 'Latin-1', 'UCS-2' as const),
        (text, alphabet) => {
          const split = splitParts(text, alphabet, { maxSegments: 255 });
          if (!split.ok) throw new Error('not split');
          expect(split.parts.join('')).toBe(text);
          expect(split.parts).toHaveLength(split.segments);
        },
      ),
    );
  });
});
