// GSM 03.38 default alphabet for submit_sm: one septet per octet (unpacked, the SMSC packs for
// the air) or packed 8 septets in 7 octets (SMPP_GSM_PACKING), extension-table characters as
// ESC (0x1B) + code. Our own table rather than the package's coder: the package labels
// auto-detected GSM text as data_coding 1 (IA5), turns characters it cannot map into spaces
// without a word, and accepts a bare ESC in the text; here a text that pricing measured as
// GSM-7 (src/pricing/segments.ts) is encoded exactly, and anything else is refused.

const ESC = 0x1b;

// Index = septet. 0x1B is the escape to the extension table, never a character of its own.
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const EXTENSION: readonly (readonly [string, number])[] = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const basic = new Map<string, number>();
for (let septet = 0; septet < BASIC.length; septet++) {
  const ch = BASIC.charAt(septet);
  if (septet !== ESC) basic.set(ch, septet);
}
const extension = new Map<string, number>(EXTENSION);

export class NotGsm7Error extends Error {
  constructor(readonly character: string) {
    super(`"${character}" (U+${character.codePointAt(0)?.toString(16).toUpperCase()}) is not in GSM 03.38`);
    this.name = 'NotGsm7Error';
  }
}

/** The septets of a GSM-7 text, one per octet; throws NotGsm7Error for any other character. */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const septet = basic.get(ch);
    if (septet !== undefined) {
      out.push(septet);
      continue;
    }
    const escaped = extension.get(ch);
    if (escaped === undefined) throw new NotGsm7Error(ch);
    out.push(ESC, escaped);
  }
  return Buffer.from(out);
}

/** Unpacked septets back to text (the tests' SMSC side, and a check on the table). */
export function decodeGsm7(septets: Uint8Array): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] ?? 0;
    if (septet === ESC) {
      const next = septets[++i];
      const ch = EXTENSION.find(([, code]) => code === next)?.[0];
      // An unknown escape shows the basic character (3GPP TS 23.038, 6.2.1.1).
      text += ch ?? (next === undefined ? '' : BASIC.charAt(next));
    } else {
      text += BASIC.charAt(septet);
    }
  }
  return text;
}

const CR = 0x0d;

/**
 * Septets packed 8 into 7 octets, least significant bit first (3GPP TS 23.038, 6.1.2.1.1),
 * after `fillBits` zero bits (1 after a 6-octet concatenation header, so the text starts on a
 * septet boundary). SMPP gives the length in octets, not septets, and an SMSC reads as many
 * septets as the octets hold: when the last octet would have 7 spare bits they would read as
 * one more character ("@"), so they carry CR instead, as 23.038 does where the length in
 * septets is not known. 160 septets (153 after the header) still fit 140 octets.
 */
export function packSeptets(septets: Uint8Array, fillBits = 0): Buffer {
  const padded = (fillBits + septets.length * 7) % 8 === 1;
  const all = padded ? [...septets, CR] : septets;
  const out = Buffer.alloc(Math.ceil((fillBits + all.length * 7) / 8));
  let at = fillBits;
  for (const septet of all) {
    for (let bit = 0; bit < 7; bit++, at++) {
      if (septet & (1 << bit)) out[at >> 3] = (out[at >> 3] ?? 0) | (1 << (at & 7));
    }
  }
  return out;
}

/** Packed octets back to septets (a check on packSeptets); a CR filling 7 spare bits is dropped. */
export function unpackSeptets(octets: Uint8Array, fillBits = 0): Buffer {
  const count = Math.floor((octets.length * 8 - fillBits) / 7);
  const septets = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    for (let bit = 0; bit < 7; bit++) {
      const at = fillBits + i * 7 + bit;
      if ((octets[at >> 3] ?? 0) & (1 << (at & 7))) septets[i] = (septets[i] ?? 0) | (1 << bit);
    }
  }
  const padded = count > 0 && septets[count - 1] === CR && (fillBits + count * 7) % 8 === 0;
  return padded ? septets.subarray(0, count - 1) : septets;
}
