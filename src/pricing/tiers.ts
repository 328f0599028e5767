// Packs and volume tiers: what credits cost, per currency.
//
// A table lists fixed packs and the tiers for a custom quantity between minCredits and
// maxCredits (whole credits). Each tier starts at fromCredits and runs up to the next tier's
// start (the last one to maxCredits), so tiers cannot overlap or leave gaps once they are sorted,
// start at minCredits and have distinct starts; validation checks exactly that. unitPrice is the
// price of ONE credit in minor units, a decimal string with up to 6 fraction digits ("4.5" =
// 4.5 cents), held inside as micro-minor units.
//
// Volume pricing: the tier the quantity falls in prices the WHOLE quantity (not graduated).
// subtotal = credits × unitPrice, rounded half-up to a whole minor unit once, at the end.

import { AmountError, MAX_TRANSFER_MICROS, MICROS_PER_CREDIT, parseCredits } from '../ledger/amounts.js';
import { type Currency, isCurrency, type Money, type MoneyJson, moneyToJson, roundHalfUp } from './money.js';

export interface CreditPack {
  readonly id: string;
  /** Whole credits. */
  readonly credits: bigint;
  /** Minor units. */
  readonly price: bigint;
}

export interface VolumeTier {
  /** Whole credits; the tier runs to the next tier's start. */
  readonly fromCredits: bigint;
  /** Minor units per credit, decimal with up to 6 fraction digits. */
  readonly unitPrice: string;
}

export interface PriceTable {
  readonly currency: Currency;
  readonly packs: readonly CreditPack[];
  readonly tiers: readonly VolumeTier[];
  readonly minCredits: bigint;
  readonly maxCredits: bigint;
}

/** One purchase grants its credits in one ledger transfer, so it is bounded like a transfer. */
export const MAX_PURCHASE_CREDITS = MAX_TRANSFER_MICROS / MICROS_PER_CREDIT;
const MICRO = 1_000_000n;
const PACK_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export type PriceTableErrorCode =
  | 'unsupported_currency'
  | 'min_not_positive'
  | 'max_below_min'
  | 'max_too_large'
  | 'no_tiers'
  | 'bad_unit_price'
  | 'unit_price_not_positive'
  | 'gap_before_first_tier'
  | 'tier_below_min'
  | 'tiers_not_sorted'
  | 'tiers_overlap'
  | 'tier_beyond_max'
  | 'tier_price_increases'
  | 'tier_rounds_to_zero'
  | 'bad_pack_id'
  | 'duplicate_pack_id'
  | 'pack_outside_limits'
  | 'pack_price_not_positive'
  | 'pack_dearer_than_custom';

export interface PriceTableError {
  /** Where in the table, e.g. "tiers[2].fromCredits". */
  readonly path: string;
  readonly code: PriceTableErrorCode;
  readonly message: string;
}

export type CreditPrice =
  | {
      readonly ok: true;
      readonly credits: bigint;
      readonly tierIndex: number;
      readonly unitPrice: string;
      readonly subtotal: Money;
    }
  | {
      readonly ok: false;
      readonly reason: 'below_minimum' | 'above_maximum';
      readonly minCredits: bigint;
      readonly maxCredits: bigint;
    };

export type PriceTableCheck =
  | { readonly ok: true; readonly table: CheckedPriceTable }
  | { readonly ok: false; readonly errors: readonly PriceTableError[] };

/** A price table that passed validatePriceTable; only that function makes one. */
export class CheckedPriceTable implements PriceTable {
  readonly currency: Currency;
  readonly packs: readonly CreditPack[];
  readonly tiers: readonly VolumeTier[];
  readonly minCredits: bigint;
  readonly maxCredits: bigint;
  readonly #unitMicros: readonly bigint[];

  private constructor(table: PriceTable, unitMicros: readonly bigint[]) {
    this.currency = table.currency;
    this.packs = table.packs.map((pack) => ({ ...pack }));
    this.tiers = table.tiers.map((tier) => ({ ...tier }));
    this.minCredits = table.minCredits;
    this.maxCredits = table.maxCredits;
    this.#unitMicros = unitMicros;
  }

