import { describe, expect, it } from 'vitest';
import {
  DestinationIndex,
  type DestinationRow,
  messageCostMicros,
  type PriceListErrorCode,
  toDestinationPrice,
  validateDestinationPrices,
  validateDestinationRows,
} from '../../../src/pricing/destinations.js';
import { parseRecipient } from '../../../src/pricing/phone.js';

const row = (country: string, prefix: string, creditsPerSegment: string, n = 1): DestinationRow => ({
  row: n,
  country,
  prefix,
  creditsPerSegment,
});

describe('validateDestinationRows', () => {
  it('accepts country prices and longer prefixes, in micro-credits', () => {
    const result = validateDestinationRows([row('GB', '', '1.2', 2), row('gb', ' +4477 ', '0.045', 3)]);
    expect(result).toEqual({
      ok: true,
      rules: [
        { country: 'GB', prefix: undefined, microsPerSegment: 1_200_000n },
        { country: 'GB', prefix: '+4477', microsPerSegment: 45_000n },
      ],
    });
  });

  it.each<[string, DestinationRow, PriceListErrorCode]>([
    ['an unknown country', row('QQ', '', '1'), 'unknown_country'],
    ['an empty country', row('', '', '1'), 'unknown_country'],
    ['a prefix without +', row('GB', '4477', '1'), 'bad_prefix'],
    ['a prefix of another calling code', row('GB', '+3412', '1'), 'bad_prefix'],
    ['a prefix that is only the calling code', row('GB', '+44', '1'), 'bad_prefix'],
    ['a prefix with punctuation', row('GB', '+44-77', '1'), 'bad_prefix'],
    ['a prefix longer than E.164 allows', row('GB', `+44${'7'.repeat(14)}`, '1'), 'bad_prefix'],
    ['a US prefix under Jamaica that is not +1', row('JM', '+876', '1'), 'bad_prefix'],
    ['a zero price', row('GB', '', '0'), 'non_positive_price'],
    ['a zero price with decimals', row('GB', '', '0.000000'), 'non_positive_price'],
    ['a negative price', row('GB', '', '-1'), 'non_positive_price'],
    ['seven fraction digits', row('GB', '', '0.0000001'), 'too_many_fraction_digits'],
    ['an empty price', row('GB', '', ''), 'bad_price'],
    ['a decimal comma', row('GB', '', '1,5'), 'bad_price'],
    ['an exponent', row('GB', '', '1e3'), 'bad_price'],
    ['a word', row('GB', '', 'free'), 'bad_price'],
  ])('refuses %s', (_name, bad, code) => {
    const result = validateDestinationRows([bad]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ row: 1, code });
    expect(result.errors[0]?.message.length).toBeGreaterThan(10);
  });

  it('accepts the shortest prefix longer than the calling code and the longest E.164 allows', () => {
    expect(
      validateDestinationRows([row('GB', '+447', '1'), row('GB', `+44${'7'.repeat(13)}`, '1', 2)]).ok,
    ).toBe(true);
  });

  it('refuses a duplicate country or prefix, naming the row of the first', () => {
    const result = validateDestinationRows([
      row('GB', '', '1', 2),
      row('GB', '+4477', '1', 3),
      row('gb', '', '2', 4),
      row('GB', '+4477', '0.9', 5),
      row('JE', '+4477', '1', 6),
    ]);
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 4, code: 'duplicate', message: 'GB is already priced in row 2' },
        { row: 5, code: 'duplicate', message: '+4477 is already priced in row 3' },
      ],
    });
  });

  it('reports every bad row in one pass, each with its row number', () => {
    const result = validateDestinationRows([
      row('ES', '', '1', 2),
      row('QQ', '', '1', 3),
      row('ES', '+33', '1', 4),
      row('FR', '', '0', 5),
      row('DE', '+49', 'x', 6),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([
      [3, 'unknown_country'],
      [4, 'bad_prefix'],
      [5, 'non_positive_price'],
      [6, 'bad_prefix'],
      [6, 'bad_price'],
    ]);
  });

  it('refuses an empty list', () => {
    expect(validateDestinationRows([])).toMatchObject({ ok: false, errors: [{ code: 'empty' }] });
  });

  it('numbers data rows from 1 and converts back to data', () => {
    const prices = [
      { country: 'ES' as const, creditsPerSegment: '1' },
      { country: 'GB' as const, prefix: '+4477', creditsPerSegment: '0.9' },
    ];
    const result = validateDestinationPrices(prices);
    if (!result.ok) throw new Error('expected valid prices');
    expect(result.rules.map(toDestinationPrice)).toEqual(prices);
    expect(validateDestinationPrices([...prices, { country: 'ES', creditsPerSegment: '2' }])).toMatchObject({
      ok: false,
      errors: [{ row: 3, code: 'duplicate' }],
    });
  });
});

