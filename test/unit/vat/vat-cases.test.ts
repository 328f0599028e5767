// The VAT cases as a table (issue 12): who the customer is, what VIES said, and the treatment,
// rate, tax and total each purchase gets; then how each line's VAT and the totals per rate round.
import { describe, expect, it } from 'vitest';
import type { CountryCode } from '../../../src/pricing/countries.js';
import { EU_STANDARD_VAT_RATES, EU_VAT_RATES_AS_OF, euVatRates } from '../../../src/pricing/eu-vat-rates.js';
import {
  type BillingParty,
  decideTax,
  EU_MEMBER_STATES,
  type Issuer,
  type TaxTreatment,
  taxAmount,
  totalsPerRate,
  vatIdToVerify,
  type ViesVerdict,
} from '../../../src/pricing/tax.js';

const spain: Issuer = { country: 'ES', vatRateBasisPoints: 2100, euRates: euVatRates() };

interface Case {
  name: string;
  country: CountryCode;
  vatId?: string;
  vies?: ViesVerdict;
  subtotal: bigint;
  treatment: TaxTreatment;
  rate: string;
  tax: bigint;
  extra?: Record<string, unknown>;
}

// Subtotals chosen so that each line rounds: 45.50 × 21 % = 9.555 -> 9.56 (half up), etc.
const CASES: Case[] = [
  {
    name: 'domestic business (Spanish VAT id)',
    country: 'ES',
    vatId: 'ESB58378431',
    subtotal: 4_550n,
    treatment: 'domestic',
    rate: '21',
    tax: 956n,
    extra: { country: 'ES' },
  },
  {
    name: 'domestic consumer',
    country: 'ES',
    subtotal: 2_345n,
    treatment: 'domestic',
    rate: '21',
    tax: 492n, // 492.45 -> 492
    extra: { country: 'ES' },
  },
  {
    name: 'EU business with a VAT id VIES confirms',
    country: 'DE',
    vatId: 'DE136695976',
    vies: 'valid',
    subtotal: 22_500n,
    treatment: 'reverse_charge',
    rate: '0',
    tax: 0n,
    extra: { vatId: 'DE136695976' },
  },
  {
    name: 'EU business with a VAT id, VIES not configured (form check only)',
    country: 'AT',
    vatId: 'ATU13585627',
    subtotal: 22_500n,
    treatment: 'reverse_charge',
    rate: '0',
    tax: 0n,
    extra: { vatId: 'ATU13585627' },
  },
  {
    name: 'EU consumer in Germany: the German rate',
    country: 'DE',
    subtotal: 4_550n,
    treatment: 'eu_consumer',
    rate: '19',
    tax: 865n, // 864.5 -> 865
    extra: { country: 'DE' },
  },
  {
    name: 'EU consumer in Hungary: 27 %',
    country: 'HU',
    subtotal: 1_050n,
    treatment: 'eu_consumer',
    rate: '27',
    tax: 284n, // 283.5 -> 284
    extra: { country: 'HU' },
  },
  {
    name: 'EU consumer in Finland: 25.5 %',
    country: 'FI',
    subtotal: 1_001n,
    treatment: 'eu_consumer',
    rate: '25.5',
    tax: 255n, // 255.255 -> 255
    extra: { country: 'FI' },
  },
  {
    name: 'EU consumer in Luxembourg: 17 %',
    country: 'LU',
    subtotal: 250n,
    treatment: 'eu_consumer',
    rate: '17',
    tax: 43n, // 42.5 -> 43
    extra: { country: 'LU' },
  },
  {
    name: 'Monaco consumer: France’s rate',
    country: 'MC',
    subtotal: 5_000n,
    treatment: 'eu_consumer',
    rate: '20',
    tax: 1_000n,
    extra: { country: 'FR' },
  },
  {
    name: 'EU business whose VAT id VIES calls invalid: a consumer',
    country: 'DE',
    vatId: 'DE136695976',
    vies: 'invalid',
    subtotal: 4_550n,
    treatment: 'eu_consumer',
    rate: '19',
    tax: 865n,
    extra: { country: 'DE', vatIdIgnored: 'vies_invalid' },
  },
  {
    name: 'EU business with a VAT id failing the check digits: a consumer',
    country: 'DE',
    vatId: 'DE136695977',
    subtotal: 4_550n,
    treatment: 'eu_consumer',
    rate: '19',
    tax: 865n,
    extra: { country: 'DE', vatIdIgnored: 'invalid' },
  },
  {
    name: 'VIES down: reverse charge on the form check, flagged for a re-check',
    country: 'NL',
    vatId: 'NL004495445B01',
    vies: 'unavailable',
    subtotal: 22_500n,
    treatment: 'reverse_charge',
    rate: '0',
    tax: 0n,
    extra: { vatId: 'NL004495445B01', viesRecheck: true },
  },
  {
    name: 'non-EU business (United States)',
    country: 'US',
    vatId: 'EIN 12-3456789',
    subtotal: 5_500n,
    treatment: 'outside_scope',
    rate: '0',
    tax: 0n,
  },
  {
    name: 'non-EU consumer (Switzerland)',
    country: 'CH',
    subtotal: 5_500n,
    treatment: 'outside_scope',
    rate: '0',
    tax: 0n,
  },
  {
    name: 'United Kingdom since Brexit',
    country: 'GB',
    subtotal: 5_500n,
    treatment: 'outside_scope',
    rate: '0',
    tax: 0n,
  },
];

