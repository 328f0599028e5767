import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  gsmSeptets,
  isGsm7,
  measureSms,
  type SmsEncoding,
  splitSms,
  UCS2_PART_UNITS,
} from '../../../src/pricing/segments.js';

const a = (n: number) => 'a'.repeat(n);
const c = (n: number) => 'ç'.repeat(n);
const EMOJI = '😀';
const FAMILY = '👨‍👩‍👧';
const FLAG = '🇪🇸';

interface Row {
  name: string;
  text: string;
  encoding: SmsEncoding;
  segments: number;
  characters: number;
  unitsUsed: number;
  unitsPerSegment: number;
  /** Length in UTF-16 code units of each part, when the cut matters. */
  partLengths?: number[];
}

const table: Row[] = [
  {
    name: 'one letter',
    text: 'a',
    encoding: 'GSM-7',
    segments: 1,
    characters: 1,
    unitsUsed: 1,
    unitsPerSegment: 160,
  },
  {
    name: '160 GSM letters fill one message',
    text: a(160),
    encoding: 'GSM-7',
    segments: 1,
    characters: 160,
    unitsUsed: 160,
    unitsPerSegment: 160,
  },
  {
    name: '161 GSM letters need two parts of 153',
    text: a(161),
    encoding: 'GSM-7',
    segments: 2,
    characters: 161,
    unitsUsed: 161,
    unitsPerSegment: 153,
    partLengths: [153, 8],
  },
  {
    name: '306 GSM letters fill two parts',
    text: a(306),
    encoding: 'GSM-7',
    segments: 2,
    characters: 306,
    unitsUsed: 306,
    unitsPerSegment: 153,
    partLengths: [153, 153],
  },
  {
    name: '307 GSM letters need three parts',
    text: a(307),
    encoding: 'GSM-7',
    segments: 3,
    characters: 307,
    unitsUsed: 307,
    unitsPerSegment: 153,
    partLengths: [153, 153, 1],
  },
  {
    name: 'every extension character counts two septets',
    text: '€[]{}^~\\|\f',
    encoding: 'GSM-7',
    segments: 1,
    characters: 10,
    unitsUsed: 20,
    unitsPerSegment: 160,
  },
  {
    name: '80 euro signs are 160 septets: one message',
    text: '€'.repeat(80),
    encoding: 'GSM-7',
    segments: 1,
    characters: 80,
    unitsUsed: 160,
    unitsPerSegment: 160,
  },
  {
    name: '81 euro signs: 76 fit in the first part, the pair is not split',
    text: '€'.repeat(81),
    encoding: 'GSM-7',
    segments: 2,
    characters: 81,
    unitsUsed: 162,
    unitsPerSegment: 153,
    partLengths: [76, 5],
  },
  {
    name: 'an extension character at septet 153 moves to the next part',
    text: `${a(152)}€${a(10)}`,
    encoding: 'GSM-7',
    segments: 2,
    characters: 163,
    unitsUsed: 164,
    unitsPerSegment: 153,
    partLengths: [152, 11],
  },
  {
    name: 'an extension character right after a full part starts the next',
    text: `${a(153)}€${a(10)}`,
    encoding: 'GSM-7',
    segments: 2,
    characters: 164,
    unitsUsed: 165,
    unitsPerSegment: 153,
    partLengths: [153, 11],
  },
  {
    name: 'an unsplittable pair can cost a part: 306 septets in three parts',
    text: `${a(152)}€${a(152)}`,
    encoding: 'GSM-7',
    segments: 3,
    characters: 305,
    unitsUsed: 306,
    unitsPerSegment: 153,
    partLengths: [152, 152, 1],
  },
  {
    name: '158 letters and a euro sign are 160 septets: one message',
    text: `${a(158)}€`,
    encoding: 'GSM-7',
    segments: 1,
    characters: 159,
    unitsUsed: 160,
    unitsPerSegment: 160,
  },
  {
    name: '159 letters and a euro sign are 161 septets: two parts',
    text: `${a(159)}€`,
    encoding: 'GSM-7',
    segments: 2,
    characters: 160,
    unitsUsed: 161,
    unitsPerSegment: 153,
    partLengths: [153, 7],
  },
  {
    name: 'Greek capitals of the GSM alphabet stay GSM-7',
    text: 'ΔΦΓΛΩΠΨΣΘΞ',
    encoding: 'GSM-7',
    segments: 1,
    characters: 10,
    unitsUsed: 10,
    unitsPerSegment: 160,
  },
  {
    name: 'a Greek capital outside the GSM alphabet switches to UCS-2',
    text: 'ΔΒ',
    encoding: 'UCS-2',
    segments: 1,
    characters: 2,
    unitsUsed: 2,
    unitsPerSegment: 70,
  },
  {
    name: 'Ç is in the GSM alphabet',
    text: 'Ça va',
    encoding: 'GSM-7',
    segments: 1,
    characters: 5,
    unitsUsed: 5,
    unitsPerSegment: 160,
  },
  {
    name: 'ç is not',
    text: 'ça va',
    encoding: 'UCS-2',
    segments: 1,
    characters: 5,
    unitsUsed: 5,
    unitsPerSegment: 70,
  },
  {
    name: 'the other accented letters of the GSM alphabet',
    text: 'èéùìòØøÅåÆæßÉÄÖÑÜäöñüà¡¿§¤£¥$@_',
    encoding: 'GSM-7',
    segments: 1,
    characters: 31,
    unitsUsed: 31,
    unitsPerSegment: 160,
  },
  {
    name: 'Spanish ó is not GSM',
    text: 'Canción',
    encoding: 'UCS-2',
    segments: 1,
    characters: 7,
    unitsUsed: 7,
    unitsPerSegment: 70,
  },
  {
    name: 'a backtick is not GSM',
    text: '`',
    encoding: 'UCS-2',
    segments: 1,
    characters: 1,
    unitsUsed: 1,
    unitsPerSegment: 70,
  },
  {
    name: 'line feed and carriage return are GSM',
    text: 'a\r\nb',
    encoding: 'GSM-7',
    segments: 1,
    characters: 4,
    unitsUsed: 4,
    unitsPerSegment: 160,
  },
  {
    name: 'Arabic is UCS-2',
    text: 'مرحبا بك',
    encoding: 'UCS-2',
    segments: 1,
    characters: 8,
    unitsUsed: 8,
    unitsPerSegment: 70,
  },
  {
    name: '70 UCS-2 units fill one message',
    text: c(70),
    encoding: 'UCS-2',
    segments: 1,
    characters: 70,
    unitsUsed: 70,
    unitsPerSegment: 70,
  },
  {
    name: '71 UCS-2 units need two parts of 67',
    text: c(71),
    encoding: 'UCS-2',
    segments: 2,
    characters: 71,
    unitsUsed: 71,
    unitsPerSegment: 67,
    partLengths: [67, 4],
  },
  {
    name: '134 UCS-2 units fill two parts',
    text: c(134),
    encoding: 'UCS-2',
    segments: 2,
    characters: 134,
    unitsUsed: 134,
    unitsPerSegment: 67,
    partLengths: [67, 67],
  },
  {
    name: '135 UCS-2 units need three parts',
    text: c(135),
    encoding: 'UCS-2',
    segments: 3,
    characters: 135,
    unitsUsed: 135,
    unitsPerSegment: 67,
    partLengths: [67, 67, 1],
  },
  {
    name: 'an emoji is two units and one character',
    text: EMOJI,
    encoding: 'UCS-2',
    segments: 1,
    characters: 1,
    unitsUsed: 2,
    unitsPerSegment: 70,
  },
  {
    name: 'a ZWJ family is five code points, eight units',
    text: FAMILY,
    encoding: 'UCS-2',
    segments: 1,
    characters: 5,
    unitsUsed: 8,
    unitsPerSegment: 70,
  },
  {
    name: 'a flag is two regional indicators, four units',
    text: FLAG,
    encoding: 'UCS-2',
    segments: 1,
    characters: 2,
    unitsUsed: 4,
    unitsPerSegment: 70,
  },
  {
    name: '35 emoji fill one message',
    text: EMOJI.repeat(35),
    encoding: 'UCS-2',
    segments: 1,
    characters: 35,
    unitsUsed: 70,
    unitsPerSegment: 70,
  },
  {
    name: '36 emoji: 33 per part, never half of one',
    text: EMOJI.repeat(36),
    encoding: 'UCS-2',
    segments: 2,
    characters: 36,
    unitsUsed: 72,
    unitsPerSegment: 67,
    partLengths: [66, 6],
  },
  {
    name: 'a surrogate pair at unit 67 moves to the next part',
    text: `${c(66)}${EMOJI}${c(10)}`,
    encoding: 'UCS-2',
    segments: 2,
    characters: 77,
    unitsUsed: 78,
    unitsPerSegment: 67,
    partLengths: [66, 12],
  },
  {
    name: 'a surrogate pair ending at unit 67 stays',
    text: `${c(65)}${EMOJI}${c(10)}`,
    encoding: 'UCS-2',
    segments: 2,
    characters: 76,
    unitsUsed: 77,
    unitsPerSegment: 67,
    partLengths: [67, 10],
  },
  {
    name: 'one emoji makes a 160-letter text UCS-2',
    text: `${a(160)}${EMOJI}`,
    encoding: 'UCS-2',
    segments: 3,
    characters: 161,
    unitsUsed: 162,
    unitsPerSegment: 67,
    partLengths: [67, 67, 28],
  },
  {
    name: 'a euro sign costs one unit in UCS-2, not two',
    text: `€${c(69)}`,
    encoding: 'UCS-2',
    segments: 1,
    characters: 70,
    unitsUsed: 70,
    unitsPerSegment: 70,
  },
];

