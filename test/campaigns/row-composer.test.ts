// The campaign composer prices a row from a cache keyed by the country and the number's leading
// digits, and measures GSM-7 rows that fit one SMS while it fills their placeholders: the same
// answers as the price list's own lookup and as measureSms on the filled-in text, for numbers
// of prefix-priced and plain countries and for values in and out of the GSM-7 alphabet. One
// composer per run, so answers from its cache are compared too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowComposer } from '../../src/messaging/campaigns/row-composer.js';
import type { CountryCode } from '../../src/pricing/countries.js';
import { DestinationIndex, messageCostMicros } from '../../src/pricing/destinations.js';
import { findForbiddenCharacters } from '../../src/pricing/forbidden-characters.js';
import { parseRecipient } from '../../src/pricing/phone.js';
import { measureSms } from '../../src/pricing/segments.js';

const rule = (country: string, prefix: string | undefined, micros: bigint) => ({
  country: country as CountryCode,
  prefix,
  microsPerSegment: micros,
});
const prices = new DestinationIndex([
  rule('ES', undefined, 1_000_000n),
  rule('ES', '+3471', 1_500_000n),
  rule('ES', '+34712', 1_700_000n),
  rule('ES', '+346123', 900_000n),
  rule('GB', '+447', 700_000n),
  rule('US', undefined, 800_000n),
]);
const rules = { defaultCountry: 'ES', prices, maxParts: 3, now: new Date('2026-11-21T10:00:00Z') };

function composer(text: string): RowComposer {
  const created = RowComposer.create({ name: 'n', text }, rules);
  if (!created.ok) throw new Error(JSON.stringify(created.fields));
  return created.composer;
}

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const number = fc.oneof(
  fc
    .tuple(fc.constantFrom('+346', '+347', '+3471', '+34712', '+346123'), digits(8))
    .map(([p, d]) => (p + d).slice(0, 12)),
  digits(7).map((d) => `+447${d}000`.slice(0, 13)),
  digits(7).map((d) => `+1212${d}`),
  digits(9).map((d) => `+33${d}`),
);
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('Ana', 'Zoë', '€uro', '{x}', 'ßñ', '😀', '\ud83d', '\u0001', 'x'.repeat(150), ''),
);

describe('the campaign row composer', () => {
  it('prices every row as the price list does, from its cache', () => {
    const c = composer('Hello');
    fc.assert(
      fc.property(number, (to) => {
        const parsed = parseRecipient(to, 'ES' as CountryCode);
        const result = c.compose(to, () => undefined);
        if (!parsed.ok) {
          expect(result.ok).toBe(false);
          return;
        }
        const quote = prices.lookup(parsed);
        if (!quote.priced) {
          expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/has no price/) });
          return;
        }
        expect(result.ok && result.row.cls).toMatchObject({
          country: parsed.country,
          pricePerSegment: quote.microsPerSegment,
          pricePrefix: quote.prefix ?? null,
          credits: messageCostMicros(1, quote.microsPerSegment),
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('tells apart numbers that differ only in the last digit of a priced prefix', () => {
    const c = composer('Hello');
    const priceOf = (to: string) => {
      const result = c.compose(to, () => undefined);
      return result.ok ? result.row.cls.pricePerSegment : null;
    };
    for (let round = 0; round < 2; round++) {
      expect(priceOf('+34612300001')).toBe(900_000n);
      expect(priceOf('+34612400001')).toBe(1_000_000n);
      expect(priceOf('+34712000001')).toBe(1_700_000n);
      expect(priceOf('+34713000001')).toBe(1_500_000n);
      expect(priceOf('+34699999999')).toBe(1_000_000n);
      expect(priceOf('+447400123456')).toBe(700_000n);
      expect(priceOf('+447911123456')).toBe(null); // Guernsey: no price
      expect(priceOf('+33612345678')).toBe(null);
    }
  });

  it('measures filled-in texts as measureSms does, and refuses what findForbiddenCharacters refuses', () => {
    const c = composer('Hi {a}, {b}!');
    fc.assert(
      fc.property(value, value, (a, b) => {
        const text = `Hi ${a}, ${b}!`;
        const result = c.compose('+34612000001', (name) => (name === 'a' ? a : b));
        const measured = measureSms(text, { maxSegments: 3 });
        if (findForbiddenCharacters(text, 1).length > 0 || !measured.ok) {
          expect(result.ok).toBe(false);
          return;
        }
        expect(result.ok && { text: result.row.text, ...result.row.cls }).toMatchObject({
          text,
          encoding: measured.encoding,
          segments: measured.segments,
        });
      }),
      { numRuns: 3000 },
    );
  });
});
