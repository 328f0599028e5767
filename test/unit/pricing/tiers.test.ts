import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountError } from '../../../src/ledger/amounts.js';
import { roundHalfUp } from '../../../src/pricing/money.js';
import {
  type PriceTable,
  type PriceTableErrorCode,
  parseWholeCredits,
  priceTableToJson,
  validatePriceTable,
  type VolumeTier,
} from '../../../src/pricing/tiers.js';

const base: PriceTable = {
  currency: 'EUR',
  minCredits: 100n,
  maxCredits: 1_000_000n,
  tiers: [
    { fromCredits: 100n, unitPrice: '5' },
    { fromCredits: 1_000n, unitPrice: '4.5' },
    { fromCredits: 10_000n, unitPrice: '4' },
  ],
  packs: [{ id: 'pack-1000', credits: 1_000n, price: 4_500n }],
};

const tiers = (...pairs: [bigint, string][]): VolumeTier[] =>
  pairs.map(([fromCredits, unitPrice]) => ({ fromCredits, unitPrice }));

function checked(table: PriceTable) {
  const result = validatePriceTable(table);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return result.table;
}

describe('validatePriceTable', () => {
  it('accepts a sound table', () => {
    expect(validatePriceTable(base).ok).toBe(true);
  });

  it.each<[string, PriceTable, [string, PriceTableErrorCode][]]>([
    // A JavaScript caller (or a config file) can hand over any string as currency.
    [
      'an unsupported currency',
      Object.assign({}, base, { currency: 'JPY' }),
      [['currency', 'unsupported_currency']],
    ],
    [
      'a minimum of zero credits',
      { ...base, minCredits: 0n, tiers: tiers([0n, '5'], [1_000n, '4.5']) },
      [['minCredits', 'min_not_positive']],
    ],
    [
      'a maximum below the minimum',
      { ...base, maxCredits: 99n, tiers: tiers([100n, '5']), packs: [] },
      [
        ['maxCredits', 'max_below_min'],
        ['tiers[0].fromCredits', 'tier_beyond_max'],
      ],
    ],
    [
      'a maximum above one transfer',
      { ...base, maxCredits: 1_000_000_001n },
      [['maxCredits', 'max_too_large']],
    ],
    ['no tiers', { ...base, tiers: [] }, [['tiers', 'no_tiers']]],
    [
      'a decimal comma',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '4,5']) },
      [['tiers[1].unitPrice', 'bad_unit_price']],
    ],
    [
      'seven fraction digits',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '4.1234567']) },
      [['tiers[1].unitPrice', 'bad_unit_price']],
    ],
    ['an empty price', { ...base, tiers: tiers([100n, '']) }, [['tiers[0].unitPrice', 'bad_unit_price']]],
    ['a negative price', { ...base, tiers: tiers([100n, '-5']) }, [['tiers[0].unitPrice', 'bad_unit_price']]],
    [
      'a zero price',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '4.5'], [10_000n, '0']) },
      [['tiers[2].unitPrice', 'unit_price_not_positive']],
    ],
    [
      'a first tier above the minimum (a gap)',
      { ...base, tiers: tiers([200n, '5'], [1_000n, '4.5']) },
      [['tiers[0].fromCredits', 'gap_before_first_tier']],
    ],
    [
      'a first tier below the minimum',
      { ...base, tiers: tiers([50n, '5'], [1_000n, '4.5']) },
      [['tiers[0].fromCredits', 'tier_below_min']],
    ],
    [
      'unsorted tiers',
      { ...base, tiers: tiers([100n, '5'], [10_000n, '4.5'], [1_000n, '4.5']) },
      [['tiers[2].fromCredits', 'tiers_not_sorted']],
    ],
    [
      'two tiers starting at the same quantity (an overlap)',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '4.5'], [1_000n, '4']) },
      [['tiers[2].fromCredits', 'tiers_overlap']],
    ],
    [
      'a tier starting above the maximum',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '4.5'], [2_000_000n, '4']) },
      [['tiers[2].fromCredits', 'tier_beyond_max']],
    ],
    [
      'a larger quantity costing more per credit',
      { ...base, tiers: tiers([100n, '5'], [1_000n, '5.5'], [10_000n, '4']) },
      [['tiers[1].unitPrice', 'tier_price_increases']],
    ],
    [
      'a tier whose smallest quantity would cost nothing',
      { ...base, minCredits: 1n, tiers: tiers([1n, '0.4']), packs: [] },
      [['tiers[0].unitPrice', 'tier_rounds_to_zero']],
    ],
    [
      'a pack id with a space',
      { ...base, packs: [{ id: 'pack 1000', credits: 1_000n, price: 4_500n }] },
      [['packs[0].id', 'bad_pack_id']],
    ],
    [
      'an empty pack id',
      { ...base, packs: [{ id: '', credits: 1_000n, price: 4_500n }] },
      [['packs[0].id', 'bad_pack_id']],
    ],
    [
      'a pack id in capitals',
      { ...base, packs: [{ id: 'Pack1000', credits: 1_000n, price: 4_500n }] },
      [['packs[0].id', 'bad_pack_id']],
    ],
    [
      'two packs with one id',
      {
        ...base,
        packs: [
          { id: 'small', credits: 1_000n, price: 4_500n },
          { id: 'small', credits: 2_000n, price: 9_000n },
        ],
      },
      [['packs[1].id', 'duplicate_pack_id']],
    ],
    [
      'a pack below the minimum',
      { ...base, packs: [{ id: 'tiny', credits: 99n, price: 495n }] },
      [['packs[0].credits', 'pack_outside_limits']],
    ],
    [
      'a pack above the maximum',
      { ...base, packs: [{ id: 'huge', credits: 1_000_001n, price: 1n }] },
      [['packs[0].credits', 'pack_outside_limits']],
    ],
    [
      'a free pack',
      { ...base, packs: [{ id: 'free', credits: 1_000n, price: 0n }] },
      [['packs[0].price', 'pack_price_not_positive']],
    ],
    [
      'a pack dearer than the same credits bought as a custom amount',
      { ...base, packs: [{ id: 'pack-1000', credits: 1_000n, price: 4_501n }] },
      [['packs[0].price', 'pack_dearer_than_custom']],
    ],
  ])('refuses %s', (_name, table, expected) => {
    const result = validatePriceTable(table);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.code])).toEqual(expected);
    for (const error of result.errors) expect(error.message.length).toBeGreaterThan(10);
  });

  it('reports several problems at once', () => {
    const result = validatePriceTable({ ...base, tiers: tiers([200n, '5'], [100n, '0'], [2_000_000n, 'x']) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.code)).toEqual([
      'gap_before_first_tier',
      'unit_price_not_positive',
      'tiers_not_sorted',
      'bad_unit_price',
      'tier_beyond_max',
    ]);
  });

  it('accepts a pack cheaper than the custom amount, and a tier at exactly the maximum', () => {
    const table = {
      ...base,
      packs: [{ id: 'deal', credits: 1_000n, price: 4_000n }],
      tiers: tiers([100n, '5'], [1_000_000n, '4']),
    };
    expect(validatePriceTable(table).ok).toBe(true);
  });

  it('keeps its own copy of the table', () => {
    const packs = [{ id: 'pack-1000', credits: 1_000n, price: 4_500n }];
    const table = checked({ ...base, packs });
    packs.push({ id: 'late', credits: 1n, price: 1n });
    expect(table.packs).toHaveLength(1);
  });
});

