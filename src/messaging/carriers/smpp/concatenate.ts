// A text as the short_message of one or more submit_sm. The part boundaries come from pricing
// (splitParts, src/pricing/alphabets.ts), so a message goes out in exactly the parts it was
// charged for, never cutting an escape pair or a surrogate pair:
//
//   GSM 03.38  data_coding 0 or 1 (SMPP_GSM_DATA_CODING), septets one an octet or packed
//              (SMPP_GSM_PACKING); 160 septets alone, 153 a part
//   Latin-1    data_coding 3 (SMPP_ALPHABET=latin1); 140 octets alone, 134 a part
//   UCS-2      data_coding 8, UTF-16BE; 70 code units alone, 67 a part
//
// More than one part: each starts with a concatenation UDH (IEI 0x00, 8-bit reference, total,
// sequence from 1) and esm_class has the UDHI bit. The bodies do not depend on the reference,
// so a message cut short is resumed with the same bytes under the same reference.
import { type PartEncoding, type SmsAlphabet, splitParts } from '../../../pricing/alphabets.js';
import { MAX_SEGMENTS_LIMIT } from '../../../pricing/segments.js';
import { encodeGsm7, NotGsm7Error, packSeptets } from './gsm7.js';
import { DATA_CODING_LATIN1, DATA_CODING_UCS2, ESM_UDHI } from './lib.js';

/** How the carrier writes text (SMPP_ALPHABET, SMPP_GSM_DATA_CODING, SMPP_GSM_PACKING). */
export interface TextSettings {
  /** For texts that need no UCS-2. */
  alphabet: 'GSM-7' | 'Latin-1';
  gsmDataCoding: 0 | 1;
  gsmPacking: 'unpacked' | 'packed';
}

export const GSM_UNPACKED: TextSettings = { alphabet: 'GSM-7', gsmDataCoding: 0, gsmPacking: 'unpacked' };

export interface EncodedMessage {
  encoding: PartEncoding;
  dataCoding: number;
  /** 0, or the UDHI bit when the message has more than one part. */
  esmClass: number;
  /** Each part's user data, without the concatenation header. */
  bodies: Buffer[];
}

export type EncodeResult = { ok: true; message: EncodedMessage } | { ok: false; reason: string };

const UDH_LENGTH = 6;
/** Packed septets after a 6-octet header start on the next septet boundary: 49 bits in. */
const FILL_BITS_AFTER_UDH = 1;

function ucs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/**
 * `charged`: the encoding the message was priced in, when it was (it is then sent in it, and in
 * as many parts); otherwise the settings' alphabet, or UCS-2 for a text outside it.
 */
export function encodeMessage(text: string, settings: TextSettings, charged?: PartEncoding): EncodeResult {
  const alphabet: SmsAlphabet = charged ?? settings.alphabet;
  const split = splitParts(text, alphabet, { maxSegments: MAX_SEGMENTS_LIMIT });
  if (!split.ok) {
    return {
      ok: false,
      reason: split.reason === 'empty' ? 'empty text' : `text needs ${split.segments} parts`,
    };
  }
  const multi = split.parts.length > 1;
  let bodies: Buffer[];
  let dataCoding: number;
  try {
    switch (split.encoding) {
      case 'GSM-7': {
        const packed = settings.gsmPacking === 'packed';
        const fill = multi ? FILL_BITS_AFTER_UDH : 0;
        bodies = split.parts.map((part) => (packed ? packSeptets(encodeGsm7(part), fill) : encodeGsm7(part)));
        dataCoding = settings.gsmDataCoding;
        break;
      }
      case 'Latin-1':
        bodies = split.parts.map((part) => Buffer.from(part, 'latin1'));
        dataCoding = DATA_CODING_LATIN1;
        break;
      case 'UCS-2':
        bodies = split.parts.map(ucs2);
        dataCoding = DATA_CODING_UCS2;
        break;
    }
  } catch (err) {
    if (err instanceof NotGsm7Error) return { ok: false, reason: err.message };
    throw err;
  }
  return {
    ok: true,
    message: { encoding: split.encoding, dataCoding, esmClass: multi ? ESM_UDHI : 0, bodies },
  };
}

/** Part `index` (from 0) as sent: its body, after the concatenation header when there are several. */
export function shortMessage(message: EncodedMessage, reference: number, index: number): Buffer {
  const body = message.bodies[index];
  if (!body) throw new RangeError(`the message has no part ${index + 1}`);
  const total = message.bodies.length;
  if (total === 1) return body;
  const header = Buffer.from([UDH_LENGTH - 1, 0x00, 0x03, reference & 0xff, total, index + 1]);
  return Buffer.concat([header, body]);
}
