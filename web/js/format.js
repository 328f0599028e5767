// @ts-check
// Formatting for people, in the portal's language (i18n.js intlLocale()): credits (decimal
// strings, never floats), money, dates, relative times, and the labels of statuses and reasons.
import { formatNumber, intlLocale, t } from './i18n.js';

/** The decimal separator of the current locale ("." or ","). */
function decimalSeparator() {
  return (
    new Intl.NumberFormat(intlLocale()).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.'
  );
}

/**
 * "1234567.5" -> "1,234,567.5" (English) or "1.234.567,5" (Spanish); credits stay exact (the
 * integer part goes through BigInt, the fraction is kept as written).
 * @param {string | number | bigint | null | undefined} value
 */
export function credits(value) {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole = '0', fraction] = match;
  const grouped = formatNumber(BigInt(whole));
  const trimmed = fraction?.replace(/0+$/, '');
  return `${sign}${grouped}${trimmed ? `${decimalSeparator()}${trimmed}` : ''}`;
}

/** "1,000 credits", "1 credit", "2.5 credits" in the current language. */
export function creditsText(/** @type {string | number | bigint | null | undefined} */ value) {
  return t('format.credits', { count: String(value) === '1' ? 1 : 2, amount: credits(value) });
}

/** Whether a decimal string is above zero. */
export function isPositive(/** @type {string | number | null | undefined} */ value) {
  return /^\d*\.?\d*$/.test(String(value ?? '')) && /[1-9]/.test(String(value ?? ''));
}

/** @type {string | undefined} */
let timeZone;
/** Dates are shown in the account's time zone once its preferences are known. */
export function setTimeZone(/** @type {string | null | undefined} */ zone) {
  timeZone = zone || undefined;
}