describe('price of a custom quantity (volume pricing: one tier prices the whole quantity)', () => {
  const table = checked(base);

  it.each([
    [100n, 0, 500n],
    [999n, 0, 4_995n],
    [1_000n, 1, 4_500n],
    [9_999n, 1, 44_996n],
    [10_000n, 2, 40_000n],
    [1_000_000n, 2, 4_000_000n],
  ])('%i credits use tier %i and cost %i cents', (credits, tierIndex, amount) => {
    expect(table.price(credits)).toEqual({
      ok: true,
      credits,
      tierIndex,
      unitPrice: base.tiers[tierIndex]?.unitPrice,
      subtotal: { amount, currency: 'EUR' },
    });
  });

  it.each([
    [99n, 'below_minimum'],
    [0n, 'below_minimum'],
    [-5n, 'below_minimum'],
    [1_000_001n, 'above_maximum'],
  ])('refuses %i credits: %s', (credits, reason) => {
    expect(table.price(credits)).toEqual({ ok: false, reason, minCredits: 100n, maxCredits: 1_000_000n });
  });

  it('finds packs by id', () => {
    expect(table.pack('pack-1000')).toEqual({ id: 'pack-1000', credits: 1_000n, price: 4_500n });
    expect(table.pack('pack-1')).toBeUndefined();
  });
});

