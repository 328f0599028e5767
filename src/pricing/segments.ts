// How many SMS parts ("segments") a text needs, in which encoding, and where it is cut. The
// rules themselves (GSM 03.38 with its extension table, else UCS-2; 160/153 and 70/67; an escape
// pair or a surrogate pair never split) live in ./sms-parts.js, the one copy the portal's
// counter loads too; this module adds the limit on parts and the typed results the server uses.
// Grapheme clusters (ZWJ emoji sequences, flags) may be cut between their code points, as
// handsets reassemble parts before display.
import { packSms, type SmsEncoding } from './sms-parts.js';

export {
  GSM7_PART_UNITS,
  GSM7_SINGLE_UNITS,
  gsmSeptets,
  isGsm7,
  type SmsEncoding,
  UCS2_PART_UNITS,
  UCS2_SINGLE_UNITS,
} from './sms-parts.js';

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
  const packing = packSms(text, cuts);
  const measure: SmsMeasure = {
    encoding: packing.encoding,
    segments: packing.segments,
    characters: packing.characters,
    unitsUsed: packing.units,
    unitsPerSegment: packing.unitsPerSegment,
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