  static check(table: PriceTable): PriceTableCheck {
    const errors: PriceTableError[] = [];
    const fail = (path: string, code: PriceTableErrorCode, message: string) =>
      errors.push({ path, code, message });
    checkLimits(table, fail);
    const unitMicros = checkTiers(table, fail);
    if (errors.length > 0 || !unitMicros) return { ok: false, errors };
    const checked = new CheckedPriceTable(table, unitMicros);
    checkTierMinimums(checked, fail);
    checkPacks(checked, fail);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, table: checked };
  }

  /** The custom price of a whole number of credits (volume pricing, half-up to a minor unit). */
  price(credits: bigint): CreditPrice {
    const { minCredits, maxCredits } = this;
    if (credits < minCredits) return { ok: false, reason: 'below_minimum', minCredits, maxCredits };
    if (credits > maxCredits) return { ok: false, reason: 'above_maximum', minCredits, maxCredits };
    let tierIndex = 0;
    for (let i = this.tiers.length - 1; i > 0; i--) {
      const tier = this.tiers[i];
      if (tier && credits >= tier.fromCredits) {
        tierIndex = i;
        break;
      }
    }
    const tier = this.tiers[tierIndex];
    const micros = this.#unitMicros[tierIndex];
    if (!tier || micros === undefined) throw new Error('a checked price table has at least one tier');
    const amount = roundHalfUp(credits * micros, MICRO);
    return {
      ok: true,
      credits,
      tierIndex,
      unitPrice: tier.unitPrice,
      subtotal: { amount, currency: this.currency },
    };
  }

  pack(id: string): CreditPack | undefined {
    return this.packs.find((pack) => pack.id === id);
  }
}

/** Checks a price table; every problem is listed with where it is. */
export function validatePriceTable(table: PriceTable): PriceTableCheck {
  return CheckedPriceTable.check(table);
}

type Fail = (path: string, code: PriceTableErrorCode, message: string) => void;

function checkLimits(table: PriceTable, fail: Fail): void {
  if (!isCurrency(table.currency)) {
    fail('currency', 'unsupported_currency', `currency "${table.currency}" is not supported`);
  }
  if (table.minCredits < 1n) fail('minCredits', 'min_not_positive', 'minCredits must be at least 1');
  if (table.maxCredits < table.minCredits) {
    fail('maxCredits', 'max_below_min', 'maxCredits must be at least minCredits');
  }
  if (table.maxCredits > MAX_PURCHASE_CREDITS) {
    fail('maxCredits', 'max_too_large', `maxCredits must be at most ${MAX_PURCHASE_CREDITS}`);
  }
}

/** Unit prices in micro-minor units when every tier is sound. */
function checkTiers(table: PriceTable, fail: Fail): bigint[] | undefined {
  const { tiers, minCredits, maxCredits } = table;
  if (tiers.length === 0) {
    fail('tiers', 'no_tiers', 'at least one tier is needed');
    return undefined;
  }
  const micros: (bigint | undefined)[] = [];
  tiers.forEach((tier, i) => {
    const unit = parseUnitPrice(tier.unitPrice, `tiers[${i}].unitPrice`, fail);
    micros.push(unit);
    const from = `tiers[${i}].fromCredits`;
    const previous = tiers[i - 1];
    if (i === 0 && tier.fromCredits > minCredits) {
      fail(from, 'gap_before_first_tier', `the first tier must start at minCredits (${minCredits})`);
    } else if (i === 0 && tier.fromCredits < minCredits) {
      fail(from, 'tier_below_min', `the first tier must start at minCredits (${minCredits})`);
    } else if (previous && tier.fromCredits < previous.fromCredits) {
      fail(from, 'tiers_not_sorted', 'tiers must be sorted by fromCredits');
    } else if (previous && tier.fromCredits === previous.fromCredits) {
      fail(from, 'tiers_overlap', `two tiers start at ${tier.fromCredits}`);
    } else if (tier.fromCredits > maxCredits) {
      fail(from, 'tier_beyond_max', `the tier starts above maxCredits (${maxCredits})`);
    }
    const previousMicros = micros[i - 1];
    if (unit !== undefined && previousMicros !== undefined && unit > previousMicros) {
      fail(
        `tiers[${i}].unitPrice`,
        'tier_price_increases',
        'a larger quantity must not cost more per credit',
      );
    }
  });
  const parsed = micros.filter((unit): unit is bigint => unit !== undefined);
  return parsed.length === tiers.length ? parsed : undefined;
}

