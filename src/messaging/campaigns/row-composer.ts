// A campaign's rows priced one by one, the way compose() prices a single send (same refusals,
// same wording), but with the campaign's own fields checked once instead of on every row: the
// sender, the schedule and the text. The text may name columns as {placeholders}; each row's
// text is then its own, and so are its segments and its price. A row whose number, destination
// or filled-in text cannot be sent is refused with a reason; the rest of the campaign goes on.
import type { FieldProblem } from '../../http/errors.js';
import { type CountryCode, toCountryCode } from '../../pricing/countries.js';
import { type DestinationIndex, messageCostMicros } from '../../pricing/destinations.js';
import { findForbiddenCharacters } from '../../pricing/forbidden-characters.js';
import { RECIPIENT_REFUSAL_MESSAGES } from '../../pricing/phone.js';
import { measureParts, type PartEncoding, type SmsAlphabet } from '../../pricing/alphabets.js';
import { GSM7_SINGLE_UNITS, gsmSeptets, measureSms } from '../../pricing/segments.js';
import { checkScheduleAt, senderProblem, textProblem, tooManyPartsProblem } from '../compose.js';
import { RecipientParser } from './recipient-parser.js';

export interface CampaignFields {
  name: string;
  text: string;
  from?: string | undefined;
  scheduleAt?: string | undefined;
}

export interface ComposerRules {
  defaultCountry: string | null;
  prices: DestinationIndex;
  maxParts: number;
  now: Date;
  /** The alphabet of the carrier a number goes to, when not every carrier takes GSM-7. */
  alphabetFor?: ((e164: string) => SmsAlphabet) | undefined;
}

/**
 * What a row costs and how it is sent: the same object for every row of a campaign with the
 * same destination price, encoding and parts (a few per campaign, however many rows).
 */
export interface RowClass {
  readonly country: string;
  readonly encoding: PartEncoding;
  readonly segments: number;
  readonly pricePerSegment: bigint;
  readonly pricePrefix: string | null;
  readonly credits: bigint;
}

/** A row ready to be staged: priced, its text filled in (null: the campaign's text as written). */
export interface ComposedRow {
  to: string;
  text: string | null;
  cls: RowClass;
}

/** A destination's price, and the classes met at it (by encoding and parts). */
interface PriceEntry {
  readonly country: string;
  readonly microsPerSegment: bigint;
  readonly prefix: string | null;
  readonly classes: (RowClass | undefined)[];
}

/** Prices remembered per (country, leading digits); cleared when it grows past this. */
const PRICE_CACHE_LIMIT = 100_000;

export type RowResult = { ok: true; row: ComposedRow } | { ok: false; reason: string };

/** `{name}`: letters, digits, `_`, `-`, `.` and spaces, up to 64. */
const PLACEHOLDER = /\{([A-Za-z0-9_.\- ]{1,64})\}/g;
export const MAX_NAME_LENGTH = 200;

type Piece = { literal: string } | { variable: string };

export class RowComposer {
  readonly scheduleAt: Date | null;
  readonly sender: string | null;
  /** Placeholder names (lower case) the text uses. */
  readonly placeholders: ReadonlySet<string>;
  private readonly text: string;
  private readonly pieces: Piece[];
  private readonly fixed: Measure | null;
  /** The text without placeholders measured in another alphabet than GSM-7, once each. */
  private readonly fixedIn = new Map<SmsAlphabet, Measure | null>();
  /**
   * GSM-7 septets of the text's literal pieces when all of them are GSM-7 (else null): a row
   * whose values are GSM-7 too and whose total fits one SMS is then measured without reading
   * the filled-in text again.
   */
  private readonly literalSeptets: number | null;
  private readonly parser: RecipientParser;
  private readonly defaultCountry: CountryCode | undefined;
  /**
   * A price depends on the country and on the number's longest priced prefix, so a number's
   * country and its first `prefixDigits` characters decide it: one map read a row.
   */
  private readonly prices = new Map<string, PriceEntry | null>();
  private readonly prefixDigits: number;

