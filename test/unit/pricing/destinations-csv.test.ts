import fc from 'fast-check';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { parseDestinationCsv, serializeDestinationCsv } from '../../../src/pricing/destinations-csv.js';
import type { DestinationRule } from '../../../src/pricing/destinations.js';

describe('parseDestinationCsv', () => {
  it('reads a header and one price per line', () => {
    const csv = 'country,prefix,credits_per_segment\nGB,,1.2\nGB,+4477,1.1\nES,,1\n';
    expect(parseDestinationCsv(csv)).toEqual({
      ok: true,
      rules: [
        { country: 'GB', prefix: undefined, microsPerSegment: 1_200_000n },
        { country: 'GB', prefix: '+4477', microsPerSegment: 1_100_000n },
        { country: 'ES', prefix: undefined, microsPerSegment: 1_000_000n },
      ],
    });
  });

  it('tolerates a BOM, CRLF, quotes, spaces, blank lines and a header in other case', () => {
    const csv =
      '\uFEFFCountry, Prefix ,Credits_Per_Segment\r\n"GB","","1.2"\r\n\r\n gb , "+4477" , 1.1 \r\n"E""S",,1\r\n';
    const result = parseDestinationCsv(csv);
    expect(result).toMatchObject({ ok: false, errors: [{ row: 5, code: 'unknown_country' }] });
    const fixed = parseDestinationCsv(csv.replace('"E""S"', '"ES"'));
    expect(fixed).toMatchObject({
      ok: true,
      rules: [{ country: 'GB' }, { prefix: '+4477' }, { country: 'ES' }],
    });
  });

  it.each([
    ['an empty file', '', 1, 'bad_header'],
    ['blank lines only', '\n\n', 1, 'bad_header'],
    ['a missing header', 'GB,,1.2\n', 1, 'bad_header'],
    [
      'a header with columns in another order',
      'country,credits_per_segment,prefix\nGB,1,\n',
      1,
      'bad_header',
    ],
    ['a header only', 'country,prefix,credits_per_segment\n', 0, 'empty'],
  ])('refuses %s', (_name, csv, row, code) => {
    expect(parseDestinationCsv(csv)).toEqual({ ok: false, errors: [expect.objectContaining({ row, code })] });
  });

  it('reports errors with the line they are on, the header being line 1', () => {
    const csv = [
      'country,prefix,credits_per_segment',
      'ES,,1',
      'QQ,,1',
      '',
      'GB,4477,1',
      'FR,,0',
      'DE,,1.0000001',
      'IT,,1,extra',
      'PT,,"1',
      'ES,,2',
      'NL',
    ].join('\n');
    const result = parseDestinationCsv(csv);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([
      [3, 'unknown_country'],
      [5, 'bad_prefix'],
      [6, 'non_positive_price'],
      [7, 'too_many_fraction_digits'],
      [8, 'wrong_column_count'],
      [9, 'malformed_row'],
      [10, 'duplicate'],
      [11, 'wrong_column_count'],
    ]);
    expect(result.errors.find((e) => e.row === 10)?.message).toBe('ES is already priced in row 2');
  });

  it('refuses a quote in the middle of a field', () => {
    expect(parseDestinationCsv('country,prefix,credits_per_segment\nG"B,,1\n')).toMatchObject({
      ok: false,
      errors: [{ row: 2, code: 'malformed_row' }],
    });
  });
});

describe('serializeDestinationCsv', () => {
  it('writes sorted rows with an empty prefix for the country price', () => {
    const rules: DestinationRule[] = [
      { country: 'GB', prefix: '+4477', microsPerSegment: 1_100_000n },
      { country: 'ES', prefix: undefined, microsPerSegment: 45_000n },
      { country: 'GB', prefix: undefined, microsPerSegment: 1_200_000n },
    ];
    expect(serializeDestinationCsv(rules)).toBe(
      'country,prefix,credits_per_segment\nES,,0.045\nGB,,1.2\nGB,+4477,1.1\n',
    );
  });

  it('parses back to the same price list', () => {
    const countries = getCountries();
    const rule = fc.record({
      country: fc.constantFrom(...countries),
      suffix: fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
      micros: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
    });
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 40 }), (drafts) => {
        const byKey = new Map<string, DestinationRule>();
        for (const d of drafts) {
          const prefix =
            d.suffix === undefined ? undefined : `+${getCountryCallingCode(d.country)}${d.suffix}`;
          byKey.set(`${d.country}${prefix ?? ''}`, {
            country: d.country,
            prefix,
            microsPerSegment: d.micros,
          });
        }
        const rules = [...byKey.values()];
        const csv = serializeDestinationCsv(rules);
        const parsed = parseDestinationCsv(csv);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        expect(serializeDestinationCsv(parsed.rules)).toBe(csv);
        expect(
          new Set(parsed.rules.map((r) => `${r.country}${r.prefix ?? ''}=${r.microsPerSegment}`)),
        ).toEqual(new Set(rules.map((r) => `${r.country}${r.prefix ?? ''}=${r.microsPerSegment}`)));
      }),
    );
  });
});
