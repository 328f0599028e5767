import { getCountries } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DESTINATION_PRICES,
  DEFAULT_PRICE_BANDS,
  defaultDestinationRules,
} from '../../../src/pricing/default-destinations.js';
import { DestinationIndex } from '../../../src/pricing/destinations.js';
import { parseRecipient } from '../../../src/pricing/phone.js';
import { EU_MEMBER_STATES } from '../../../src/pricing/tax.js';

describe('the default price list', () => {
  it('prices every country libphonenumber-js knows, each in exactly one band', () => {
    const listed = DEFAULT_PRICE_BANDS.flatMap((band) => band.countries);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...getCountries()].sort());
    expect(DEFAULT_DESTINATION_PRICES).toHaveLength(getCountries().length);
  });

  it('has the documented bands and prices', () => {
    expect(DEFAULT_PRICE_BANDS.map((band) => [band.id, band.creditsPerSegment])).toEqual([
      ['north_america', '0.8'],
      ['eu_eea', '1'],
      ['europe_other', '1.2'],
      ['asia_pacific', '1.5'],
      ['latin_america_caribbean', '1.6'],
      ['middle_east_central_asia', '2'],
      ['africa', '2.5'],
      ['remote', '4'],
    ]);
  });

  it('puts every EU member state in the EU band', () => {
    const eu = DEFAULT_PRICE_BANDS.find((band) => band.id === 'eu_eea');
    for (const country of EU_MEMBER_STATES) expect(eu?.countries).toContain(country);
  });

  it('passes the same validation as an uploaded price list', () => {
    expect(defaultDestinationRules()).toHaveLength(getCountries().length);
  });

  it.each([
    ['+34 612 345 678', 'ES', 1_000_000n],
    ['+49 1512 3456789', 'DE', 1_000_000n],
    ['+1 201 555 0123', 'US', 800_000n],
    ['+1 416 555 0123', 'CA', 800_000n],
    ['+44 7400 123456', 'GB', 1_200_000n],
    ['+41 78 123 45 67', 'CH', 1_200_000n],
    ['+81 90 1234 5678', 'JP', 1_500_000n],
    ['+55 11 91234 5678', 'BR', 1_600_000n],
    ['+1 876 555 1234', 'JM', 1_600_000n],
    ['+971 50 123 4567', 'AE', 2_000_000n],
    ['+234 802 123 4567', 'NG', 2_500_000n],
    ['+679 701 2345', 'FJ', 4_000_000n],
  ])('prices %s (%s) at %i micro-credits per segment', (number, country, micros) => {
    const index = new DestinationIndex(defaultDestinationRules());
    const parsed = parseRecipient(number);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(index.lookup(parsed)).toEqual({
      priced: true,
      country,
      prefix: undefined,
      microsPerSegment: micros,
    });
  });
});