  private constructor(
    fields: CampaignFields,
    private readonly rules: ComposerRules,
    scheduleAt: Date | null,
  ) {
    this.scheduleAt = scheduleAt;
    this.sender = fields.from ?? null;
    this.text = fields.text;
    this.pieces = splitTemplate(fields.text);
    this.placeholders = new Set(
      this.pieces.flatMap((p) => ('variable' in p ? [p.variable.toLowerCase()] : [])),
    );
    this.defaultCountry = rules.defaultCountry ? toCountryCode(rules.defaultCountry) : undefined;
    this.parser = new RecipientParser(this.defaultCountry);
    this.prefixDigits = rules.prices.rules().reduce((most, r) => Math.max(most, r.prefix?.length ?? 0), 0);
    const measured =
      this.placeholders.size === 0 ? measureSms(fields.text, { maxSegments: rules.maxParts }) : null;
    this.fixed = measured?.ok ? { encoding: measured.encoding, segments: measured.segments } : null;
    let literal: number | null = rules.maxParts >= 1 ? 0 : null;
    for (const piece of this.pieces) {
      if (literal === null || !('literal' in piece)) continue;
      const septets = gsmSeptetsOf(piece.literal);
      literal = septets < 0 ? null : literal + septets;
    }
    this.literalSeptets = literal;
  }

  /** Checks the campaign's own fields; the problems are the whole campaign's (400), not a row's. */
  static create(
    fields: CampaignFields,
    rules: ComposerRules,
  ): { ok: true; composer: RowComposer } | { ok: false; fields: FieldProblem[] } {
    const problems: FieldProblem[] = [];
    const problem = (path: string, message: string) => problems.push({ path: `body.${path}`, message });
    if (fields.name.trim() === '') problem('name', 'must not be empty');
    else if (fields.name.length > MAX_NAME_LENGTH)
      problem('name', `must be at most ${MAX_NAME_LENGTH} characters`);
    const textWhy = textProblem(fields.text);
    if (textWhy) {
      problem('text', textWhy);
    } else if (splitTemplate(fields.text).every((p) => 'literal' in p)) {
      const measured = measureSms(fields.text, { maxSegments: rules.maxParts });
      if (!measured.ok && measured.reason === 'too_long') problem('text', tooManyPartsProblem(measured));
    }
    if (fields.from !== undefined) {
      const why = senderProblem(fields.from);
      if (why) problem('from', why);
    }
    let scheduleAt: Date | null = null;
    if (fields.scheduleAt !== undefined) {
      const checked = checkScheduleAt(fields.scheduleAt, rules.now);
      if ('problem' in checked) problem('scheduleAt', checked.problem);
      else scheduleAt = checked.at;
    }
    if (problems.length > 0) return { ok: false, fields: problems };
    return { ok: true, composer: new RowComposer(fields, rules, scheduleAt) };
  }

  /** Placeholders the text uses that are not among `available` (lower-case names). */
  missingPlaceholders(available: ReadonlySet<string>): string[] {
    return [...this.placeholders].filter((name) => !available.has(name));
  }

