// How many SMS parts ("segments") a text needs, in which encoding, and where it is cut.
//
// GSM-7 (GSM 03.38 default alphabet): 160 septets in a single message, 153 per part once it is
// concatenated (the user data header takes the rest). Characters of the extension table
// (€ [ ] { } ^ ~ \ | and form feed) are sent as ESC + character and count two septets; the pair
// is never split across parts. Any character outside both tables switches the whole text to
// UCS-2: 70 UTF-16 code units in one message, 67 per part; a character outside the BMP (most
// emoji) is a surrogate pair, counts two and is never split. Grapheme clusters (ZWJ emoji
// sequences, flags) may be cut between their code points, as handsets reassemble parts before
// display. Parts are filled greedily, which is also the fewest parts possible.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export const GSM7_SINGLE_UNITS = 160;
export const GSM7_PART_UNITS = 153;
export const UCS2_SINGLE_UNITS = 70;
export const UCS2_PART_UNITS = 67;
export const DEFAULT_MAX_SEGMENTS = 10;
/** Concatenation references parts with one octet. */
export const MAX_SEGMENTS_LIMIT = 255;

export interface SmsOptions {
  /** Most parts one message may take (1..255); default 10. */
  readonly maxSegments?: number;
}

export interface SmsMeasure {
  readonly encoding: SmsEncoding;
  readonly segments: number;
  /** Unicode code points (an emoji is one, a ZWJ sequence several). */
  readonly characters: number;
  /** Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2). */
  readonly unitsUsed: number;
  /** Capacity of each part: 160/153 (GSM-7) or 70/67 (UCS-2), by whether the text is split. */
  readonly unitsPerSegment: number;
  readonly parts?: readonly string[];
}

export interface SmsSplit extends SmsMeasure {
  readonly parts: readonly string[];
}

export interface SmsEmpty {
  readonly ok: false;
  readonly reason: 'empty';
}

/** The text needs more parts than allowed; the measure says how many it would take. */
export type SmsTooLong<M extends SmsMeasure> = M & {
  readonly ok: false;
  readonly reason: 'too_long';
  readonly maxSegments: number;
};

export type SmsResult<M extends SmsMeasure> = (M & { readonly ok: true }) | SmsTooLong<M> | SmsEmpty;

// Septets per BMP code unit: 0 = not in GSM-7, 1 = default alphabet, 2 = extension table.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const SEPTETS = buildSeptetTable();

function buildSeptetTable(): Uint8Array {
  let highest = 0;
  for (const ch of GSM_BASIC + GSM_EXTENSION) highest = Math.max(highest, ch.charCodeAt(0));
  const table = new Uint8Array(highest + 1);
  for (const ch of GSM_BASIC) table[ch.charCodeAt(0)] = 1;
  for (const ch of GSM_EXTENSION) table[ch.charCodeAt(0)] = 2;
  return table;
}

/** Septets one UTF-16 code unit takes in GSM-7, or 0 when it is not in the GSM alphabet. */
export function gsmSeptets(codeUnit: number): 0 | 1 | 2 {
  const septets = codeUnit < SEPTETS.length ? SEPTETS[codeUnit] : 0;
  return septets === 1 || septets === 2 ? septets : 0;
}

/** True when every character of the text is in the GSM 03.38 default or extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (gsmSeptets(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

interface Packing {
  units: number;
  characters: number;
  /** Parts when packed at the multipart capacity. */
  multiParts: number;
}

/** GSM-7 packing, or undefined at the first character outside the alphabet. */
function packGsm(text: string, cuts: number[] | undefined): Packing | undefined {
  let units = 0;
  let multiParts = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const septets = gsmSeptets(text.charCodeAt(i));
    if (septets === 0) return undefined;
    units += septets;
    if (used + septets > GSM7_PART_UNITS) {
      multiParts++;
      used = septets;
      cuts?.push(i);
    } else {
      used += septets;
    }
  }
  return { units, characters: text.length, multiParts };
}

function packUcs2(text: string, cuts: number[] | undefined): Packing {
  let characters = 0;
  let multiParts = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const width = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    characters++;
    if (used + width > UCS2_PART_UNITS) {
      multiParts++;
      used = width;
      cuts?.push(i);
    } else {
      used += width;
    }
    i += width - 1;
  }
  return { units: text.length, characters, multiParts };
}

function maxSegmentsOf(options: SmsOptions | undefined): number {
  const max = options?.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_SEGMENTS_LIMIT) {
    throw new RangeError(`maxSegments must be an integer from 1 to ${MAX_SEGMENTS_LIMIT}, got ${max}`);
  }
  return max;
}

function analyse(text: string, options: SmsOptions | undefined, cuts: number[] | undefined) {
  const maxSegments = maxSegmentsOf(options);
  if (text.length === 0) return undefined;
  const gsm = packGsm(text, cuts);
  if (cuts && !gsm) cuts.length = 0;
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const packing = gsm ?? packUcs2(text, cuts);
  const single = gsm ? GSM7_SINGLE_UNITS : UCS2_SINGLE_UNITS;
  const fitsOne = packing.units <= single;
  if (fitsOne && cuts) cuts.length = 0;
  const measure: SmsMeasure = {
    encoding,
    segments: fitsOne ? 1 : packing.multiParts,
    characters: packing.characters,
    unitsUsed: packing.units,
    unitsPerSegment: fitsOne ? single : gsm ? GSM7_PART_UNITS : UCS2_PART_UNITS,
  };
  return { measure, maxSegments };
}

/** Encoding and number of parts of a text, without cutting it (the per-message hot path). */
export function measureSms(text: string, options?: SmsOptions): SmsResult<SmsMeasure> {
  const result = analyse(text, options, undefined);
  if (!result) return { ok: false, reason: 'empty' };
  const { measure, maxSegments } = result;
  if (measure.segments > maxSegments) return { ...measure, ok: false, reason: 'too_long', maxSegments };
  return { ...measure, ok: true };
}

/** Like measureSms, and also the text of each part, as a carrier sends them concatenated. */
export function splitSms(text: string, options?: SmsOptions): SmsResult<SmsSplit> {
  const cuts: number[] = [];
  const result = analyse(text, options, cuts);
  if (!result) return { ok: false, reason: 'empty' };
  const { measure, maxSegments } = result;
  const parts: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(text.slice(start, cut));
    start = cut;
  }
  parts.push(text.slice(start));
  const split: SmsSplit = { ...measure, parts };
  if (split.segments > maxSegments) return { ...split, ok: false, reason: 'too_long', maxSegments };
  return { ...split, ok: true };
}