function indexOf(rows: DestinationRow[]): DestinationIndex {
  const result = validateDestinationRows(rows);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  return new DestinationIndex(result.rules);
}

function recipient(number: string) {
  const parsed = parseRecipient(number);
  if (!parsed.ok) throw new Error(`${number}: ${parsed.reason}`);
  return parsed;
}

describe('DestinationIndex.lookup', () => {
  const index = indexOf([
    row('GB', '', '1.2'),
    row('GB', '+4477', '1.1'),
    row('GB', '+44779', '1'),
    row('RU', '', '1.2'),
    row('KZ', '+7701', '2'),
    row('US', '+1201', '0.7'),
    row('CA', '', '0.8'),
  ]);

  it.each([
    ['the longest matching prefix wins', '+44 7791 234567', 'GB', '+44779', 1_000_000n],
    ['a shorter prefix applies when the longer does not', '+44 7712 345678', 'GB', '+4477', 1_100_000n],
    ['the country price applies when no prefix matches', '+44 7400 123456', 'GB', undefined, 1_200_000n],
    [
      'a prefix of a shared calling code applies to its own country',
      '+7 701 123 4567',
      'KZ',
      '+7701',
      2_000_000n,
    ],
    ['a country price of a shared calling code', '+7 912 345 6789', 'RU', undefined, 1_200_000n],
    ['a country with prefixes only prices matching numbers', '+1 201 555 0123', 'US', '+1201', 700_000n],
    [
      'another country on the same calling code keeps its price',
      '+1 416 555 0123',
      'CA',
      undefined,
      800_000n,
    ],
  ])('%s', (_name, number, country, prefix, microsPerSegment) => {
    expect(index.lookup(recipient(number))).toEqual({ priced: true, country, prefix, microsPerSegment });
  });

  it.each([
    ['a country that is not in the list', '+34 612 345 678'],
    ['a country whose prefixes do not match and which has no own price', '+1 212 555 0123'],
    ['a KZ number outside the KZ prefix (KZ has no own price)', '+7 747 123 4567'],
  ])('does not price %s', (_name, number) => {
    expect(index.lookup(recipient(number))).toEqual({ priced: false, reason: 'unknown_destination' });
  });

  it('does not apply a prefix of one country to a number of another', () => {
    const jersey = indexOf([row('JE', '+447797', '3'), row('GB', '', '1.2')]);
    expect(jersey.lookup({ e164: '+447797123456', country: 'GB' })).toMatchObject({ prefix: undefined });
    expect(jersey.lookup({ e164: '+447797123456', country: 'JE' })).toMatchObject({ prefix: '+447797' });
  });

  it('lists its rules sorted by country, then the country price, then prefixes', () => {
    expect(index.rules().map((r) => `${r.country}${r.prefix ?? ''}`)).toEqual([
      'CA',
      'GB',
      'GB+4477',
      'GB+44779',
      'KZ+7701',
      'RU',
      'US+1201',
    ]);
  });
});

describe('messageCostMicros', () => {
  it.each([
    [1, 1_000_000n, 1_000_000n],
    [3, 1_200_000n, 3_600_000n],
    [10, 45_000n, 450_000n],
  ])('%i segments at %i micro-credits cost %i', (segments, price, cost) => {
    expect(messageCostMicros(segments, price)).toBe(cost);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s segments', (segments) => {
    expect(() => messageCostMicros(segments, 1_000_000n)).toThrow(RangeError);
  });
});
