// Which VAT a purchase carries. The issuer (the operator) has a home country and rate; the
// customer has a billing country and maybe a VAT id.
//
//   same country as the issuer                          -> issuer's rate, 'domestic'
//   another EU member state, with a VAT id of it         -> 0 %, 'reverse_charge'
//   another EU member state, no (usable) VAT id          -> issuer's rate, 'domestic' (*)
//   outside the EU                                       -> 0 %, 'outside_scope'
//
// (*) A simplification: the One-Stop-Shop rule (the consumer's own country's rate past the EU
// threshold) is out of scope. A VAT id is usable when, after removing spaces, dots and dashes, it
// starts with the member state's VAT prefix (Greece: EL) and passes jsvat's format and
// check-digit test; otherwise it is ignored and the decision says why. An issuer outside the EU
// charges its rate at home and nothing abroad. Monaco is in the French VAT territory and is
// treated as France; the Canary Islands, Ceuta, Melilla and other special territories are not
// told apart from their country. Rates are basis points (2100 = 21 %): no floats.

import { checkVAT, countries as vatCountries } from 'jsvat';
import { type CountryCode, countryCodes } from './countries.js';
import { roundHalfUp } from './money.js';

export const EU_MEMBER_STATES: readonly CountryCode[] = countryCodes(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK',
);
const EU = new Set<string>(EU_MEMBER_STATES);
/** jsvat's rules per ISO country code. */
const VAT_RULES = new Map(vatCountries.map((rules) => [rules.codes[0], rules]));
/** Territories in another state's VAT area. */
const VAT_TERRITORY: Readonly<Partial<Record<CountryCode, CountryCode>>> = { MC: 'FR' };

export type TaxTreatment = 'domestic' | 'reverse_charge' | 'outside_scope';

export interface Issuer {
  readonly country: CountryCode;
  /** The home VAT rate in basis points: 2100 = 21 %. */
  readonly vatRateBasisPoints: number;
}

export interface BillingParty {
  readonly country: CountryCode;
  readonly vatId?: string | undefined;
}

export interface TaxDecision {
  readonly treatment: TaxTreatment;
  readonly rateBasisPoints: number;
  /** The rate as a percent decimal string: "21", "5.5", "0". */
  readonly rate: string;
  /** The normalised VAT id the reverse charge rests on (for the invoice). */
  readonly vatId?: string;
  /** Why a VAT id that was given did not make it a reverse charge. */
  readonly vatIdIgnored?: 'country_mismatch' | 'invalid';
}

export function isEuMemberState(country: string): boolean {
  return EU.has(country);
}

/** The prefix of a member state's VAT ids: the country code, except Greece (EL). */
export function vatPrefix(country: CountryCode): string {
  return country === 'GR' ? 'EL' : country;
}

/** A VAT id without spaces, dots and dashes, upper case: "es b-12.345 678" -> "ESB12345678". */
export function normalizeVatId(vatId: string): string {
  return vatId.replace(/[\s.-]/g, '').toUpperCase();
}

export function assertRateBasisPoints(rate: number): void {
  if (!Number.isInteger(rate) || rate < 0 || rate > 10_000) {
    throw new RangeError(`a VAT rate is an integer number of basis points from 0 to 10000, got ${rate}`);
  }
}

/** "21" -> 2100, "5.5" -> 550, "8.25" -> 825; at most two fraction digits, at most 100 %. */
export function parseRatePercent(value: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) throw new RangeError(`a VAT rate is a percent such as "21" or "5.5", got "${value}"`);
  const rate = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  assertRateBasisPoints(rate);
  return rate;
}

/** 2100 -> "21", 550 -> "5.5", 0 -> "0". */
export function formatRatePercent(rateBasisPoints: number): string {
  assertRateBasisPoints(rateBasisPoints);
  const whole = Math.trunc(rateBasisPoints / 100);
  const fraction = (rateBasisPoints % 100).toString().padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

function decision(
  treatment: TaxTreatment,
  rateBasisPoints: number,
  extra: Pick<TaxDecision, 'vatId' | 'vatIdIgnored'> = {},
): TaxDecision {
  return { treatment, rateBasisPoints, rate: formatRatePercent(rateBasisPoints), ...extra };
}

/** The VAT treatment and rate of a purchase by `billing` from `issuer`. */
export function decideTax(issuer: Issuer, billing: BillingParty): TaxDecision {
  assertRateBasisPoints(issuer.vatRateBasisPoints);
  const home = VAT_TERRITORY[issuer.country] ?? issuer.country;
  const customer = VAT_TERRITORY[billing.country] ?? billing.country;
  if (customer === home) return decision('domestic', issuer.vatRateBasisPoints);
  if (!EU.has(home) || !EU.has(customer)) return decision('outside_scope', 0);
  if (billing.vatId === undefined || billing.vatId.trim() === '') {
    return decision('domestic', issuer.vatRateBasisPoints);
  }
  const vatId = normalizeVatId(billing.vatId);
  if (!vatId.startsWith(vatPrefix(customer))) {
    return decision('domestic', issuer.vatRateBasisPoints, { vatIdIgnored: 'country_mismatch' });
  }
  const rules = VAT_RULES.get(customer);
  if (!rules || !checkVAT(vatId, [rules]).isValid) {
    return decision('domestic', issuer.vatRateBasisPoints, { vatIdIgnored: 'invalid' });
  }
  return decision('reverse_charge', 0, { vatId });
}

/** Tax on a subtotal in minor units, rounded half-up to a whole minor unit. */
export function taxAmount(subtotal: bigint, rateBasisPoints: number): bigint {
  assertRateBasisPoints(rateBasisPoints);
  if (subtotal < 0n) throw new RangeError('a subtotal is never negative');
  return roundHalfUp(subtotal * BigInt(rateBasisPoints), 10_000n);
}
