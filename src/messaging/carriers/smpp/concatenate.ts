// A text as the short_message of one or more submit_sm. The part boundaries come from
// splitSms (src/pricing), so a message goes out in exactly the parts it was charged for,
// never cutting an escape pair or a surrogate pair. GSM-7 is data_coding 0 (unpacked
// septets), UCS-2 data_coding 8 (UTF-16BE). More than one part: each starts with a
// concatenation UDH (IEI 0x00, 8-bit reference, total, sequence from 1) and esm_class has
// the UDHI bit.
import { MAX_SEGMENTS_LIMIT, splitSms } from '../../../pricing/segments.js';
import { encodeGsm7, NotGsm7Error } from './gsm7.js';
import { DATA_CODING_SMSC_DEFAULT, DATA_CODING_UCS2, ESM_UDHI } from './lib.js';

export interface EncodedMessage {
  dataCoding: number;
  esmClass: number;
  /** Each part's short_message, UDH included. */
  parts: Buffer[];
}

export type EncodeResult = { ok: true; message: EncodedMessage } | { ok: false; reason: string };

function ucs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** `reference`: the 8-bit number tying the parts together (the caller varies it per message). */
export function encodeMessage(text: string, reference: number): EncodeResult {
  const split = splitSms(text, { maxSegments: MAX_SEGMENTS_LIMIT });
  if (!split.ok) {
    return {
      ok: false,
      reason: split.reason === 'empty' ? 'empty text' : `text needs ${split.segments} parts`,
    };
  }
  const gsm = split.encoding === 'GSM-7';
  let bodies: Buffer[];
  try {
    bodies = split.parts.map((part) => (gsm ? encodeGsm7(part) : ucs2(part)));
  } catch (err) {
    if (err instanceof NotGsm7Error) return { ok: false, reason: err.message };
    throw err;
  }
  const dataCoding = gsm ? DATA_CODING_SMSC_DEFAULT : DATA_CODING_UCS2;
  if (bodies.length === 1) return { ok: true, message: { dataCoding, esmClass: 0, parts: bodies } };
  const total = bodies.length;
  const parts = bodies.map((body, i) =>
    Buffer.concat([Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, i + 1]), body]),
  );
  return { ok: true, message: { dataCoding, esmClass: ESM_UDHI, parts } };
}
