// Which VAT a purchase carries, decided when it is quoted and stored with the purchase (quote,
// purchase and invoice then agree). The issuer (the operator) has a home country and rate; the
// customer has a billing country and maybe a VAT id, which VIES may have confirmed or refuted.
//
//   same VAT territory as the issuer                      -> issuer's rate, 'domestic'
//   another EU member state, with a usable VAT id of it   -> 0 %, 'reverse_charge'
//   another EU member state, no usable VAT id (consumer)  -> that state's standard rate, 'eu_consumer'
//   outside the EU                                        -> 0 %, 'outside_scope'
//
// SMS are telecommunication services: sold to a consumer they are taxed where the consumer lives
// (Directive 2006/112/EC, article 58), at that state's standard rate (eu-vat-rates.ts, with the
// operator's EU_VAT_RATES overrides), and the issuer declares that VAT through the One-Stop Shop.
// The EUR 10,000 threshold under which a small seller may charge its home rate instead is not
// offered: an issuer that sells to EU consumers registers for OSS. Where the customer lives rests
// on the billing country; the country of the verified mobile number is kept beside it as the
// second piece of evidence (src/purchases/vat/evidence.ts) and a disagreement is shown to the
// operator, never decided here.
//
// A VAT id is usable when, after removing spaces, dots and dashes, it starts with the member
// state's VAT prefix (Greece: EL), passes jsvat's format and check-digit test, and VIES (when
// the operator turned it on) did not call it invalid. VIES being unavailable does not stop a
// purchase: it proceeds on the form check and the decision says `viesRecheck` so the purchase is
// checked again later. An ignored VAT id makes the customer a consumer and the decision says why.
// An issuer outside the EU charges its rate at home and nothing abroad. Monaco is in the French
// VAT territory and is treated as France; the Canary Islands, Ceuta, Melilla and other special
// territories are not told apart from their country. Rates are basis points (2100 = 21 %).

import { checkVAT, countries as vatCountries } from 'jsvat';
import { type CountryCode, countryCodes } from './countries.js';
import { EU_STANDARD_VAT_RATES, type EuVatRates } from './eu-vat-rates.js';
import { roundHalfUp } from './money.js';

export const EU_MEMBER_STATES: readonly CountryCode[] = countryCodes(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK',
);
const EU = new Set<string>(EU_MEMBER_STATES);
/** jsvat's rules per ISO country code. */
const VAT_RULES = new Map(vatCountries.map((rules) => [rules.codes[0], rules]));
/** Territories in another state's VAT area. */
const VAT_TERRITORY: Readonly<Partial<Record<CountryCode, CountryCode>>> = { MC: 'FR' };

export const TAX_TREATMENTS = ['domestic', 'eu_consumer', 'reverse_charge', 'outside_scope'] as const;
export type TaxTreatment = (typeof TAX_TREATMENTS)[number];

/** What VIES answered about a VAT id: confirmed, refuted, or no answer (down, timed out). */
export type ViesVerdict = 'valid' | 'invalid' | 'unavailable';

export interface Issuer {
  readonly country: CountryCode;
  /** The home VAT rate in basis points: 2100 = 21 %. */
  readonly vatRateBasisPoints: number;
  /** Standard rates of the member states (eu-vat-rates.ts with overrides); default: the table. */
  readonly euRates?: EuVatRates;
}

export interface BillingParty {
  readonly country: CountryCode;
  readonly vatId?: string | undefined;
  /** VIES's answer about `vatId`, when it was asked. */
  readonly vies?: ViesVerdict | undefined;
}

export type VatIdIgnored = 'country_mismatch' | 'invalid' | 'vies_invalid';

export interface TaxDecision {
  readonly treatment: TaxTreatment;
  readonly rateBasisPoints: number;
  /** The rate as a percent decimal string: "21", "5.5", "0". */
  readonly rate: string;
  /** The VAT territory whose rate applies (domestic: the issuer's; eu_consumer: the customer's). */
  readonly country?: CountryCode;
  /** The normalised VAT id the reverse charge rests on (for the invoice). */
  readonly vatId?: string;
  /** Why a VAT id that was given did not make it a reverse charge. */
  readonly vatIdIgnored?: VatIdIgnored;
  /** The reverse charge rests on the form check alone (VIES was unavailable): check it again. */
  readonly viesRecheck?: true;
}

export function isEuMemberState(country: string): boolean {
  return EU.has(country);
}

/** The VAT territory a country belongs to: Monaco is France's; everyone else their own. */
export function vatTerritory(country: CountryCode): CountryCode {
  return VAT_TERRITORY[country] ?? country;
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
  extra: Omit<TaxDecision, 'treatment' | 'rateBasisPoints' | 'rate'> = {},
): TaxDecision {
  return { treatment, rateBasisPoints, rate: formatRatePercent(rateBasisPoints), ...extra };
}

