import { describe, expect, it } from 'vitest';
import type { CountryCode } from '../../../src/pricing/countries.js';
import {
  type BillingParty,
  decideTax,
  EU_MEMBER_STATES,
  formatRatePercent,
  type Issuer,
  isEuMemberState,
  normalizeVatId,
  parseRatePercent,
  type TaxDecision,
  taxAmount,
  vatPrefix,
} from '../../../src/pricing/tax.js';

const spain: Issuer = { country: 'ES', vatRateBasisPoints: 2100 };
const bill = (country: CountryCode, vatId?: string): BillingParty => ({ country, vatId });
const domestic21: TaxDecision = { treatment: 'domestic', rateBasisPoints: 2100, rate: '21', country: 'ES' };
const german19: TaxDecision = { treatment: 'eu_consumer', rateBasisPoints: 1900, rate: '19', country: 'DE' };
const zero = (treatment: TaxDecision['treatment'], vatId?: string): TaxDecision =>
  vatId === undefined
    ? { treatment, rateBasisPoints: 0, rate: '0' }
    : { treatment, rateBasisPoints: 0, rate: '0', vatId };

describe('decideTax for an issuer in Spain at 21 %', () => {
  it.each<[string, BillingParty, TaxDecision]>([
    ['a Spanish consumer', bill('ES'), domestic21],
    ['a Spanish business with a VAT id', bill('ES', 'ESB58378431'), domestic21],
    [
      'a German business with a German VAT id',
      bill('DE', 'DE136695976'),
      zero('reverse_charge', 'DE136695976'),
    ],
    [
      'a German VAT id written with spaces, dots and lower case',
      bill('DE', 'de 136.695-976'),
      zero('reverse_charge', 'DE136695976'),
    ],
    ['a Greek business with an EL VAT id', bill('GR', 'EL094014201'), zero('reverse_charge', 'EL094014201')],
    ['an Austrian business', bill('AT', 'ATU13585627'), zero('reverse_charge', 'ATU13585627')],
    ['a Dutch business', bill('NL', 'NL004495445B01'), zero('reverse_charge', 'NL004495445B01')],
    [
      'a Monaco business with a French VAT id (French VAT territory)',
      bill('MC', 'FR40303265045'),
      zero('reverse_charge', 'FR40303265045'),
    ],
    ['a German consumer (no VAT id): the German rate', bill('DE'), german19],
    ['a German customer with a blank VAT id', bill('DE', '  '), german19],
    [
      'a Greek VAT id written with GR',
      bill('GR', 'GR094014201'),
      {
        treatment: 'eu_consumer',
        rateBasisPoints: 2400,
        rate: '24',
        country: 'GR',
        vatIdIgnored: 'country_mismatch',
      },
    ],
    [
      'a German customer with a French VAT id',
      bill('DE', 'FR40303265045'),
      { ...german19, vatIdIgnored: 'country_mismatch' },
    ],
    [
      'a German VAT id with a wrong check digit',
      bill('DE', 'DE136695977'),
      { ...german19, vatIdIgnored: 'invalid' },
    ],
    ['a German VAT id of the wrong length', bill('DE', 'DE12345'), { ...german19, vatIdIgnored: 'invalid' }],
    ['a US business', bill('US', 'EIN 12-3456789'), zero('outside_scope')],
    ['a British business with a GB VAT id', bill('GB', 'GB980780684'), zero('outside_scope')],
    ['a Swiss consumer', bill('CH'), zero('outside_scope')],
    ['a Norwegian business (EEA, not EU)', bill('NO', 'NO974760673MVA'), zero('outside_scope')],
    ['an Åland customer (outside the EU VAT area)', bill('AX'), zero('outside_scope')],
  ])('%s', (_name, billing, expected) => {
    expect(decideTax(spain, billing)).toEqual(expected);
  });
});

describe('decideTax for other issuers', () => {
  it('a French issuer treats Monaco as home', () => {
    expect(decideTax({ country: 'FR', vatRateBasisPoints: 2000 }, bill('MC'))).toEqual({
      treatment: 'domestic',
      rateBasisPoints: 2000,
      rate: '20',
      country: 'FR',
    });
  });

  it('a Czech issuer reverse-charges a Slovak business', () => {
    expect(decideTax({ country: 'CZ', vatRateBasisPoints: 2100 }, bill('SK', 'SK2022749619'))).toEqual(
      zero('reverse_charge', 'SK2022749619'),
    );
  });

  it.each<[BillingParty, TaxDecision]>([
    [bill('GB'), { treatment: 'domestic', rateBasisPoints: 2000, rate: '20', country: 'GB' }],
    [bill('DE', 'DE136695976'), zero('outside_scope')],
    [bill('DE'), zero('outside_scope')],
    [bill('US'), zero('outside_scope')],
  ])('an issuer outside the EU charges its rate at home only: %o', (billing, expected) => {
    expect(decideTax({ country: 'GB', vatRateBasisPoints: 2000 }, billing)).toEqual(expected);
  });

  it.each([-1, 10_001, 21.5, Number.NaN])('refuses an issuer rate of %s basis points', (rate) => {
    expect(() => decideTax({ country: 'ES', vatRateBasisPoints: rate }, bill('ES'))).toThrow(RangeError);
  });
});

describe('taxAmount rounds half-up to a whole minor unit', () => {
  it.each([
    [10_000n, 2100, 2100n],
    [4_500n, 2100, 945n],
    [22_500n, 2100, 4_725n],
    [45n, 2100, 9n],
    [1n, 2100, 0n],
    [3n, 2100, 1n],
    [5n, 1000, 1n],
    [15n, 1000, 2n],
    [14n, 1000, 1n],
    [25n, 1000, 3n],
    [2n, 2500, 1n],
    [1n, 5000, 1n],
    [1n, 4999, 0n],
    [0n, 2100, 0n],
    [12_345n, 0, 0n],
    [99_999_999_999_999_999n, 2100, 21_000_000_000_000_000n],
  ])('%i at %i basis points is %i', (subtotal, rate, expected) => {
    expect(taxAmount(subtotal, rate)).toBe(expected);
  });

  it('refuses a negative subtotal and a rate outside 0–10000', () => {
    expect(() => taxAmount(-1n, 2100)).toThrow(RangeError);
    expect(() => taxAmount(100n, 10_001)).toThrow(RangeError);
  });
});

describe('rates and VAT ids', () => {
  it.each([
    ['21', 2100],
    ['5.5', 550],
    ['8.25', 825],
    ['0', 0],
    ['0.05', 5],
    ['100', 10_000],
  ])('"%s" % is %i basis points and back', (percent, basisPoints) => {
    expect(parseRatePercent(percent)).toBe(basisPoints);
    expect(formatRatePercent(basisPoints)).toBe(percent);
  });

  it.each(['100.01', '21.125', '-1', '21%', '', '1e1', ' 21', '1000'])('refuses the rate "%s"', (percent) => {
    expect(() => parseRatePercent(percent)).toThrow(RangeError);
  });

  it('lists the 27 member states and spells Greece EL', () => {
    expect(EU_MEMBER_STATES).toHaveLength(27);
    expect(isEuMemberState('GR')).toBe(true);
    expect(isEuMemberState('GB')).toBe(false);
    expect(isEuMemberState('NO')).toBe(false);
    expect(vatPrefix('GR')).toBe('EL');
    expect(vatPrefix('ES')).toBe('ES');
  });

  it('normalises a VAT id', () => {
    expect(normalizeVatId(' es-b 58.378.431 ')).toBe('ESB58378431');
  });
});
