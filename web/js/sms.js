// @ts-check
// What the sending pages work out before asking the server: how a text is cut into SMS parts
// (the server's own module, src/pricing/sms-parts.js, loaded as it is), the sender id rules of
// src/messaging/compose.ts, recipients from a pasted list, message statuses in words, and the
// cost of a send (POST /messages/estimate when the server has it, else the price list read
// here). The server decides in the end; the pages say so.
import {
  GSM7_SINGLE_UNITS,
  gsmSeptets,
  packSms,
  UCS2_PART_UNITS,
  UCS2_SINGLE_UNITS,
} from '../../src/pricing/sms-parts.js';
import { api, statusOf } from './api.js';
import { countryOfDigits } from './calling-codes.js';
import { h } from './dom.js';
import { creditsText } from './format.js';
import { t } from './i18n.js';
import { session } from './session.js';

export { creditsText, UCS2_PART_UNITS, UCS2_SINGLE_UNITS };

/** @typedef {import('./api-types.js').Estimate} Estimate */
/** @typedef {import('./api-types.js').MessageStatus} MessageStatus */

/** The server's default MESSAGE_MAX_PARTS; an operator may set another. */
export const DEFAULT_MAX_PARTS = 10;

/**
 * @typedef {object} TextMeasure
 * @property {'GSM-7' | 'UCS-2'} encoding
 * @property {number} segments
 * @property {number} characters
 * @property {number} units
 * @property {number} perSegment
 * @property {number} left What still fits in the part being written.
 */

/**
 * {encoding, segments, characters, units, perSegment, left}: `left` is what still fits in the
 * part being written (septets in GSM-7, where € [ ] { } ^ ~ \ | count two; UTF-16 units in
 * UCS-2, where most emoji count two). An empty text is 0 segments.
 * @param {string | null | undefined} text
 * @returns {TextMeasure}
 */
export function measureText(text) {
  const value = String(text ?? '');
  if (!value) {
    return {
      encoding: 'GSM-7',
      segments: 0,
      characters: 0,
      units: 0,
      perSegment: GSM7_SINGLE_UNITS,
      left: GSM7_SINGLE_UNITS,
    };
  }
  const packed = packSms(value);
  return {
    encoding: packed.encoding,
    segments: packed.segments,
    characters: packed.characters,
    units: packed.units,
    perSegment: packed.unitsPerSegment,
    left: packed.unitsPerSegment - packed.lastPartUnits,
  };
}

/**
 * Characters that switch a text to UCS-2 (at most `max`, each once).
 * @param {string | null | undefined} text
 * @param {number} [max]
 */
export function nonGsmCharacters(text, max = 5) {
  /** @type {string[]} */
  const found = [];
  for (const ch of String(text ?? '')) {
    const inGsm = ch.length === 1 && gsmSeptets(ch.charCodeAt(0)) > 0;
    if (!inGsm && !found.includes(ch)) found.push(ch);
    if (found.length >= max) break;
  }
  return found;
}

const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/;

/** Why a sender id would be refused, or null (the same rules as the server's). */
export function senderProblem(/** @type {string} */ from) {
  if (NUMERIC_SENDER.test(from)) return null;
  if (ALPHANUMERIC_SENDER.test(from) && /[A-Za-z]/.test(from) && from.trim() === from) return null;
  if (/[A-Za-z]/.test(from) && from.length > 11) return t('messaging.sender.nameTooLong');
  if (/^\+?[0-9]+$/.test(from)) return t('messaging.sender.numberTooLong');
  return t('messaging.sender.rules');
}

/**
 * A pasted list: one number per line (commas and semicolons also separate). Returns
 * {numbers, duplicates, malformed}: numbers in order, each once; malformed are lines that hold
 * no phone number at all (the server judges the rest).
 */