/** The time zone dates are shown in (the account's, else the browser's). */
export function displayTimeZone() {
  return timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * @param {string | number | Date | null | undefined} value
 * @param {Intl.DateTimeFormatOptions} [options]
 */
export function dateTime(value, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(intlLocale(), { ...options, timeZone }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** @type {[Intl.RelativeTimeFormatUnit, number][]} */
const UNITS = [
  ['year', 31536000],
  ['month', 2592000],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 hours ago", "in 2 days", "just now" in the current language. */
export function relativeTime(/** @type {string | number | Date | null | undefined} */ value) {
  if (!value) return t('format.never');
  const date = new Date(value);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(intlLocale(), { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return t('format.justNow');
}

/** A catalogue label for a code, or the code in words when the catalogue has none. */
function labelOf(/** @type {string} */ group, /** @type {string | null | undefined} */ code) {
  const known = LABELS[group];
  const key = String(code ?? '');
  if (known?.includes(key)) return t(`format.${group}.${key}`);
  return key.replaceAll('_', ' ') || t('format.unknown');
}

/** @type {Record<string, string[]>} */
const LABELS = {
  accountStatus: ['pending_verification', 'active', 'verified', 'suspended'],
  purchaseStatus: ['awaiting_payment', 'paid', 'credited', 'failed', 'canceled', 'expired'],
  transactionType: ['purchase', 'consumption', 'refund', 'release', 'adjustment', 'grant', 'auto_refill'],
  paymentMethod: ['card', 'bank_transfer'],
  failure: [
    'generic_decline',
    'card_declined',
    'do_not_honor',
    'insufficient_funds',
    'lost_card',
    'stolen_card',
    'expired_card',
    'incorrect_cvc',
    'incorrect_number',
    'processing_error',
    'card_velocity_exceeded',
    'fraudulent',
    'authentication_required',
    'payment_intent_authentication_failure',
    'checkout_expired',
    'authentication_not_completed',
    'payment_not_started',
    'canceled',
    'abandoned',
    'requested_by_customer',
    'payment_failed',
    'provider_error',
  ],
};

/** An account's status in words ("Pending verification"). */
export function statusLabel(/** @type {string | null | undefined} */ status) {
  return labelOf('accountStatus', status);
}

// Money is {amount: integer minor units, currency}. Minor units per currency (ISO 4217); the
// currencies sold here all have 2, the rest are for amounts read off a bank statement.
/** @type {Record<string, number>} */
const MINOR_DIGITS = { JPY: 0, KRW: 0, ISK: 0, HUF: 2, CZK: 2, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

/** @typedef {{ amount: number, currency: string }} Money */

/** The amount as an exact decimal string ("6050" EUR -> "60.50"), never through a float. */
export function moneyDecimal(/** @type {Money} */ m) {
  const digits = MINOR_DIGITS[m.currency] ?? 2;
  const negative = m.amount < 0;
  const text = String(Math.abs(Math.trunc(m.amount))).padStart(digits + 1, '0');
  const whole = digits ? text.slice(0, -digits) : text;
  const fraction = digits ? `.${text.slice(-digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** {amount: 6050, currency: 'EUR'} -> "€60.50" (English) or "60,50 €" (Spanish). */
export function money(/** @type {Money | null | undefined} */ m) {
  if (!m || typeof m.amount !== 'number' || !m.currency) return '—';
  const digits = MINOR_DIGITS[m.currency] ?? 2;
  try {
    return new Intl.NumberFormat(intlLocale(), {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      useGrouping: 'always',
      // A decimal string keeps the amount exact; Intl accepts one since ES2023.
    }).format(/** @type {number} */ (/** @type {unknown} */ (moneyDecimal(m))));
  } catch {
    return `${moneyDecimal(m)} ${m.currency}`;
  }
}

/** "2026-12-05" (a calendar day, no time zone) -> "5 Dec 2026" / "5 dic 2026". */
export function dateOnly(/** @type {string | null | undefined} */ value) {
  if (!value) return '—';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!match) return String(value);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** The calendar day of a moment in the account's time zone, as YYYY-MM-DD (for date inputs). */
export function dayOf(/** @type {string | number | Date} */ value = new Date()) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date(value))
      .slice(0, 10);
  } catch {
    return new Date(value).toISOString().slice(0, 10);
  }
}

/** Signed credits with a sign always shown: "+1,000", "−12.5". */
export function signedCredits(/** @type {string | null | undefined} */ value) {
  const text = String(value ?? '');
  if (!text) return '—';
  return text.startsWith('-') ? `−${credits(text.slice(1))}` : `+${credits(text)}`;
}

/** A purchase's status in words. */
export function purchaseStatusLabel(/** @type {string | null | undefined} */ status) {
  return labelOf('purchaseStatus', status);
}

/**
 * Labels of a group by their API names, each read when used (the language may change since):
 * `Object.entries` gives [name, label] pairs in the language of the moment.
 * @param {string} group
 * @returns {Record<string, string>}
 */
function labelTable(group) {
  /** @type {Record<string, string>} */
  const table = {};
  for (const name of LABELS[group] ?? []) {
    Object.defineProperty(table, name, { enumerable: true, get: () => labelOf(group, name) });
  }
  return table;
}

/** The payment methods in words, by their API names. */
export const PAYMENT_METHOD_LABELS = labelTable('paymentMethod');

/** A transaction's type in words ("Messages sent"). */
export function transactionTypeLabel(/** @type {string | null | undefined} */ type) {
  return labelOf('transactionType', type);
}

/** The transaction types in words, by their API names. */
export const TRANSACTION_TYPES = labelTable('transactionType');

/** @typedef {{ treatment?: string, rate?: number | string, vatId?: string | null, country?: string | null }} TaxView */

/** How the tax was decided, in an invoice's words. */
export function taxTreatmentLabel(/** @type {TaxView | null | undefined} */ tax) {
  switch (tax?.treatment) {
    case 'domestic':
      return t('format.tax.domestic', { rate: String(tax.rate) });
    case 'eu_consumer':
      return t('format.tax.euConsumer', { rate: String(tax.rate), country: tax.country ?? '' });
    case 'reverse_charge':
      return t('format.tax.reverseCharge');
    case 'outside_scope':
      return t('format.tax.outsideScope');
    default:
      return t('format.tax.tax');
  }
}

/** The sentence under the tax line: why this treatment applies. */
export function taxTreatmentNote(/** @type {TaxView | null | undefined} */ tax) {
  switch (tax?.treatment) {
    case 'reverse_charge':
      return tax.vatId
        ? t('format.tax.reverseChargeNoteVat', { vatId: tax.vatId })
        : t('format.tax.reverseChargeNote');
    case 'outside_scope':
      return t('format.tax.outsideScopeNote');
    case 'domestic':
      return t('format.tax.domesticNote', { rate: String(tax.rate) });
    case 'eu_consumer':
      return t('format.tax.euConsumerNote', { rate: String(tax.rate), country: tax.country ?? '' });
    default:
      return '';
  }
}

/**
 * Why a card payment failed (details.reason of a 402, a purchase's failureReason): Stripe's
 * decline codes and ours, in words a customer can act on.
 */
export function failureReasonText(/** @type {string | null | undefined} */ reason) {
  if (!reason) return t('format.failure.payment_failed');
  if (LABELS.failure?.includes(reason)) return t(`format.failure.${reason}`);
  return t('format.failure.other', { reason: reason.replaceAll('_', ' ') });
}