describe('measureSms and splitSms', () => {
  it.each(table)('$name', (row) => {
    const expected = {
      ok: true,
      encoding: row.encoding,
      segments: row.segments,
      characters: row.characters,
      unitsUsed: row.unitsUsed,
      unitsPerSegment: row.unitsPerSegment,
    };
    expect(measureSms(row.text)).toEqual(expected);
    const split = splitSms(row.text);
    expect(split).toMatchObject(expected);
    if (!split.ok) throw new Error('expected a split');
    expect(split.parts.join('')).toBe(row.text);
    expect(split.parts).toHaveLength(row.segments);
    if (row.partLengths) expect(split.parts.map((part) => part.length)).toEqual(row.partLengths);
  });

  it('measureSms does not cut the text', () => {
    expect(measureSms(a(200))).not.toHaveProperty('parts');
  });

  it('an empty text is refused, not counted as zero segments', () => {
    expect(measureSms('')).toEqual({ ok: false, reason: 'empty' });
    expect(splitSms('')).toEqual({ ok: false, reason: 'empty' });
  });

  it.each([
    { text: a(1530), max: undefined, ok: true, segments: 10 },
    { text: a(1531), max: undefined, ok: false, segments: 11 },
    { text: c(670), max: undefined, ok: true, segments: 10 },
    { text: c(671), max: undefined, ok: false, segments: 11 },
    { text: a(160), max: 1, ok: true, segments: 1 },
    { text: a(161), max: 1, ok: false, segments: 2 },
    { text: a(459), max: 3, ok: true, segments: 3 },
    { text: a(460), max: 3, ok: false, segments: 4 },
  ])(
    'with at most $max parts, $text.length characters -> ok $ok, $segments parts',
    ({ text, max, ok, segments }) => {
      const options = max === undefined ? undefined : { maxSegments: max };
      const measured = measureSms(text, options);
      expect(measured.ok).toBe(ok);
      expect(measured).toMatchObject({ segments });
      if (!ok) expect(measured).toMatchObject({ reason: 'too_long', maxSegments: max ?? 10 });
      const split = splitSms(text, options);
      expect(split.ok).toBe(ok);
      if ('parts' in split) expect(split.parts).toHaveLength(segments);
    },
  );

  it.each([0, -1, 1.5, 256, Number.NaN])('refuses maxSegments %s', (max) => {
    expect(() => measureSms('a', { maxSegments: max })).toThrow(RangeError);
    expect(() => splitSms('a', { maxSegments: max })).toThrow(RangeError);
  });

  it('accepts 255 parts, the most a concatenation reference can number', () => {
    expect(measureSms(a(153 * 255), { maxSegments: 255 })).toMatchObject({ ok: true, segments: 255 });
  });
});

