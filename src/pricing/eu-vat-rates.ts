// The standard VAT rate of each EU member state, as data with the date it was last checked.
// A consumer in another member state pays their own state's standard rate for telecommunication
// services (Council Directive 2006/112/EC, article 58; declared through the One-Stop Shop), so
// this table decides what such a customer is charged. Rates change (Estonia, Romania and
// Slovakia raised theirs in 2025): an operator overrides a rate without a release through
// EU_VAT_RATES (e.g. "FR:20,HU:27"; src/config.ts), and whoever updates this table updates
// EU_VAT_RATES_AS_OF with it. Basis points: 2100 = 21 %.
//
// Sources: the European Commission's "VAT rates applied in the Member States" and the national
// announcements of the 2024–2025 changes (FI 25.5 % from 1 Sep 2024, SK 23 % from 1 Jan 2025,
// EE 24 % from 1 Jul 2025, RO 21 % from 1 Aug 2025).

/** The day the table below was last checked against the Commission's list (YYYY-MM-DD). */
export const EU_VAT_RATES_AS_OF = '2026-01-01';

/** The 27 member states by ISO 3166-1 code (Greece is GR here; its VAT prefix is EL). */
export const EU_STANDARD_VAT_RATES: Readonly<Record<string, number>> = Object.freeze({
  AT: 2000,
  BE: 2100,
  BG: 2000,
  CY: 1900,
  CZ: 2100,
  DE: 1900,
  DK: 2500,
  EE: 2400,
  ES: 2100,
  FI: 2550,
  FR: 2000,
  GR: 2400,
  HR: 2500,
  HU: 2700,
  IE: 2300,
  IT: 2200,
  LT: 2100,
  LU: 1700,
  LV: 2100,
  MT: 1800,
  NL: 2100,
  PL: 2300,
  PT: 2300,
  RO: 2100,
  SE: 2500,
  SI: 2200,
  SK: 2300,
});

export type EuVatRates = Readonly<Record<string, number>>;

/** The table with an operator's overrides laid over it (overrides name member states only). */
export function euVatRates(overrides: EuVatRates = {}): EuVatRates {
  for (const country of Object.keys(overrides)) {
    if (!(country in EU_STANDARD_VAT_RATES)) throw new RangeError(`${country} is not an EU member state`);
  }
  return Object.freeze({ ...EU_STANDARD_VAT_RATES, ...overrides });
}
