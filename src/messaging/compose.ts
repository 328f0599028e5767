// Turns what a customer asked to send into a priced message, or into the reasons it cannot be
// sent. One function for single sends and campaign rows, so both refuse and price alike:
// the number to E.164 (without "+" in the account's default country), a destination on the
// price list (never a default charge), a sendable text within the allowed parts, a valid
// sender id, a schedule in the future and a short reference.
import type { FieldProblem } from '../http/errors.js';
import { measureParts, type PartEncoding, type SmsAlphabet } from '../pricing/alphabets.js';
import { type CountryCode, toCountryCode } from '../pricing/countries.js';
import { type DestinationIndex, messageCostMicros } from '../pricing/destinations.js';
import { findForbiddenCharacters } from '../pricing/forbidden-characters.js';
import { type ParsedRecipient, parseRecipient, RECIPIENT_REFUSAL_MESSAGES } from '../pricing/phone.js';
import { RecipientParser } from './campaigns/recipient-parser.js';

export interface ComposeInput {
  to: string;
  text: string;
  from?: string | undefined;
  scheduleAt?: string | undefined;
  reference?: string | undefined;
}

export interface ComposeRules {
  /** For numbers written without "+"; null when the account has not chosen one. */
  defaultCountry: string | null;
  prices: DestinationIndex;
  maxParts: number;
  now: Date;
  /** The alphabet of the carrier a number goes to, when not every carrier takes GSM-7. */
  alphabetFor?: ((e164: string) => SmsAlphabet) | undefined;
}

/** A message ready to be reserved and stored. */
export interface Composed {
  to: string;
  country: string;
  sender: string | null;
  text: string;
  encoding: PartEncoding;
  segments: number;
  pricePerSegment: bigint;
  pricePrefix: string | null;
  credits: bigint;
  scheduleAt: Date | null;
  reference: string | null;
}

export type ComposeResult = { ok: true; message: Composed } | { ok: false; fields: FieldProblem[] };

export const MAX_REFERENCE_LENGTH = 100;
/** How far ahead a message may be scheduled (its credits are held until then). */
export const MAX_SCHEDULE_DAYS = 365;

const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/;
/** A number written exactly as E.164: no default country can change how it reads. */
const E164 = /^\+[1-9]\d{2,16}$/;
/** E.164 input, answered as parseRecipient would, mostly from a cache by calling code and leading digits. */
const e164Recipients = new RecipientParser(undefined);