export function parseRecipients(/** @type {string | null | undefined} */ text) {
  /** @type {string[]} */
  const numbers = [];
  /** @type {string[]} */
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

/** Message statuses in the order a message moves through them. */
export const MESSAGE_STATUS_ORDER = /** @type {const} */ ([
  'scheduled',
  'queued',
  'waiting_credit',
  'sending',
  'sent',
  'delivered',
  'failed',
  'canceled',
]);

/** A message status in words ("Waiting for credit"). */
export function messageStatusLabel(/** @type {string | null | undefined} */ status) {
  const known = MESSAGE_STATUS_ORDER.find((s) => s === status);
  return known ? t(`messaging.status.${known}`) : String(status ?? '').replaceAll('_', ' ');
}

/** Not yet handed to a carrier: what Remove outbox takes. */
export const OUTBOX_STATUSES = ['scheduled', 'queued', 'waiting_credit'];
export const FINAL_STATUSES = ['delivered', 'failed', 'canceled'];

export function messagePill(/** @type {string} */ status) {
  return h(
    'span',
    { class: ['pill', `pill-msg-${status}`], 'data-testid': 'message-status' },
    messageStatusLabel(status),
  );
}

/** "2 SMS parts" / "1 SMS part" in the current language. */
export function partsLabel(/** @type {number} */ n) {
  return t('messaging.parts', { count: n });
}

/** The account's default country for numbers written without +, or null. */
/** @returns {string | null} */
export function defaultCountry() {
  return session.account?.preferences?.country ?? null;
}

// ---- Cost ----

const MICROS = 1_000_000n;

/** @returns {bigint | null} */
export function toMicros(/** @type {string | number | null | undefined} */ text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(String(text ?? '').trim());
  if (!match) return null;
  const value = BigInt(match[2] ?? '0') * MICROS + BigInt((match[3] ?? '').padEnd(6, '0'));
  return match[1] ? -value : value;
}

export function microsToCredits(/** @type {bigint} */ micros) {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const fraction = (abs % MICROS).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / MICROS}${fraction ? `.${fraction}` : ''}`;
}

/** @typedef {{ country: string, prefix?: string | null, creditsPerSegment: string }} Destination */

/** @type {Promise<Destination[]> | null} */
let priceList = null;

/** @returns {Promise<Destination[]>} */
async function destinations() {
  priceList ??= /** @type {Promise<Destination[]>} */ (api.get('/pricing/destinations')).catch((error) => {
    priceList = null;
    throw error;
  });
  return priceList;
}

/**
 * Where a number goes and what one part costs there, from the price list (longest prefix first).
 * @param {string} number
 * @param {Destination[]} list
 * @param {string | null} country
 */
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
  /** @type {Destination | null} */
  let best = null;
  for (const d of list) {
    if (d.country !== where) continue;
    if (d.prefix) {
      if (
        international &&
        digits.startsWith(d.prefix) &&
        (!best?.prefix || d.prefix.length > (best.prefix?.length ?? 0))
      ) {
        best = d;
      }
    } else if (!best) best = d;
  }
  return best
    ? { country: where, micros: toMicros(best.creditsPerSegment) }
    : { country: where, micros: null };
}

/**
 * The estimate worked out here from the price list, in the shape of POST /messages/estimate.
 * @param {string[]} numbers
 * @param {string} text
 * @returns {Promise<Estimate>}
 */
export async function localEstimate(numbers, text) {
  const list = await destinations();
  const { encoding, segments } = measureText(text);
  /** @type {Map<string, { country: string, recipients: number, micros: bigint }>} */
  const byCountry = new Map();
  /** @type {{ to: string, reason: string }[]} */
  const invalid = [];
  let total = 0n;
  for (const number of numbers) {
    const price = priceFor(number, list, defaultCountry());
    if (!price) {
      invalid.push({ to: number, reason: t('messaging.estimate.noCountry') });
      continue;
    }
    if (price.micros === null) {
      invalid.push({ to: number, reason: t('messaging.estimate.noDestination', { country: price.country }) });
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
 * @param {string[]} numbers
 * @param {string} text
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<Estimate>}
 */
export async function estimateCost(numbers, text, { signal } = {}) {
  if (estimateRoute) {
    try {
      return /** @type {Estimate} */ (
        await api.post('/messages/estimate', { to: numbers, text }, { signal })
      );
    } catch (error) {
      const status = statusOf(error);
      if (status !== 404 && status !== 405) throw error;
      estimateRoute = false;
    }
  }
  return localEstimate(numbers, text);
}

/**
 * The server's estimate for a CSV campaign file (the same reading as the upload), or null without the route.
 * @param {File} file
 * @param {string} text
 * @param {{ from?: string }} [options]
 * @returns {Promise<Estimate | null>}
 */
export async function estimateFile(file, text, { from } = {}) {
  if (!estimateRoute) return null;
  const form = new FormData();
  form.append('text', text);
  if (from) form.append('from', from);
  form.append('campaignFile', file, file.name);
  try {
    return /** @type {Estimate} */ (await api.post('/messages/estimate', form));
  } catch (error) {
    const status = statusOf(error);
    if (status !== 404 && status !== 405) throw error;
    estimateRoute = false;
    return null;
  }
}