/** The usable VAT id of an EU customer in `customer`'s territory, or why there is none. */
function usableVatId(
  billing: BillingParty,
  customer: CountryCode,
): { vatId: string } | { ignored: VatIdIgnored } | null {
  if (billing.vatId === undefined || billing.vatId.trim() === '') return null;
  const vatId = normalizeVatId(billing.vatId);
  if (!vatId.startsWith(vatPrefix(customer))) return { ignored: 'country_mismatch' };
  const rules = VAT_RULES.get(customer);
  if (!rules || !checkVAT(vatId, [rules]).isValid) return { ignored: 'invalid' };
  if (billing.vies === 'invalid') return { ignored: 'vies_invalid' };
  return { vatId };
}

/** The VAT treatment and rate of a purchase by `billing` from `issuer`. */
export function decideTax(issuer: Issuer, billing: BillingParty): TaxDecision {
  assertRateBasisPoints(issuer.vatRateBasisPoints);
  const home = vatTerritory(issuer.country);
  const customer = vatTerritory(billing.country);
  if (customer === home) return decision('domestic', issuer.vatRateBasisPoints, { country: home });
  if (!EU.has(home) || !EU.has(customer)) return decision('outside_scope', 0);
  const id = usableVatId(billing, customer);
  if (id && 'vatId' in id) {
    return decision('reverse_charge', 0, {
      vatId: id.vatId,
      ...(billing.vies === 'unavailable' ? { viesRecheck: true as const } : {}),
    });
  }
  const rate = (issuer.euRates ?? EU_STANDARD_VAT_RATES)[customer];
  if (rate === undefined) throw new RangeError(`no standard VAT rate for the member state ${customer}`);
  return decision('eu_consumer', rate, { country: customer, ...(id ? { vatIdIgnored: id.ignored } : {}) });
}

/**
 * The VAT id VIES should be asked about for this customer: an EU customer's id of its own
 * member state that passes the form check (the only case where VIES can change the decision).
 */
export function vatIdToVerify(issuer: Issuer, billing: BillingParty): string | null {
  const home = vatTerritory(issuer.country);
  const customer = vatTerritory(billing.country);
  if (customer === home || !EU.has(home) || !EU.has(customer)) return null;
  const id = usableVatId({ ...billing, vies: undefined }, customer);
  return id && 'vatId' in id ? id.vatId : null;
}

/** Tax on a subtotal in minor units, rounded half-up to a whole minor unit. */
export function taxAmount(subtotal: bigint, rateBasisPoints: number): bigint {
  assertRateBasisPoints(rateBasisPoints);
  if (subtotal < 0n) throw new RangeError('a subtotal is never negative');
  return roundHalfUp(subtotal * BigInt(rateBasisPoints), 10_000n);
}

/** A taxed amount as an invoice line carries it: its net and the VAT rounded when it was quoted. */
export interface TaxedLine {
  readonly net: bigint;
  readonly vat: bigint;
  readonly rateBasisPoints: number;
  readonly treatment: TaxTreatment;
}

export interface RateTotal {
  readonly rateBasisPoints: number;
  readonly treatment: TaxTreatment;
  /** The lines' nets added up. */
  readonly base: bigint;
  /** The lines' VAT added up: what the customer paid, never re-rounded. */
  readonly vat: bigint;
  /** `base` taxed at the rate in one go (half-up), for comparison; differs from `vat` by at most half a minor unit a line. */
  readonly vatOnBase: bigint;
  readonly lines: number;
}

/**
 * Lines grouped by rate and treatment, highest rate first. Each purchase's VAT was rounded once,
 * on its own subtotal, when it was quoted, and the customer paid exactly that: the VAT of a group
 * is the sum of its lines' VAT. Rounding the group's base again could differ by a cent or more,
 * so `vatOnBase` is only reported, never charged.
 */
export function totalsPerRate(lines: readonly TaxedLine[]): RateTotal[] {
  const groups = new Map<
    string,
    { rate: number; treatment: TaxTreatment; base: bigint; vat: bigint; n: number }
  >();
  for (const line of lines) {
    assertRateBasisPoints(line.rateBasisPoints);
    const key = `${line.rateBasisPoints}:${line.treatment}`;
    const group = groups.get(key) ?? {
      rate: line.rateBasisPoints,
      treatment: line.treatment,
      base: 0n,
      vat: 0n,
      n: 0,
    };
    group.base += line.net;
    group.vat += line.vat;
    group.n += 1;
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => b.rate - a.rate || a.treatment.localeCompare(b.treatment))
    .map((g) => ({
      rateBasisPoints: g.rate,
      treatment: g.treatment,
      base: g.base,
      vat: g.vat,
      vatOnBase: g.base < 0n ? -taxAmount(-g.base, g.rate) : taxAmount(g.base, g.rate),
      lines: g.n,
    }));
}
