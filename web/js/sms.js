// What the sending pages work out before asking the server: how a text is cut into SMS parts
// (the rules of src/pricing/segments.ts: GSM 03.38 with its extension table, else UCS-2), the
// sender id rules of src/messaging/compose.ts, recipients from a pasted list, message statuses
// in words, and the cost of a send (POST /messages/estimate when the server has it, else the
// price list read here). The server decides in the end; the pages say so.
import { api } from './api.js';
import { countryOfDigits } from './calling-codes.js';
import { h } from './dom.js';
import { credits } from './format.js';
import { session } from './session.js';

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;
/** The server's default MESSAGE_MAX_PARTS; an operator may set another. */
export const DEFAULT_MAX_PARTS = 10;

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const SEPTETS = new Map([...[...GSM_BASIC].map((ch) => [ch, 1]), ...[...GSM_EXTENSION].map((ch) => [ch, 2])]);

/**
 * {encoding, segments, characters, units, perSegment, left}: `left` is what still fits in the
 * part being written (septets in GSM-7, where € [ ] { } ^ ~ \ | count two; UTF-16 units in
 * UCS-2, where most emoji count two). An empty text is 0 segments.
 */
export function measureText(text) {
  const value = String(text ?? '');
  const characters = [...value].length;
  if (!value) {
    return {
      encoding: 'GSM-7',
      segments: 0,
      characters: 0,
      units: 0,
      perSegment: GSM7_SINGLE,
      left: GSM7_SINGLE,
    };
  }
  let gsm = true;
  for (const ch of value) {
    if (!SEPTETS.has(ch)) {
      gsm = false;
      break;
    }
  }
  // Greedy packing at the multipart size: an escape pair or a surrogate pair is never split.
  let units = 0;
  let parts = 1;
  let used = 0;
  for (const ch of value) {
    const width = gsm ? SEPTETS.get(ch) : ch.length;
    units += width;
    if (used + width > (gsm ? GSM7_PART : UCS2_PART)) {
      parts += 1;
      used = width;
    } else {
      used += width;
    }
  }
  const single = gsm ? GSM7_SINGLE : UCS2_SINGLE;
  if (units <= single) {
    return {
      encoding: gsm ? 'GSM-7' : 'UCS-2',
      segments: 1,
      characters,
      units,
      perSegment: single,
      left: single - units,
    };
  }
  const per = gsm ? GSM7_PART : UCS2_PART;
  return {
    encoding: gsm ? 'GSM-7' : 'UCS-2',
    segments: parts,
    characters,
    units,
    perSegment: per,
    left: per - used,
  };
}

/** Characters that switch a text to UCS-2 (at most `max`, each once). */
export function nonGsmCharacters(text, max = 5) {
  const found = [];
  for (const ch of String(text ?? '')) {
    if (!SEPTETS.has(ch) && !found.includes(ch)) found.push(ch);
    if (found.length >= max) break;
  }
  return found;
}

const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/;

/** Why a sender id would be refused, or null (the same rules as the server's). */
export function senderProblem(from) {
  if (NUMERIC_SENDER.test(from)) return null;
  if (ALPHANUMERIC_SENDER.test(from) && /[A-Za-z]/.test(from) && from.trim() === from) return null;
  if (/[A-Za-z]/.test(from) && from.length > 11) return 'A name may have at most 11 characters.';
  if (/^\+?[0-9]+$/.test(from)) return 'A number may have at most 15 digits.';
  return 'Use up to 11 letters, digits and spaces (with at least one letter), or a number of up to 15 digits.';
}

/**
 * A pasted list: one number per line (commas and semicolons also separate). Returns
 * {numbers, duplicates, malformed}: numbers in order, each once; malformed are lines that hold
 * no phone number at all (the server judges the rest).
 */
export function parseRecipients(text) {
  const numbers = [];
  const malformed = [];
  let duplicates = 0;
  const seen = new Set();
  for (const raw of String(text ?? '').split(/[\n,;]+/)) {
    const line = raw.trim();
    if (!line) continue;
    if (!/^\+?[\d\s().\-/]{3,30}$/.test(line) || (line.match(/\d/g) ?? []).length < 3) {
      malformed.push(line);
      continue;
    }
    const key = line.replace(/[\s().\-/]/g, '');
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    numbers.push(line);
  }
  return { numbers, duplicates, malformed };
}

export const MESSAGE_STATUSES = {
  scheduled: 'Scheduled',
  queued: 'Queued',
  waiting_credit: 'Waiting for credit',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** Not yet handed to a carrier: what Remove outbox takes. */
export const OUTBOX_STATUSES = ['scheduled', 'queued', 'waiting_credit'];
export const FINAL_STATUSES = ['delivered', 'failed', 'canceled'];

export function messagePill(status) {
  return h(
    'span',
    { class: ['pill', `pill-msg-${status}`], 'data-testid': 'message-status' },
    MESSAGE_STATUSES[status] ?? String(status ?? '').replaceAll('_', ' '),
  );
}

export const CAMPAIGN_STATUSES = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  running: 'Running',
  completed: 'Completed',
  canceled: 'Canceled',
};