describe('the VAT cases for an issuer in Spain', () => {
  it.each(CASES)('$name', (c) => {
    const billing: BillingParty = { country: c.country, vatId: c.vatId, vies: c.vies };
    const decision = decideTax(spain, billing);
    expect(decision).toEqual({
      treatment: c.treatment,
      rate: c.rate,
      rateBasisPoints: Math.round(Number(c.rate) * 100),
      ...(c.extra ?? {}),
    });
    // Each line's VAT is rounded once, half-up, on its own subtotal.
    expect(taxAmount(c.subtotal, decision.rateBasisPoints)).toBe(c.tax);
  });

  it('asks VIES only where its answer can change the tax', () => {
    const ask = (country: CountryCode, vatId?: string) => vatIdToVerify(spain, { country, vatId });
    expect(ask('DE', 'de 136.695-976')).toBe('DE136695976');
    expect(ask('ES', 'ESB58378431')).toBeNull(); // domestic whatever VIES says
    expect(ask('DE')).toBeNull(); // a consumer
    expect(ask('DE', 'DE136695977')).toBeNull(); // fails the form check already
    expect(ask('US', 'EIN 12-3456789')).toBeNull();
  });

  it('follows the operator’s override of a rate', () => {
    const issuer: Issuer = { ...spain, euRates: euVatRates({ DE: 1600 }) };
    expect(decideTax(issuer, { country: 'DE' })).toMatchObject({ treatment: 'eu_consumer', rate: '16' });
    // The issuer's own rate stays ISSUER_VAT_RATE whatever the table says of its country.
    const overriddenHome: Issuer = { ...spain, euRates: euVatRates({ ES: 1000 }) };
    expect(decideTax(overriddenHome, { country: 'ES' })).toMatchObject({ treatment: 'domestic', rate: '21' });
  });

  it('charges a consumer abroad nothing when the issuer is outside the EU', () => {
    expect(decideTax({ country: 'GB', vatRateBasisPoints: 2000 }, { country: 'DE' })).toMatchObject({
      treatment: 'outside_scope',
      rate: '0',
    });
  });
});

