// Money is an integer number of minor units plus an ISO 4217 currency. No float ever holds it:
// amounts are bigint inside, JSON numbers only at the API edge (moneyToJson).

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CZK'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Minor-unit exponent per currency: 2 means 100 minor units (cents, pence, haléře) per unit. */
export const CURRENCY_EXPONENT: Readonly<Record<Currency, number>> = { EUR: 2, USD: 2, GBP: 2, CZK: 2 };

export interface Money {
  readonly amount: bigint;
  readonly currency: Currency;
}

/** Money as the API writes it: `{ "amount": 4500, "currency": "EUR" }`. */
export interface MoneyJson {
  readonly amount: number;
  readonly currency: Currency;
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/** Builds Money from integer minor units; a number must be a safe integer (never a fraction). */
export function money(amount: number | bigint, currency: Currency): Money {
  if (typeof amount === 'number' && !Number.isSafeInteger(amount)) {
    throw new RangeError(`money amount must be an integer number of minor units, got ${amount}`);
  }
  return { amount: BigInt(amount), currency };
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} and ${b.currency}`);
  return { amount: a.amount + b.amount, currency: a.currency };
}

/** Money for JSON; refuses amounts a JSON number cannot hold exactly. */
export function moneyToJson(value: Money): MoneyJson {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  if (value.amount > limit || value.amount < -limit) {
    throw new RangeError(`amount ${value.amount} is beyond what JSON can carry exactly`);
  }
  return { amount: Number(value.amount), currency: value.currency };
}

/**
 * numerator / denominator rounded to the nearest integer, ties away from zero ("half-up" on the
 * magnitude: 2.5 -> 3, -2.5 -> -3). Every amount pricing rounds is non-negative, where this is
 * plain half-up. The denominator must be positive.
 */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twiceRemainder = remainder < 0n ? -2n * remainder : 2n * remainder;
  if (twiceRemainder < denominator) return quotient;
  return numerator < 0n ? quotient - 1n : quotient + 1n;
}

/** Minor units as a plain decimal string in major units: 4500n EUR -> "45.00", -5n -> "-0.05". */
export function formatMinorUnits(amount: bigint, currency: Currency): string {
  const exponent = CURRENCY_EXPONENT[currency];
  const sign = amount < 0n ? '-' : '';
  const digits = (amount < 0n ? -amount : amount).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const NUMERIC_LITERAL = /^-?\d+(?:\.\d+)?$/;
function isNumericLiteral(value: string): value is Intl.StringNumericLiteral {
  return NUMERIC_LITERAL.test(value);
}

/**
 * Money for people, through Intl.NumberFormat with exactly the currency's minor digits:
 * en -> "€45.00", "CZK 1,234.00"; cs-CZ -> "1 234,00 Kč" (Intl's own spaces, U+00A0).
 * The amount reaches Intl as a decimal string, so large amounts stay exact.
 */
export function formatMoney(value: Money, locale = 'en'): string {
  const decimal = formatMinorUnits(value.amount, value.currency);
  if (!isNumericLiteral(decimal)) throw new RangeError(`not a decimal: ${decimal}`);
  return formatter(locale, value.currency).format(decimal);
}

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(locale: string, currency: Currency): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let found = formatters.get(key);
  if (!found) {
    const digits = CURRENCY_EXPONENT[currency];
    found = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    if (formatters.size >= 64) formatters.clear();
    formatters.set(key, found);
  }
  return found;
}