describe('the GSM alphabet', () => {
  it.each([
    ['a', 1],
    ['@', 1],
    ['\n', 1],
    ['Ç', 1],
    ['€', 2],
    ['\f', 2],
    ['\\', 2],
    ['ç', 0],
    ['\u001b', 0],
    ['\u0000', 0],
    ['`', 0],
    ['\u00a0', 0],
  ])('%j takes %i septets', (ch, septets) => {
    expect(gsmSeptets(ch.charCodeAt(0))).toBe(septets);
  });

  it('isGsm7 agrees with the encoding measureSms picks', () => {
    expect(isGsm7('Hello {name}, €5!')).toBe(true);
    expect(isGsm7('Hello 😀')).toBe(false);
    expect(isGsm7('')).toBe(true);
  });
});

const alphabet = ['a', 'Z', ' ', '€', '{', '\\', 'ç', 'Ω', EMOJI, FLAG, 'م', '\n'];
const texts = fc
  .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 600 })
  .map((pieces) => pieces.join(''));

function septetsOf(text: string): number {
  let total = 0;
  for (let i = 0; i < text.length; i++) total += gsmSeptets(text.charCodeAt(i));
  return total;
}

describe('splitSms on any text', () => {
  it('parts join back to the text, fit their capacity and never split a pair', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const split = splitSms(text, { maxSegments: 255 });
        if (!split.ok) return false;
        expect(split.parts.join('')).toBe(text);
        expect(split.parts).toHaveLength(split.segments);
        const measured = measureSms(text, { maxSegments: 255 });
        expect(measured).toMatchObject({ segments: split.segments, unitsUsed: split.unitsUsed });
        for (const part of split.parts) {
          const units = split.encoding === 'GSM-7' ? septetsOf(part) : part.length;
          expect(units).toBeLessThanOrEqual(split.unitsPerSegment);
          expect(units).toBeGreaterThan(0);
          const first = part.charCodeAt(0);
          const last = part.charCodeAt(part.length - 1);
          expect(first >= 0xdc00 && first <= 0xdfff).toBe(false);
          expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
        }
        return true;
      }),
    );
  });

  it('no part could have taken the first character of the next (greedy, so fewest parts)', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const split = splitSms(text, { maxSegments: 255 });
        if (!split.ok) return false;
        const { parts, encoding } = split;
        for (let i = 0; i + 1 < parts.length; i++) {
          const part = parts[i] ?? '';
          const next = parts[i + 1] ?? '';
          const firstOfNext = String.fromCodePoint(next.codePointAt(0) ?? 0);
          const units = encoding === 'GSM-7' ? septetsOf(part + firstOfNext) : (part + firstOfNext).length;
          expect(units).toBeGreaterThan(encoding === 'GSM-7' ? 153 : UCS2_PART_UNITS);
        }
        return true;
      }),
    );
  });
});
