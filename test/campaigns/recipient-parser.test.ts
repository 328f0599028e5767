// The campaign importer's recipient parser answers exactly as pricing's parseRecipient: on
// random digits after a random calling code, on real mobile numbers of every country with
// their last digits changed (so they share cache entries, valid and not), and on numbers
// written in other ways (which it hands to parseRecipient). One parser per run, so answers
// from its cache are compared too.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecipientParser } from '../../src/messaging/campaigns/recipient-parser.js';
import type { CountryCode } from '../../src/pricing/countries.js';
import { parseRecipient } from '../../src/pricing/phone.js';

const require = createRequire(import.meta.url);
const metadata = require('libphonenumber-js/metadata.max.json') as {
  country_calling_codes: Record<string, string[]>;
};
const examples = require('libphonenumber-js/examples.mobile.json') as Record<string, string>;
const callingCodes = Object.keys(metadata.country_calling_codes);
const exampleNumbers = Object.entries(examples).map(([country, national]) => ({
  country,
  code: Object.entries(metadata.country_calling_codes).find(([, cs]) => cs.includes(country))?.[0] ?? '1',
  national,
}));

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

const randomNumber = fc
  .tuple(fc.constantFrom(...callingCodes), digits(1, 14))
  .map(([code, rest]) => `+${code}${rest}`);

/** A real mobile number with 0 to 4 of its last digits replaced, and sometimes one more or fewer. */
const nearExample = fc
  .tuple(fc.constantFrom(...exampleNumbers), digits(0, 4), fc.integer({ min: -1, max: 1 }))
  .map(([{ code, national }, tail, stretch]) => {
    const kept = national.slice(0, Math.max(1, national.length - tail.length));
    const body = `${kept}${tail}`;
    const sized = stretch < 0 ? body.slice(0, -1) : stretch > 0 ? `${body}5` : body;
    return `+${code}${sized}`;
  });

const otherForms = fc.oneof(
  nearExample.map((n) => ` ${n.slice(0, 4)} ${n.slice(4)} `),
  nearExample.map((n) => n.slice(1)),
  digits(6, 12),
  fc.constantFrom('', '+', 'abc', '+34 612 345 678 ext. 12', '0034612345678', '(+34) 612-345-678'),
);

describe('RecipientParser', () => {
  for (const defaultCountry of [undefined, 'ES', 'US', 'GB'] as const) {
    it(`answers as parseRecipient does (default country ${defaultCountry ?? 'none'})`, () => {
      const parser = new RecipientParser(defaultCountry as CountryCode | undefined);
      fc.assert(
        fc.property(fc.oneof(randomNumber, nearExample, nearExample, otherForms), (raw) => {
          expect(parser.parse(raw)).toEqual(parseRecipient(raw, defaultCountry as CountryCode | undefined));
        }),
        { numRuns: 6_000 },
      );
      // The cache answered a good share: the comparison covered the fast path, not only the slow one.
      expect(parser.hits).toBeGreaterThan(2_000);
    });
  }

  it('answers a million Spanish mobiles mostly from a handful of cache entries', () => {
    const parser = new RecipientParser('ES');
    for (let i = 0; i < 100_000; i++) {
      const n = `+346${String(i * 997)
        .padStart(8, '0')
        .slice(-8)}`;
      const parsed = parser.parse(n);
      if (!parsed.ok || parsed.e164 !== n || parsed.country !== 'ES')
        throw new Error(`${n}: ${JSON.stringify(parsed)}`);
    }
    expect(parser.misses).toBeLessThan(10);
  });
});