function parseTo(raw: string, defaultCountry: CountryCode | undefined): ParsedRecipient {
  return E164.test(raw) ? e164Recipients.parse(raw) : parseRecipient(raw, defaultCountry);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A scheduleAt as a time in the next MAX_SCHEDULE_DAYS days, or why it is refused. */
export function checkScheduleAt(raw: string, now: Date): { at: Date } | { problem: string } {
  const at = new Date(raw);
  if (!ISO_TIME.test(raw) || Number.isNaN(at.getTime())) {
    return { problem: 'must be an ISO 8601 time such as 2026-11-21T10:00:00Z' };
  }
  if (at.getTime() <= now.getTime()) return { problem: 'must be in the future' };
  if (at.getTime() > now.getTime() + MAX_SCHEDULE_DAYS * 86_400_000) {
    return { problem: `must be at most ${MAX_SCHEDULE_DAYS} days ahead` };
  }
  return { at };
}

/** Why a text cannot be sent as written (empty, or characters no SMS carries), or null. */
export function textProblem(text: string): string | null {
  if (text.trim() === '') return 'must not be empty';
  const forbidden = findForbiddenCharacters(text, 5);
  if (forbidden.length === 0) return null;
  const listed = forbidden.map((f) => `${f.codePoint} at ${f.index}`).join(', ');
  return `contains characters that cannot be sent (control characters or half an emoji): ${listed}`;
}

/** The refusal of a text that needs more parts than MESSAGE_MAX_PARTS. */
export function tooManyPartsProblem(m: {
  segments: number;
  encoding: PartEncoding;
  maxSegments: number;
}): string {
  return `needs ${m.segments} SMS parts in ${m.encoding}; at most ${m.maxSegments} are allowed`;
}

/** Why a sender id is refused, or null when it is fine. */
export function senderProblem(from: string): string | null {
  if (NUMERIC_SENDER.test(from)) return null;
  if (ALPHANUMERIC_SENDER.test(from) && /[A-Za-z]/.test(from) && from.trim() === from) return null;
  return 'must be up to 11 letters, digits and spaces with at least one letter, or a number of up to 15 digits (optionally with +)';
}

export function compose(input: ComposeInput, rules: ComposeRules, path = 'body'): ComposeResult {
  const fields: FieldProblem[] = [];
  const problem = (field: string, message: string) => fields.push({ path: `${path}.${field}`, message });

  let recipient: { e164: string; country: CountryCode } | null = null;
  const defaultCountry = rules.defaultCountry ? toCountryCode(rules.defaultCountry) : undefined;
  const parsed = parseTo(input.to, defaultCountry);
  if (!parsed.ok) {
    const message =
      parsed.reason === 'no_country' && !input.to.trim().startsWith('+') && !rules.defaultCountry
        ? 'has no country: write it with + and the country code, or choose a default country in your preferences'
        : RECIPIENT_REFUSAL_MESSAGES[parsed.reason];
    problem('to', message);
  } else {
    recipient = parsed;
  }
  let price: { micros: bigint; prefix: string | null } | null = null;
  if (recipient) {
    const quote = rules.prices.lookup(recipient);
    if (quote.priced) price = { micros: quote.microsPerSegment, prefix: quote.prefix ?? null };
    else problem('to', `is in a destination we do not send to (${recipient.country} has no price)`);
  }

  let measure: { encoding: PartEncoding; segments: number } | null = null;
  const textWhy = textProblem(input.text);
  if (textWhy) {
    problem('text', textWhy);
  } else {
    // Measured as the carrier the number goes to will send it: its parts are what is charged.
    const alphabet = recipient && rules.alphabetFor ? rules.alphabetFor(recipient.e164) : 'GSM-7';
    const measured = measureParts(input.text, alphabet, { maxSegments: rules.maxParts });
    if (measured.ok) {
      measure = { encoding: measured.encoding, segments: measured.segments };
    } else if (measured.reason === 'too_long') {
      problem('text', tooManyPartsProblem(measured));
    } else {
      problem('text', 'must not be empty');
    }
  }

  let sender: string | null = null;
  if (input.from !== undefined) {
    const why = senderProblem(input.from);
    if (why) problem('from', why);
    else sender = input.from;
  }

  let scheduleAt: Date | null = null;
  if (input.scheduleAt !== undefined) {
    const checked = checkScheduleAt(input.scheduleAt, rules.now);
    if ('problem' in checked) problem('scheduleAt', checked.problem);
    else scheduleAt = checked.at;
  }

  let reference: string | null = null;
  if (input.reference !== undefined) {
    if (input.reference.length > MAX_REFERENCE_LENGTH) {
      problem('reference', `must be at most ${MAX_REFERENCE_LENGTH} characters`);
    } else if (findForbiddenCharacters(input.reference, 1).length > 0) {
      problem('reference', 'must not contain control characters');
    } else {
      reference = input.reference;
    }
  }

  if (fields.length > 0 || !recipient || !price || !measure) return { ok: false, fields };
  return {
    ok: true,
    message: {
      to: recipient.e164,
      country: recipient.country,
      sender,
      text: input.text,
      encoding: measure.encoding,
      segments: measure.segments,
      pricePerSegment: price.micros,
      pricePrefix: price.prefix,
      credits: messageCostMicros(measure.segments, price.micros),
      scheduleAt,
      reference,
    },
  };
}