  /** One row: `vars` gives a placeholder's value by its lower-case name (undefined: none). */
  compose(to: string, vars: (name: string) => string | undefined): RowResult {
    const parsed = this.parser.parse(to);
    if (!parsed.ok) {
      const reason =
        parsed.reason === 'no_country' && !to.trim().startsWith('+') && !this.rules.defaultCountry
          ? 'has no country: write it with + and the country code, or choose a default country in your preferences'
          : RECIPIENT_REFUSAL_MESSAGES[parsed.reason];
      return { ok: false, reason };
    }
    const price = this.priceOf(parsed);
    if (!price) {
      return { ok: false, reason: `is in a destination we do not send to (${parsed.country} has no price)` };
    }
    const alphabet = this.rules.alphabetFor?.(parsed.e164) ?? 'GSM-7';
    let text: string | null = null;
    let measure = alphabet === 'GSM-7' ? this.fixed : this.fixedInAlphabet(alphabet);
    if (!measure) {
      let rendered = '';
      // Septets so far while every character is GSM-7 (-1 once one is not, or not sent as GSM).
      let septets = alphabet === 'GSM-7' ? (this.literalSeptets ?? -1) : -1;
      for (const piece of this.pieces) {
        if ('literal' in piece) {
          rendered += piece.literal;
          continue;
        }
        const value = vars(piece.variable.toLowerCase());
        if (value === undefined) return { ok: false, reason: `has no value for {${piece.variable}}` };
        rendered += value;
        if (septets >= 0) {
          const more = gsmSeptetsOf(value);
          septets = more < 0 ? -1 : septets + more;
        }
      }
      if (septets > 0 && septets <= GSM7_SINGLE_UNITS) {
        // All GSM-7 (so no forbidden character: the alphabet has none) and one SMS: what
        // findForbiddenCharacters and measureSms would answer.
        measure = ONE_GSM7_SMS;
      } else {
        const bad = findForbiddenCharacters(rendered, 1)[0];
        if (bad)
          return { ok: false, reason: `has a text that cannot be sent (${bad.codePoint} at ${bad.index})` };
        const measured = measureParts(rendered, alphabet, { maxSegments: this.rules.maxParts });
        if (!measured.ok) {
          return {
            ok: false,
            reason:
              measured.reason === 'too_long'
                ? `has a text of ${measured.segments} SMS parts once filled in; at most ${measured.maxSegments} are allowed`
                : 'has an empty text once filled in',
          };
        }
        measure = { encoding: measured.encoding, segments: measured.segments };
      }
      text = rendered;
    }
    const slot = ENCODING_SLOT[measure.encoding] + measure.segments;
    let cls = price.classes[slot];
    if (!cls) {
      cls = {
        country: price.country,
        encoding: measure.encoding,
        segments: measure.segments,
        pricePerSegment: price.microsPerSegment,
        pricePrefix: price.prefix,
        credits: messageCostMicros(measure.segments, price.microsPerSegment),
      };
      price.classes[slot] = cls;
    }
    return { ok: true, row: { to: parsed.e164, text, cls } };
  }

  /** The campaign's own text (no placeholders) measured in `alphabet`, or null (placeholders, too long). */
  private fixedInAlphabet(alphabet: SmsAlphabet): Measure | null {
    if (this.placeholders.size > 0) return null;
    let measure = this.fixedIn.get(alphabet);
    if (measure === undefined) {
      const measured = measureParts(this.text, alphabet, { maxSegments: this.rules.maxParts });
      measure = measured.ok ? { encoding: measured.encoding, segments: measured.segments } : null;
      this.fixedIn.set(alphabet, measure);
    }
    return measure;
  }

  /** The price list's answer for the number, or null when its destination has no price. */
  private priceOf(parsed: { e164: string; country: CountryCode }): PriceEntry | null {
    const key = `${parsed.country}${parsed.e164.slice(0, this.prefixDigits)}`;
    let entry = this.prices.get(key);
    if (entry === undefined) {
      const quote = this.rules.prices.lookup(parsed);
      entry = quote.priced
        ? {
            country: quote.country,
            microsPerSegment: quote.microsPerSegment,
            prefix: quote.prefix ?? null,
            classes: [],
          }
        : null;
      if (this.prices.size >= PRICE_CACHE_LIMIT) this.prices.clear();
      this.prices.set(key, entry);
    }
    return entry;
  }
}

const ONE_GSM7_SMS = { encoding: 'GSM-7', segments: 1 } as const;

interface Measure {
  readonly encoding: PartEncoding;
  readonly segments: number;
}

/** Row classes of a price by encoding and parts (1..255 each). */
const ENCODING_SLOT: Readonly<Record<PartEncoding, number>> = { 'GSM-7': 0, 'UCS-2': 256, 'Latin-1': 512 };

/** GSM-7 septets of the text, or -1 when a character is outside the GSM 03.38 alphabet. */
function gsmSeptetsOf(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const units = gsmSeptets(text.charCodeAt(i));
    if (units === 0) return -1;
    septets += units;
  }
  return septets;
}

function splitTemplate(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const at = match.index ?? 0;
    if (at > last) pieces.push({ literal: text.slice(last, at) });
    pieces.push({ variable: (match[1] ?? '').trim() });
    last = at + match[0].length;
  }
  if (last < text.length) pieces.push({ literal: text.slice(last) });
  return pieces;
}
