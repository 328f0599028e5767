// @ts-check
// How a text is cut into SMS parts: the one copy of these rules, used by the server
// (src/pricing/segments.ts, which prices and splits every message) and by the portal's live
// counter (web/js/sms.js loads this very file; src/http/portal.ts serves it). Plain JavaScript
// with JSDoc types, so the browser runs it as it is and the TypeScript compiler checks it.
//
// GSM-7 (GSM 03.38 default alphabet): 160 septets in a single message, 153 per part once it is
// concatenated (the user data header takes the rest). Characters of the extension table
// (€ [ ] { } ^ ~ \ | and form feed) are sent as ESC + character and count two septets; the pair
// is never split across parts. Any character outside both tables switches the whole text to
// UCS-2: 70 UTF-16 code units in one message, 67 per part; a character outside the BMP (most
// emoji) is a surrogate pair, counts two and is never split. Parts are filled greedily, which is
// also the fewest parts possible.

/** @typedef {'GSM-7' | 'UCS-2'} SmsEncoding */

export const GSM7_SINGLE_UNITS = 160;
export const GSM7_PART_UNITS = 153;
export const UCS2_SINGLE_UNITS = 70;
export const UCS2_PART_UNITS = 67;

// Septets per BMP code unit: 0 = not in GSM-7, 1 = default alphabet, 2 = extension table.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';
const SEPTETS = buildSeptetTable();

function buildSeptetTable() {
  let highest = 0;
  for (const ch of GSM_BASIC + GSM_EXTENSION) highest = Math.max(highest, ch.charCodeAt(0));
  const table = new Uint8Array(highest + 1);
  for (const ch of GSM_BASIC) table[ch.charCodeAt(0)] = 1;
  for (const ch of GSM_EXTENSION) table[ch.charCodeAt(0)] = 2;
  return table;
}

/**
 * Septets one UTF-16 code unit takes in GSM-7, or 0 when it is not in the GSM alphabet.
 * @param {number} codeUnit
 * @returns {0 | 1 | 2}
 */
export function gsmSeptets(codeUnit) {
  const septets = codeUnit < SEPTETS.length ? SEPTETS[codeUnit] : 0;
  return septets === 1 || septets === 2 ? septets : 0;
}

/**
 * True when every character of the text is in the GSM 03.38 default or extension table.
 * @param {string} text
 */
export function isGsm7(text) {
  for (let i = 0; i < text.length; i++) {
    if (gsmSeptets(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

/**
 * A text packed into parts.
 * @typedef {object} SmsPacking
 * @property {SmsEncoding} encoding
 * @property {number} segments Parts it takes (1 when it fits a single message; 0 when empty).
 * @property {number} characters Unicode code points (an emoji is one, a ZWJ sequence several).
 * @property {number} units Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
 * @property {number} unitsPerSegment 160/153 (GSM-7) or 70/67 (UCS-2), by whether it is split.
 * @property {number} lastPartUnits Units used in the last part: what is left is the difference.
 */

/**
 * GSM-7 packing at the multipart size, or undefined at the first character outside the alphabet.
 * @param {string} text
 * @param {number[] | undefined} cuts
 */
function packGsm(text, cuts) {
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
  return { units, characters: text.length, multiParts, used };
}

/**
 * UCS-2 packing at the multipart size; a surrogate pair is never split.
 * @param {string} text
 * @param {number[] | undefined} cuts
 */
function packUcs2(text, cuts) {
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
  return { units: text.length, characters, multiParts, used };
}

/**
 * Encoding and parts of a text. With `cuts`, also the index in the text where each part after
 * the first begins (left empty when the text fits one message).
 * @param {string} text
 * @param {number[]} [cuts]
 * @returns {SmsPacking}
 */
export function packSms(text, cuts) {
  if (text.length === 0) {
    return {
      encoding: 'GSM-7',
      segments: 0,
      characters: 0,
      units: 0,
      unitsPerSegment: GSM7_SINGLE_UNITS,
      lastPartUnits: 0,
    };
  }
  const gsm = packGsm(text, cuts);
  if (cuts && !gsm) cuts.length = 0;
  const packing = gsm ?? packUcs2(text, cuts);
  const single = gsm ? GSM7_SINGLE_UNITS : UCS2_SINGLE_UNITS;
  const fitsOne = packing.units <= single;
  if (fitsOne && cuts) cuts.length = 0;
  return {
    encoding: gsm ? 'GSM-7' : 'UCS-2',
    segments: fitsOne ? 1 : packing.multiParts,
    characters: packing.characters,
    units: packing.units,
    unitsPerSegment: fitsOne ? single : gsm ? GSM7_PART_UNITS : UCS2_PART_UNITS,
    lastPartUnits: fitsOne ? packing.units : packing.used,
  };
}