describe('totals per rate', () => {
  const line = (net: bigint, rateBasisPoints: number, treatment: TaxTreatment) => ({
    net,
    vat: taxAmount(net, rateBasisPoints),
    rateBasisPoints,
    treatment,
  });

  it('adds the lines’ rounded VAT per rate and treatment, highest rate first', () => {
    // Three lines of 0.45 at 21 %: each 9.45 cents -> 9; the sum 27, where 1.35 at 21 % is 28.35 -> 28.
    const lines = [
      line(45n, 2100, 'domestic'),
      line(45n, 2100, 'domestic'),
      line(45n, 2100, 'domestic'),
      line(4_550n, 1900, 'eu_consumer'),
      line(250n, 1900, 'eu_consumer'),
      line(22_500n, 0, 'reverse_charge'),
      line(5_500n, 0, 'outside_scope'),
    ];
    expect(totalsPerRate(lines)).toEqual([
      { rateBasisPoints: 2100, treatment: 'domestic', base: 135n, vat: 27n, vatOnBase: 28n, lines: 3 },
      // 864.5 -> 865 and 47.5 -> 48: 913; 48.00 at 19 % is 912.
      { rateBasisPoints: 1900, treatment: 'eu_consumer', base: 4_800n, vat: 913n, vatOnBase: 912n, lines: 2 },
      { rateBasisPoints: 0, treatment: 'outside_scope', base: 5_500n, vat: 0n, vatOnBase: 0n, lines: 1 },
      { rateBasisPoints: 0, treatment: 'reverse_charge', base: 22_500n, vat: 0n, vatOnBase: 0n, lines: 1 },
    ]);
  });

  it('keeps the same rate of two treatments apart (a domestic 20 % and a French consumer’s 20 %)', () => {
    const totals = totalsPerRate([line(1_000n, 2000, 'domestic'), line(1_000n, 2000, 'eu_consumer')]);
    expect(totals.map((t) => [t.treatment, t.base, t.vat])).toEqual([
      ['domestic', 1_000n, 200n],
      ['eu_consumer', 1_000n, 200n],
    ]);
  });

  it('never strays from the rate on the base by more than half a minor unit a line', () => {
    for (const rate of [1700, 1900, 2100, 2550, 2700]) {
      const lines = Array.from({ length: 40 }, (_, i) => line(BigInt(1 + i * 37), rate, 'eu_consumer'));
      const [total] = totalsPerRate(lines);
      if (!total) throw new Error('no total');
      const drift = total.vat - total.vatOnBase;
      expect(drift * 2n <= 40n && drift * 2n >= -40n, `rate ${rate}: drift ${drift}`).toBe(true);
      expect(total.vat).toBe(lines.reduce((sum, l) => sum + l.vat, 0n));
    }
  });

  it('totals credit-note lines (negative amounts) the same way', () => {
    const totals = totalsPerRate([
      { net: -4_550n, vat: -956n, rateBasisPoints: 2100, treatment: 'domestic' },
    ]);
    expect(totals).toEqual([
      { rateBasisPoints: 2100, treatment: 'domestic', base: -4_550n, vat: -956n, vatOnBase: -956n, lines: 1 },
    ]);
  });
});

describe('the table of standard rates', () => {
  it('has a rate for each of the 27 member states and nothing else, with its date', () => {
    expect(Object.keys(EU_STANDARD_VAT_RATES).sort()).toEqual([...EU_MEMBER_STATES].sort());
    expect(EU_VAT_RATES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const rate of Object.values(EU_STANDARD_VAT_RATES)) {
      // Every standard rate in the EU is between 15 % (the directive's floor) and 27 %.
      expect(rate).toBeGreaterThanOrEqual(1500);
      expect(rate).toBeLessThanOrEqual(2700);
    }
  });

  it('lays overrides over the table and refuses a country outside the EU', () => {
    expect(euVatRates({ FR: 2100 }).FR).toBe(2100);
    expect(euVatRates({ FR: 2100 }).DE).toBe(1900);
    expect(() => euVatRates({ GB: 2000 })).toThrow(RangeError);
  });
});