export function campaignPill(status) {
  return h(
    'span',
    { class: ['pill', `pill-campaign-${status}`], 'data-testid': 'campaign-status' },
    CAMPAIGN_STATUSES[status] ?? String(status ?? ''),
  );
}

/** "1 credit", "2.5 credits". */
export function creditsText(value) {
  return `${credits(value)} ${String(value) === '1' ? 'credit' : 'credits'}`;
}

/** "2 SMS parts" / "1 SMS part". */
export function partsLabel(n) {
  return `${n} SMS ${n === 1 ? 'part' : 'parts'}`;
}

/** The account's default country for numbers written without +, or null. */
export function defaultCountry() {
  return session.account?.preferences?.country ?? null;
}

// ---- Cost ----

const MICROS = 1_000_000n;

export function toMicros(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(String(text ?? '').trim());
  if (!match) return null;
  const value = BigInt(match[2]) * MICROS + BigInt((match[3] ?? '').padEnd(6, '0'));
  return match[1] ? -value : value;
}

export function microsToCredits(micros) {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const fraction = (abs % MICROS).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / MICROS}${fraction ? `.${fraction}` : ''}`;
}

let priceList = null;

async function destinations() {
  priceList ??= api.get('/pricing/destinations').catch((error) => {
    priceList = null;
    throw error;
  });
  return priceList;
}

/** Where a number goes and what one part costs there, from the price list (longest prefix first). */
function priceFor(number, list, country) {
  let digits = number.replace(/[\s().\-/]/g, '');
  let international = false;
  if (digits.startsWith('+')) {
    digits = digits.slice(1);
    international = true;
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  let where;
  if (international) {
    where = countryOfDigits(digits)?.country;
  } else {
    where = country;
  }
  if (!where) return null;
  let best = null;
  for (const d of list) {
    if (d.country !== where) continue;
    if (d.prefix) {
      if (
        international &&
        digits.startsWith(d.prefix) &&
        (!best?.prefix || d.prefix.length > best.prefix.length)
      ) {
        best = d;
      }
    } else if (!best) best = d;
  }
  return best
    ? { country: where, micros: toMicros(best.creditsPerSegment) }
    : { country: where, micros: null };
}

/** The estimate worked out here from the price list, in the shape of POST /messages/estimate. */
export async function localEstimate(numbers, text) {
  const list = await destinations();
  const { encoding, segments } = measureText(text);
  const byCountry = new Map();
  const invalid = [];
  let total = 0n;
  for (const number of numbers) {
    const price = priceFor(number, list, defaultCountry());
    if (!price) {
      invalid.push({ to: number, reason: 'has no country: write it with + and the country code' });
      continue;
    }
    if (price.micros === null) {
      invalid.push({ to: number, reason: `is in a destination we do not send to (${price.country})` });
      continue;
    }
    const cost = price.micros * BigInt(segments);
    total += cost;
    const entry = byCountry.get(price.country) ?? { country: price.country, recipients: 0, micros: 0n };
    entry.recipients += 1;
    entry.micros += cost;
    byCountry.set(price.country, entry);
  }
  const available = toMicros(session.account?.balance?.available ?? '0') ?? 0n;
  return {
    local: true,
    recipients: numbers.length - invalid.length,
    invalid,
    encoding,
    segments,
    credits: microsToCredits(total),
    byCountry: [...byCountry.values()].map((c) => ({
      country: c.country,
      recipients: c.recipients,
      credits: microsToCredits(c.micros),
    })),
    available: microsToCredits(available < 0n ? 0n : available),
    shortfall: microsToCredits(total > available ? total - available : 0n),
  };
}

let estimateRoute = true;

/**
 * What sending `text` to `numbers` costs: the server's estimate (POST /messages/estimate), or,
 * while the server has no such route, the same worked out here from the price list.
 */
export async function estimateCost(numbers, text, { signal } = {}) {
  if (estimateRoute) {
    try {
      return await api.post('/messages/estimate', { to: numbers, text }, { signal });
    } catch (error) {
      if (error?.status !== 404 && error?.status !== 405) throw error;
      estimateRoute = false;
    }
  }
  return localEstimate(numbers, text);
}

/** The server's estimate for a CSV campaign file (the same reading as the upload), or null without the route. */
export async function estimateFile(file, text, { from } = {}) {
  if (!estimateRoute) return null;
  const form = new FormData();
  form.append('text', text);
  if (from) form.append('from', from);
  form.append('campaignFile', file, file.name);
  try {
    return await api.post('/messages/estimate', form);
  } catch (error) {
    if (error?.status !== 404 && error?.status !== 405) throw error;
    estimateRoute = false;
    return null;
  }
}
