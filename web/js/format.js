// Formatting for people: credits (decimal strings, never floats), dates, statuses.

const grouping = new Intl.NumberFormat('en');

/** "1234567.5" -> "1,234,567.5"; credits stay exact (the integer part goes through BigInt). */
export function credits(value) {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction] = match;
  const grouped = grouping.format(BigInt(whole));
  const trimmed = fraction?.replace(/0+$/, '');
  return `${sign}${grouped}${trimmed ? `.${trimmed}` : ''}`;
}

export function isPositive(value) {
  return /^\d*\.?\d*$/.test(String(value ?? '')) && /[1-9]/.test(String(value ?? ''));
}

let timeZone;
/** Dates are shown in the account's time zone once its preferences are known. */
export function setTimeZone(zone) {
  timeZone = zone || undefined;
}

export function dateTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
      date,
    );
  } catch {
    return date.toISOString();
  }
}

export function relativeTime(value) {
  if (!value) return 'never';
  const date = new Date(value);
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const units = [
    ['year', 31536000],
    ['month', 2592000],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

const STATUS_LABELS = {
  pending_verification: 'Pending verification',
  active: 'Active',
  verified: 'Verified',
  suspended: 'Suspended',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] ?? String(status ?? 'unknown').replaceAll('_', ' ');
}

// Money is {amount: integer minor units, currency}. Minor units per currency (ISO 4217); the
// currencies sold here all have 2, the rest are for amounts read off a bank statement.
const MINOR_DIGITS = { JPY: 0, KRW: 0, ISK: 0, HUF: 2, CZK: 2, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

/** The amount as an exact decimal string ("6050" EUR -> "60.50"), never through a float. */
export function moneyDecimal(m) {
  const digits = MINOR_DIGITS[m.currency] ?? 2;
  const negative = m.amount < 0;
  const text = String(Math.abs(Math.trunc(m.amount))).padStart(digits + 1, '0');
  const whole = digits ? text.slice(0, -digits) : text;
  const fraction = digits ? `.${text.slice(-digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** {amount: 6050, currency: 'EUR'} -> "€60.50". */
export function money(m) {
  if (!m || typeof m.amount !== 'number' || !m.currency) return '—';
  const digits = MINOR_DIGITS[m.currency] ?? 2;
  try {
    return new Intl.NumberFormat('en', {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(moneyDecimal(m));
  } catch {
    return `${moneyDecimal(m)} ${m.currency}`;
  }
}

/** "2026-12-05" (a calendar day, no time zone) -> "5 Dec 2026". */
export function dateOnly(value) {
  if (!value) return '—';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!match) return String(value);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** The calendar day of a moment in the account's time zone, as YYYY-MM-DD (for date inputs). */
export function dayOf(value = new Date()) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date(value))
      .slice(0, 10);
  } catch {
    return new Date(value).toISOString().slice(0, 10);
  }
}

/** Signed credits with a sign always shown: "+1,000", "-12.5". */
export function signedCredits(value) {
  const text = String(value ?? '');
  if (!text) return '—';
  return text.startsWith('-') ? `−${credits(text.slice(1))}` : `+${credits(text)}`;
}

const PURCHASE_STATUS = {
  awaiting_payment: 'Awaiting payment',
  paid: 'Paid',
  credited: 'Credited',
  failed: 'Failed',
  canceled: 'Canceled',
  expired: 'Expired',
};

export function purchaseStatusLabel(status) {
  return PURCHASE_STATUS[status] ?? statusLabel(status);
}

export const PAYMENT_METHOD_LABELS = { card: 'Card', bank_transfer: 'Bank transfer' };

/** How the tax was decided, in an invoice's words. */
export function taxTreatmentLabel(tax) {
  switch (tax?.treatment) {
    case 'domestic':
      return `VAT ${tax.rate}%`;
    case 'reverse_charge':
      return 'Reverse charge';
    case 'outside_scope':
      return 'Outside the scope of VAT';
    default:
      return 'Tax';
  }
}

/** The sentence under the tax line: why this treatment applies. */
export function taxTreatmentNote(tax) {
  switch (tax?.treatment) {
    case 'reverse_charge':
      return `No VAT charged: you account for it under the EU reverse charge${tax.vatId ? ` (VAT id ${tax.vatId})` : ''}.`;
    case 'outside_scope':
      return 'No VAT charged: your billing address is outside the EU.';
    case 'domestic':
      return `VAT at ${tax.rate}% is included in the total.`;
    default:
      return '';
  }
}

export const TRANSACTION_TYPES = {
  purchase: 'Purchase',
  consumption: 'Messages sent',
  refund: 'Refund',
  release: 'Release',
  adjustment: 'Adjustment',
  grant: 'Grant',
};

// Why a card payment failed (details.reason of a 402, a purchase's failureReason): Stripe's
// decline codes and ours, in words a customer can act on.
const FAILURE_REASONS = {
  generic_decline: 'The card was declined by its bank. Try another card or pay by bank transfer.',
  card_declined: 'The card was declined by its bank. Try another card or pay by bank transfer.',
  do_not_honor: 'The card was declined by its bank. Ask your bank, or try another card.',
  insufficient_funds: 'The card has insufficient funds.',
  lost_card: 'The card was reported lost; use another card.',
  stolen_card: 'The card was reported stolen; use another card.',
  expired_card: 'The card has expired; use another card.',
  incorrect_cvc: 'The security code (CVC) is wrong.',
  incorrect_number: 'The card number is wrong.',
  processing_error: 'The card could not be processed just now. Try again in a moment.',
  card_velocity_exceeded: 'The card has reached its spending limit; use another card.',
  fraudulent: 'The bank declined the card as possibly fraudulent.',
  authentication_required:
    'Your bank asks you to confirm this payment. Pay with the card as a new card to confirm it, or use another card.',
  payment_intent_authentication_failure: 'The payment was not confirmed with your bank.',
  checkout_expired: 'The card payment page expired before it was paid.',
  authentication_not_completed: 'The payment was not confirmed with your bank in time.',
  payment_not_started: 'The card payment was never started.',
  canceled: 'The card payment was canceled.',
  abandoned: 'The card payment was abandoned before it was completed.',
  requested_by_customer: 'The card payment was canceled.',
  payment_failed: 'The card payment failed.',
  provider_error: 'The card payment could not be started. Try again in a moment.',
};

export function failureReasonText(reason) {
  if (!reason) return 'The card payment failed.';
  return FAILURE_REASONS[reason] ?? `The card payment failed (${String(reason).replaceAll('_', ' ')}).`;
}