describe('the subtotal is rounded half-up to a whole minor unit, once', () => {
  it.each<[string, bigint, bigint, bigint]>([
    ['4.95', 1n, 1n, 5n],
    ['4.95', 1n, 10n, 50n],
    ['4.95', 1n, 3n, 15n],
    ['0.5', 1n, 1n, 1n],
    ['0.5', 1n, 3n, 2n],
    ['0.5', 1n, 5n, 3n],
    ['0.5', 1n, 4n, 2n],
    ['4.333333', 1n, 3n, 13n],
    ['1.000001', 1n, 500_000n, 500_001n],
    ['1.000001', 1n, 499_999n, 499_999n],
    ['0.000001', 500_000n, 500_000n, 1n],
    ['0.000001', 500_000n, 1_499_999n, 1n],
    ['0.000001', 500_000n, 1_500_000n, 2n],
    ['112.5', 1n, 1n, 113n],
    ['112.5', 1n, 3n, 338n],
  ])('%s minor units × %i…%i credits', (unitPrice, minCredits, credits, amount) => {
    const table = checked({
      currency: 'USD',
      minCredits,
      maxCredits: 10_000_000n,
      tiers: tiers([minCredits, unitPrice]),
      packs: [],
    });
    expect(table.price(credits)).toMatchObject({ ok: true, subtotal: { amount, currency: 'USD' } });
  });

  it('every quantity falls in exactly one tier and costs its unit price, rounded half-up', () => {
    const table = checked({
      ...base,
      tiers: tiers([100n, '5.123457'], [1_000n, '4.5'], [5_000n, '4.333333'], [10_000n, '4']),
    });
    const micros = [5_123_457n, 4_500_000n, 4_333_333n, 4_000_000n];
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 1_000_000n }), (credits) => {
        const priced = table.price(credits);
        if (!priced.ok) return false;
        const starts = table.tiers.map((tier) => tier.fromCredits);
        const expectedTier = starts.filter((start) => start <= credits).length - 1;
        expect(priced.tierIndex).toBe(expectedTier);
        const unit = micros[expectedTier] ?? 0n;
        expect(priced.subtotal.amount).toBe(roundHalfUp(credits * unit, 1_000_000n));
        const exact = credits * unit;
        const distance = priced.subtotal.amount * 1_000_000n - exact;
        // Half-up: at most half a minor unit above the exact amount, less than half below it.
        expect(distance > -500_000n && distance <= 500_000n).toBe(true);
        return true;
      }),
      // 1,429 × 4.5 is 6,430.5 exactly: the half rounds up.
      { examples: [[1_429n]] },
    );
  });
});

describe('parseWholeCredits', () => {
  it.each([
    ['5000', 5_000n],
    ['1', 1n],
    ['5000.0', 5_000n],
    ['0', 0n],
  ])('"%s" is %i credits', (value, credits) => {
    expect(parseWholeCredits(value)).toBe(credits);
  });

  it.each(['5000.5', '0.000001', '-1', '', 'abc', 5000, undefined])('refuses %j', (value) => {
    expect(() => parseWholeCredits(value)).toThrow(AmountError);
  });
});

describe('priceTableToJson', () => {
  it('writes credits as decimal strings and prices as money', () => {
    expect(priceTableToJson(checked(base))).toEqual({
      currency: 'EUR',
      packs: [{ id: 'pack-1000', credits: '1000', price: { amount: 4500, currency: 'EUR' } }],
      tiers: [
        { fromCredits: '100', unitPrice: '5' },
        { fromCredits: '1000', unitPrice: '4.5' },
        { fromCredits: '10000', unitPrice: '4' },
      ],
      minCredits: '100',
      maxCredits: '1000000',
    });
  });
});
