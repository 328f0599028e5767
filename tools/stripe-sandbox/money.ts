// Amounts are integers in the currency's minor unit, as in Stripe; this file knows which
// currencies have none and the smallest charge Stripe accepts in the common ones.

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Stripe's minimum charge amounts for the currencies we are likely to meet. */
const MINIMUM_AMOUNT: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  chf: 50,
  cad: 50,
  aud: 50,
  nzd: 50,
  sek: 300,
  nok: 300,
  dkk: 250,
  pln: 200,
  czk: 1500,
  jpy: 50,
};

export const MAX_AMOUNT = 99_999_999;

export function minimumAmount(currency: string): number {
  return MINIMUM_AMOUNT[currency] ?? 1;
}

/** "€45.00"-style text from integer minor units, without passing through a float. */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const decimals = ZERO_DECIMAL.has(currency) ? 0 : 2;
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const text = decimals === 0 ? whole : `${whole}.${digits.slice(-decimals)}`;
  const exact = `${sign}${text}`;
  if (!isDecimal(exact)) return `${exact} ${code}`;
  try {
    const format = new Intl.NumberFormat('en', {
      style: 'currency',
      currency: code,
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    // The string form keeps the value exact (Intl formats it as a decimal, not a double).
    return format.format(exact);
  } catch {
    return `${exact} ${code}`;
  }
}

function isDecimal(text: string): text is Intl.StringNumericLiteral & string {
  return /^-?\d+(\.\d+)?$/.test(text);
}
