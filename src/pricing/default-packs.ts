// Packs and volume tiers a new installation starts with. A credit is worth about one cheap SMS:
// 5 euro cents at the smallest quantity, falling to 3.2 cents from half a million credits. The
// other currencies follow at round rates (USD ≈ 1.1 EUR, GBP ≈ 0.85 EUR, CZK ≈ 25 EUR, priced in
// haléře, 100 to the koruna). Every pack costs exactly what its quantity costs as a custom
// amount, so a pack is a shortcut, never a trap (validation refuses a pack dearer than that).
// Custom amounts: 100 to 10,000,000 credits.

import type { Currency } from './money.js';
import { type CheckedPriceTable, type PriceTable, type VolumeTier, validatePriceTable } from './tiers.js';

const MIN_CREDITS = 100n;
const MAX_CREDITS = 10_000_000n;

/** Tiers from the unit prices (minor units per credit) at 100, 5k, 10k, 50k, 100k and 500k credits. */
function tiers(...unitPrices: [string, string, string, string, string, string]): VolumeTier[] {
  const [at100, at5k, at10k, at50k, at100k, at500k] = unitPrices;
  return [
    { fromCredits: MIN_CREDITS, unitPrice: at100 },
    { fromCredits: 5_000n, unitPrice: at5k },
    { fromCredits: 10_000n, unitPrice: at10k },
    { fromCredits: 50_000n, unitPrice: at50k },
    { fromCredits: 100_000n, unitPrice: at100k },
    { fromCredits: 500_000n, unitPrice: at500k },
  ];
}

export const DEFAULT_PRICE_TABLES: Readonly<Record<Currency, PriceTable>> = {
  EUR: {
    currency: 'EUR',
    minCredits: MIN_CREDITS,
    maxCredits: MAX_CREDITS,
    tiers: tiers('5', '4.5', '4.2', '3.8', '3.5', '3.2'),
    packs: [
      { id: 'pack-1000', credits: 1_000n, price: 5_000n },
      { id: 'pack-5000', credits: 5_000n, price: 22_500n },
      { id: 'pack-10000', credits: 10_000n, price: 42_000n },
      { id: 'pack-50000', credits: 50_000n, price: 190_000n },
    ],
  },
  USD: {
    currency: 'USD',
    minCredits: MIN_CREDITS,
    maxCredits: MAX_CREDITS,
    tiers: tiers('5.5', '4.95', '4.6', '4.2', '3.85', '3.5'),
    packs: [
      { id: 'pack-1000', credits: 1_000n, price: 5_500n },
      { id: 'pack-5000', credits: 5_000n, price: 24_750n },
      { id: 'pack-10000', credits: 10_000n, price: 46_000n },
      { id: 'pack-50000', credits: 50_000n, price: 210_000n },
    ],
  },
  GBP: {
    currency: 'GBP',
    minCredits: MIN_CREDITS,
    maxCredits: MAX_CREDITS,
    tiers: tiers('4.25', '3.85', '3.6', '3.25', '3', '2.75'),
    packs: [
      { id: 'pack-1000', credits: 1_000n, price: 4_250n },
      { id: 'pack-5000', credits: 5_000n, price: 19_250n },
      { id: 'pack-10000', credits: 10_000n, price: 36_000n },
      { id: 'pack-50000', credits: 50_000n, price: 162_500n },
    ],
  },
  CZK: {
    currency: 'CZK',
    minCredits: MIN_CREDITS,
    maxCredits: MAX_CREDITS,
    tiers: tiers('125', '112.5', '105', '95', '87.5', '80'),
    packs: [
      { id: 'pack-1000', credits: 1_000n, price: 125_000n },
      { id: 'pack-5000', credits: 5_000n, price: 562_500n },
      { id: 'pack-10000', credits: 10_000n, price: 1_050_000n },
      { id: 'pack-50000', credits: 50_000n, price: 4_750_000n },
    ],
  },
};

/** The default tables, checked (throws if one is not: that would be a bug in this file). */
export function defaultPriceTables(): Readonly<Record<Currency, CheckedPriceTable>> {
  const check = (currency: Currency): CheckedPriceTable => {
    const result = validatePriceTable(DEFAULT_PRICE_TABLES[currency]);
    if (!result.ok)
      throw new Error(`default ${currency} price table is invalid: ${result.errors[0]?.message}`);
    return result.table;
  };
  return { EUR: check('EUR'), USD: check('USD'), GBP: check('GBP'), CZK: check('CZK') };
}
