// Which alphabet a text goes out in, and so where it is cut and how many parts it is charged
// for. Most SMSCs take GSM 03.38 (segments.ts: 160/153 septets); some want 8-bit Latin-1
// (ISO 8859-1, data_coding 3): 140 octets in a single message, 134 per part once concatenated
// (the 6-octet header takes the rest), so a plain 150-character text is 2 parts there and 1 in
// GSM, while "ça" or "ñandú" stay out of UCS-2. A text with any character outside the alphabet
// goes as UCS-2 (70/67 UTF-16 code units, a surrogate pair counting two and never split).
// A carrier declares its alphabet and messages to it are measured, and charged, by it.
import {
  DEFAULT_MAX_SEGMENTS,
  MAX_SEGMENTS_LIMIT,
  measureSms,
  type SmsEmpty,
  type SmsEncoding,
  type SmsMeasure,
  type SmsOptions,
  splitSms,
  UCS2_PART_UNITS,
  UCS2_SINGLE_UNITS,
} from './segments.js';

/** What a text is written in when every character fits; UCS-2 always fits. */
export type SmsAlphabet = 'GSM-7' | 'Latin-1' | 'UCS-2';
/** The encoding a message is stored, charged and sent in. */
export type PartEncoding = SmsEncoding | 'Latin-1';

export const LATIN1_SINGLE_UNITS = 140;
export const LATIN1_PART_UNITS = 134;

export interface PartsMeasure extends Omit<SmsMeasure, 'encoding'> {
  readonly encoding: PartEncoding;
}

export interface PartsSplit extends PartsMeasure {
  readonly parts: readonly string[];
}

export type PartsResult<M extends PartsMeasure> =
  | (M & { readonly ok: true })
  | (M & { readonly ok: false; readonly reason: 'too_long'; readonly maxSegments: number })
  | SmsEmpty;

/** True when every character is in ISO 8859-1 (one octet each). */
export function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Parts by the alphabet, without cutting the text (the per-message path). */
export function measureParts(
  text: string,
  alphabet: SmsAlphabet,
  options?: SmsOptions,
): PartsResult<PartsMeasure> {
  if (alphabet === 'GSM-7') return measureSms(text, options);
  const cut = cutText(text, alphabet, options);
  return cut ? checked(cut.measure, cut.maxSegments) : { ok: false, reason: 'empty' };
}

/** Like measureParts, and the text of each part, as a carrier sends them concatenated. */
export function splitParts(
  text: string,
  alphabet: SmsAlphabet,
  options?: SmsOptions,
): PartsResult<PartsSplit> {
  if (alphabet === 'GSM-7') return splitSms(text, options);
  const cut = cutText(text, alphabet, options);
  if (!cut) return { ok: false, reason: 'empty' };
  const cuts = cut.measure.segments === 1 ? [] : cut.cuts;
  const parts: string[] = [];
  let start = 0;
  for (const at of cuts) {
    parts.push(text.slice(start, at));
    start = at;
  }
  parts.push(text.slice(start));
  return checked({ ...cut.measure, parts }, cut.maxSegments);
}

function checked<M extends PartsMeasure>(measure: M, maxSegments: number): PartsResult<M> {
  if (measure.segments > maxSegments) return { ...measure, ok: false, reason: 'too_long', maxSegments };
  return { ...measure, ok: true };
}

/** Latin-1 (UCS-2 for any other text), or UCS-2 alone: parts filled greedily, pairs kept whole. */
function cutText(
  text: string,
  alphabet: 'Latin-1' | 'UCS-2',
  options: SmsOptions | undefined,
): { measure: PartsMeasure; cuts: number[]; maxSegments: number } | undefined {
  const maxSegments = options?.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  if (!Number.isInteger(maxSegments) || maxSegments < 1 || maxSegments > MAX_SEGMENTS_LIMIT) {
    throw new RangeError(
      `maxSegments must be an integer from 1 to ${MAX_SEGMENTS_LIMIT}, got ${maxSegments}`,
    );
  }
  if (text.length === 0) return undefined;
  const latin1 = alphabet === 'Latin-1' && isLatin1(text);
  const single = latin1 ? LATIN1_SINGLE_UNITS : UCS2_SINGLE_UNITS;
  const perPart = latin1 ? LATIN1_PART_UNITS : UCS2_PART_UNITS;
  const cuts: number[] = [];
  let characters = 0;
  let used = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const width = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    if (used + width > perPart) {
      cuts.push(i);
      used = 0;
    }
    used += width;
    characters++;
    i += width;
  }
  const fitsOne = text.length <= single;
  const measure: PartsMeasure = {
    encoding: latin1 ? 'Latin-1' : 'UCS-2',
    segments: fitsOne ? 1 : cuts.length + 1,
    characters,
    unitsUsed: text.length,
    unitsPerSegment: fitsOne ? single : perPart,
  };
  return { measure, cuts, maxSegments };
}
