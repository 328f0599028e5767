import { describe, expect, it } from 'vitest';
import { defaultPriceTables } from '../../../src/pricing/default-packs.js';
import { type QuoteInput, quote, quoteToJson } from '../../../src/pricing/quote.js';
import type { Issuer } from '../../../src/pricing/tax.js';

const spain: Issuer = { country: 'ES', vatRateBasisPoints: 2100 };
const tables = defaultPriceTables();
const input = (overrides: Partial<QuoteInput>): QuoteInput => ({
  item: { credits: 1_000n },
  currency: 'EUR',
  tables,
  billing: { country: 'ES' },
  issuer: spain,
  ...overrides,
});

describe('quote', () => {
  it('prices a custom quantity with domestic VAT', () => {
    expect(quote(input({}))).toEqual({
      ok: true,
      quote: {
        credits: 1_000n,
        packId: undefined,
        currency: 'EUR',
        subtotal: { amount: 5_000n, currency: 'EUR' },
        tax: {
          treatment: 'domestic',
          rate: '21',
          rateBasisPoints: 2100,
          country: 'ES',
          amount: { amount: 1_050n, currency: 'EUR' },
        },
        total: { amount: 6_050n, currency: 'EUR' },
      },
    });
  });

  it('prices a pack at its own price, reverse-charged for an EU business', () => {
    const result = quote(
      input({ item: { packId: 'pack-5000' }, billing: { country: 'DE', vatId: 'DE136695976' } }),
    );
    expect(result).toEqual({
      ok: true,
      quote: {
        credits: 5_000n,
        packId: 'pack-5000',
        currency: 'EUR',
        subtotal: { amount: 22_500n, currency: 'EUR' },
        tax: {
          treatment: 'reverse_charge',
          rate: '0',
          rateBasisPoints: 0,
          vatId: 'DE136695976',
          amount: { amount: 0n, currency: 'EUR' },
        },
        total: { amount: 22_500n, currency: 'EUR' },
      },
    });
  });

  it('charges no VAT outside the EU, in the chosen currency', () => {
    const result = quote(
      input({ item: { packId: 'pack-1000' }, currency: 'USD', billing: { country: 'US' } }),
    );
    expect(result).toMatchObject({
      ok: true,
      quote: {
        subtotal: { amount: 5_500n, currency: 'USD' },
        tax: { treatment: 'outside_scope' },
        total: { amount: 5_500n },
      },
    });
  });

  it('rounds the tax half-up: 45.50 at 21 % is 9.555 -> 9.56', () => {
    const result = quote(input({ item: { credits: 910n } }));
    expect(result).toMatchObject({
      ok: true,
      quote: { subtotal: { amount: 4_550n }, tax: { amount: { amount: 956n } }, total: { amount: 5_506n } },
    });
  });

  it('says why a VAT id was not used, and charges that consumer their own country’s rate', () => {
    const result = quote(input({ billing: { country: 'DE', vatId: 'FR40303265045' } }));
    expect(result).toMatchObject({
      ok: true,
      quote: {
        tax: { treatment: 'eu_consumer', rate: '19', country: 'DE', vatIdIgnored: 'country_mismatch' },
      },
    });
  });

  it.each([
    ['an unknown pack', input({ item: { packId: 'pack-7' } }), { ok: false, reason: 'unknown_pack' }],
    [
      'too few credits',
      input({ item: { credits: 99n } }),
      { ok: false, reason: 'below_minimum', minCredits: 100n, maxCredits: 10_000_000n },
    ],
    [
      'too many credits',
      input({ item: { credits: 10_000_001n } }),
      { ok: false, reason: 'above_maximum', minCredits: 100n, maxCredits: 10_000_000n },
    ],
    [
      'a currency without a table',
      input({ tables: { EUR: tables.EUR }, currency: 'CZK' }),
      { ok: false, reason: 'unsupported_currency' },
    ],
  ])('refuses %s', (_name, request, expected) => {
    expect(quote(request)).toEqual(expected);
  });
});

describe('quoteToJson', () => {
  it('writes the API shape: credits as a string, money as JSON numbers', () => {
    const result = quote(input({ item: { packId: 'pack-1000' } }));
    if (!result.ok) throw new Error(result.reason);
    expect(quoteToJson(result.quote)).toEqual({
      credits: '1000',
      packId: 'pack-1000',
      currency: 'EUR',
      subtotal: { amount: 5000, currency: 'EUR' },
      tax: { rate: '21', amount: { amount: 1050, currency: 'EUR' }, treatment: 'domestic', country: 'ES' },
      total: { amount: 6050, currency: 'EUR' },
    });
  });

  it('leaves packId out of a custom quantity', () => {
    const result = quote(input({}));
    if (!result.ok) throw new Error(result.reason);
    expect(quoteToJson(result.quote)).not.toHaveProperty('packId');
  });
});