function parseUnitPrice(value: string, path: string, fail: Fail): bigint | undefined {
  try {
    const micros = parseCredits(value);
    if (micros > 0n) return micros;
    fail(path, 'unit_price_not_positive', 'unitPrice must be greater than zero');
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    fail(path, 'bad_unit_price', `unitPrice "${value}" ${error.message}`);
  }
  return undefined;
}

/** Each tier's smallest quantity must cost at least one minor unit. */
function checkTierMinimums(table: CheckedPriceTable, fail: Fail): void {
  table.tiers.forEach((tier, i) => {
    const priced = table.price(tier.fromCredits);
    if (priced.ok && priced.subtotal.amount < 1n) {
      fail(`tiers[${i}].unitPrice`, 'tier_rounds_to_zero', `${tier.fromCredits} credits would cost nothing`);
    }
  });
}

function checkPacks(table: CheckedPriceTable, fail: Fail): void {
  const ids = new Set<string>();
  table.packs.forEach((pack, i) => {
    const at = `packs[${i}]`;
    if (!PACK_ID.test(pack.id)) {
      fail(
        `${at}.id`,
        'bad_pack_id',
        'a pack id is 1–64 of a-z, 0-9, "-" and "_", starting with a letter or digit',
      );
    } else if (ids.has(pack.id)) {
      fail(`${at}.id`, 'duplicate_pack_id', `pack id "${pack.id}" is used twice`);
    }
    ids.add(pack.id);
    if (pack.price <= 0n)
      fail(`${at}.price`, 'pack_price_not_positive', 'a pack price must be greater than zero');
    const custom = table.price(pack.credits);
    if (!custom.ok) {
      fail(
        `${at}.credits`,
        'pack_outside_limits',
        `a pack must hold between ${table.minCredits} and ${table.maxCredits} credits`,
      );
    } else if (pack.price > custom.subtotal.amount) {
      fail(
        `${at}.price`,
        'pack_dearer_than_custom',
        `the same credits cost ${custom.subtotal.amount} without the pack`,
      );
    }
  });
}

/** A purchase quantity: a decimal credit string that is a whole number ("5000", not "5000.5"). */
export function parseWholeCredits(value: unknown): bigint {
  const micros = parseCredits(value);
  if (micros % MICROS_PER_CREDIT !== 0n) throw new AmountError('must be a whole number of credits');
  return micros / MICROS_PER_CREDIT;
}

/** A price table as the API shows it (GET /pricing/packs): credits as decimal strings. */
export interface PriceTableJson {
  readonly currency: Currency;
  readonly packs: readonly { readonly id: string; readonly credits: string; readonly price: MoneyJson }[];
  readonly tiers: readonly { readonly fromCredits: string; readonly unitPrice: string }[];
  readonly minCredits: string;
  readonly maxCredits: string;
}

export function priceTableToJson(table: PriceTable): PriceTableJson {
  return {
    currency: table.currency,
    packs: table.packs.map((pack) => ({
      id: pack.id,
      credits: pack.credits.toString(),
      price: moneyToJson({ amount: pack.price, currency: table.currency }),
    })),
    tiers: table.tiers.map((tier) => ({
      fromCredits: tier.fromCredits.toString(),
      unitPrice: tier.unitPrice,
    })),
    minCredits: table.minCredits.toString(),
    maxCredits: table.maxCredits.toString(),
  };
}
