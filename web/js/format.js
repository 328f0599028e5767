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
