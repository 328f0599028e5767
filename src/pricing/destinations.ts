// The destination price list: credits per SMS segment by country, optionally by a longer number
// prefix of that country ("+4477" beside GB). A number takes the price of the longest prefix of
// its own country that it starts with, else its country's price; a destination with neither is
// not priced and must be refused — there is no default charge.

import { AmountError, formatCredits, parseCredits } from '../ledger/amounts.js';
import { type CountryCode, getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';

/** One price as data and in the API: `{ country, prefix?, creditsPerSegment: "1.2" }`. */
export interface DestinationPrice {
  readonly country: CountryCode;
  readonly prefix?: string;
  readonly creditsPerSegment: string;
}

/** One checked price, in micro-credits. */
export interface DestinationRule {
  readonly country: CountryCode;
  readonly prefix: string | undefined;
  readonly microsPerSegment: bigint;
}

/** A price list row before checking; `row` is what errors cite (CSV line, or list position). */
export interface DestinationRow {
  readonly row: number;
  readonly country: string;
  readonly prefix: string;
  readonly creditsPerSegment: string;
}

export type PriceListErrorCode =
  | 'bad_header'
  | 'wrong_column_count'
  | 'malformed_row'
  | 'unknown_country'
  | 'bad_prefix'
  | 'bad_price'
  | 'non_positive_price'
  | 'too_many_fraction_digits'
  | 'duplicate'
  | 'empty';

export interface PriceListError {
  readonly row: number;
  readonly code: PriceListErrorCode;
  readonly message: string;
}

export type PriceListResult =
  | { readonly ok: true; readonly rules: readonly DestinationRule[] }
  | { readonly ok: false; readonly errors: readonly PriceListError[] };

export type DestinationQuote =
  | {
      readonly priced: true;
      readonly country: CountryCode;
      /** The prefix whose price applies; undefined for the country's own price. */
      readonly prefix: string | undefined;
      readonly microsPerSegment: bigint;
    }
  | { readonly priced: false; readonly reason: 'unknown_destination' };

/** E.164 allows 15 digits; a prefix is "+" and at most that many. */
const PREFIX = /^\+\d{1,15}$/;

/** Checks rows and collects every error, each with its row number. */
export function validateDestinationRows(rows: readonly DestinationRow[]): PriceListResult {
  const errors: PriceListError[] = [];
  const rules: DestinationRule[] = [];
  const seen = new Map<string, number>();
  for (const { row, country: rawCountry, prefix: rawPrefix, creditsPerSegment } of rows) {
    const country = rawCountry.trim().toUpperCase();
    const prefix = rawPrefix.trim() === '' ? undefined : rawPrefix.trim();
    const fail = (code: PriceListErrorCode, message: string) => errors.push({ row, code, message });
    if (!isSupportedCountry(country)) {
      fail('unknown_country', `unknown country "${rawCountry}" (an ISO 3166 code such as GB)`);
      continue;
    }
    const before = errors.length;
    if (prefix !== undefined) checkPrefix(country, prefix, fail);
    const micros = checkPrice(creditsPerSegment.trim(), fail);
    const key = `${country}${prefix ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      fail('duplicate', `${prefix ?? country} is already priced in row ${first}`);
    } else {
      seen.set(key, row);
    }
    if (errors.length === before && micros !== undefined) {
      rules.push({ country, prefix, microsPerSegment: micros });
    }
  }
  if (rows.length === 0) errors.push({ row: 0, code: 'empty', message: 'the price list has no prices' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules };
}

function checkPrefix(
  country: CountryCode,
  prefix: string,
  fail: (code: PriceListErrorCode, message: string) => void,
): void {
  const callingCode = `+${getCountryCallingCode(country)}`;
  if (!PREFIX.test(prefix) || !prefix.startsWith(callingCode) || prefix.length <= callingCode.length) {
    fail(
      'bad_prefix',
      `prefix "${prefix}" must be ${callingCode} (the calling code of ${country}) followed by more digits`,
    );
  }
}

function checkPrice(
  value: string,
  fail: (code: PriceListErrorCode, message: string) => void,
): bigint | undefined {
  try {
    const micros = parseCredits(value);
    if (micros > 0n) return micros;
    fail('non_positive_price', `price "${value}" must be greater than zero`);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    if (/^\d+\.\d{7,}$/.test(value)) {
      fail('too_many_fraction_digits', `price "${value}" has more than 6 fraction digits`);
    } else if (value.startsWith('-')) {
      fail('non_positive_price', `price "${value}" must be greater than zero`);
    } else {
      fail('bad_price', `price "${value}" must be a decimal number of credits such as "1" or "0.045"`);
    }
  }
  return undefined;
}

/** Checks a price list given as data (rows are numbered from 1 in list order). */
export function validateDestinationPrices(prices: readonly DestinationPrice[]): PriceListResult {
  return validateDestinationRows(
    prices.map((price, i) => ({
      row: i + 1,
      country: price.country,
      prefix: price.prefix ?? '',
      creditsPerSegment: price.creditsPerSegment,
    })),
  );
}

export function toDestinationPrice(rule: DestinationRule): DestinationPrice {
  const creditsPerSegment = formatCredits(rule.microsPerSegment);
  return rule.prefix === undefined
    ? { country: rule.country, creditsPerSegment }
    : { country: rule.country, prefix: rule.prefix, creditsPerSegment };
}

/** Country first, the country's own price before its prefixes, prefixes in text order. */
export function compareRules(a: DestinationRule, b: DestinationRule): number {
  if (a.country !== b.country) return a.country < b.country ? -1 : 1;
  const ap = a.prefix ?? '';
  const bp = b.prefix ?? '';
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}

interface CountryPrices {
  base: bigint | undefined;
  readonly prefixes: Map<string, bigint>;
  longest: number;
  shortest: number;
}

/** The price list in memory: a lookup costs one map read per prefix length tried. */
export class DestinationIndex {
  readonly #byCountry = new Map<string, CountryPrices>();
  readonly #rules: readonly DestinationRule[];

  constructor(rules: readonly DestinationRule[]) {
    this.#rules = [...rules].sort(compareRules);
    for (const rule of this.#rules) {
      let prices = this.#byCountry.get(rule.country);
      if (!prices) {
        prices = { base: undefined, prefixes: new Map(), longest: 0, shortest: Number.MAX_SAFE_INTEGER };
        this.#byCountry.set(rule.country, prices);
      }
      if (rule.prefix === undefined) {
        prices.base = rule.microsPerSegment;
      } else {
        prices.prefixes.set(rule.prefix, rule.microsPerSegment);
        prices.longest = Math.max(prices.longest, rule.prefix.length);
        prices.shortest = Math.min(prices.shortest, rule.prefix.length);
      }
    }
  }

  /** The price per segment for a parsed recipient (E.164 number and its country). */
  lookup(recipient: { readonly e164: string; readonly country: CountryCode }): DestinationQuote {
    const prices = this.#byCountry.get(recipient.country);
    if (!prices) return { priced: false, reason: 'unknown_destination' };
    const { e164, country } = recipient;
    for (let length = Math.min(prices.longest, e164.length); length >= prices.shortest; length--) {
      const prefix = e164.slice(0, length);
      const micros = prices.prefixes.get(prefix);
      if (micros !== undefined) return { priced: true, country, prefix, microsPerSegment: micros };
    }
    if (prices.base === undefined) return { priced: false, reason: 'unknown_destination' };
    return { priced: true, country, prefix: undefined, microsPerSegment: prices.base };
  }

  /** The rules, sorted by country and prefix. */
  rules(): readonly DestinationRule[] {
    return this.#rules;
  }
}

/** Micro-credits a message of `segments` parts costs at a price per segment. */
export function messageCostMicros(segments: number, microsPerSegment: bigint): bigint {
  if (!Number.isInteger(segments) || segments < 1) {
    throw new RangeError(`segments must be a positive integer, got ${segments}`);
  }
  return BigInt(segments) * microsPerSegment;
}
