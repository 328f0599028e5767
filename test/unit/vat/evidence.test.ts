// The evidence of where a customer lives: the billing country beside the verified mobile's.
import { describe, expect, it } from 'vitest';
import type { Billing } from '../../../src/accounts/index.js';
import { mobileCountryOf, vatEvidenceOf } from '../../../src/purchases/vat/evidence.js';

const billing = (country: string, mobile: string): Billing => ({
  legalName: 'Someone',
  taxId: null,
  vatId: null,
  address: { line1: 'Street 1', line2: null, city: 'City', postalCode: '1000', region: null, country },
  invoiceEmail: 'someone@example.com',
  mobile,
});

describe('VAT evidence', () => {
  it.each([
    ['ES', '+34612345678', { billingCountry: 'ES', mobileCountry: 'ES', disagrees: false }],
    ['DE', '+34612345678', { billingCountry: 'DE', mobileCountry: 'ES', disagrees: true }],
    ['FR', '+33612345678', { billingCountry: 'FR', mobileCountry: 'FR', disagrees: false }],
    // Monaco is in the French VAT territory: a Monaco number billed in France agrees.
    ['FR', '+37761234567', { billingCountry: 'FR', mobileCountry: 'MC', disagrees: false }],
    ['US', '+12015550123', { billingCountry: 'US', mobileCountry: 'US', disagrees: false }],
  ])('billed in %s with mobile %s', (country, mobile, expected) => {
    expect(vatEvidenceOf({ billing: billing(country, mobile), mobileVerified: true })).toEqual(expected);
  });

  it('counts only a verified mobile', () => {
    expect(vatEvidenceOf({ billing: billing('DE', '+34612345678'), mobileVerified: false })).toEqual({
      billingCountry: 'DE',
      mobileCountry: null,
      disagrees: false,
    });
  });

  it('knows nothing without billing data', () => {
    expect(vatEvidenceOf({ billing: null, mobileVerified: false })).toEqual({
      billingCountry: null,
      mobileCountry: null,
      disagrees: false,
    });
  });

  it('reads the country off a number, or nothing', () => {
    expect(mobileCountryOf('+4915112345678')).toBe('DE');
    expect(mobileCountryOf('not a number')).toBeNull();
  });
});
