import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_TABLES, defaultPriceTables } from '../../../src/pricing/default-packs.js';
import { CURRENCIES, formatMoney, money } from '../../../src/pricing/money.js';

describe('the default packs and tiers', () => {
  const tables = defaultPriceTables();

  it.each(CURRENCIES)(
    '%s has a valid table with packs of 1,000, 5,000, 10,000 and 50,000 credits',
    (currency) => {
      const table = tables[currency];
      expect(table.currency).toBe(currency);
      expect(table.packs.map((pack) => pack.credits)).toEqual([1_000n, 5_000n, 10_000n, 50_000n]);
      expect(table.minCredits).toBe(100n);
      expect(table.maxCredits).toBe(10_000_000n);
    },
  );

  it.each(CURRENCIES)('every %s pack costs what its credits cost as a custom amount', (currency) => {
    const table = tables[currency];
    for (const pack of table.packs) {
      expect(table.price(pack.credits)).toMatchObject({ ok: true, subtotal: { amount: pack.price } });
    }
  });

  it('every currency has the same pack ids and tier starts', () => {
    const ids = DEFAULT_PRICE_TABLES.EUR.packs.map((pack) => pack.id);
    const starts = DEFAULT_PRICE_TABLES.EUR.tiers.map((tier) => tier.fromCredits);
    for (const currency of CURRENCIES) {
      expect(DEFAULT_PRICE_TABLES[currency].packs.map((pack) => pack.id)).toEqual(ids);
      expect(DEFAULT_PRICE_TABLES[currency].tiers.map((tier) => tier.fromCredits)).toEqual(starts);
    }
  });

  it.each([
    ['EUR', 'pack-1000', '€50.00'],
    ['EUR', 'pack-50000', '€1,900.00'],
    ['USD', 'pack-1000', '$55.00'],
    ['GBP', 'pack-5000', '£192.50'],
    ['CZK', 'pack-1000', 'CZK\u00a01,250.00'],
    ['CZK', 'pack-50000', 'CZK\u00a047,500.00'],
  ] as const)('%s %s costs %s (CZK in haléře)', (currency, id, shown) => {
    const pack = tables[currency].pack(id);
    if (!pack) throw new Error(`no ${id}`);
    expect(formatMoney(money(pack.price, currency))).toBe(shown);
  });

  it('a credit costs about one cheap SMS: 5 euro cents at the smallest quantity, 3.2 at the largest', () => {
    expect(tables.EUR.price(100n)).toMatchObject({ ok: true, subtotal: { amount: 500n } });
    expect(tables.EUR.price(10_000_000n)).toMatchObject({ ok: true, subtotal: { amount: 32_000_000n } });
  });
});
