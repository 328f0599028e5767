// The SMPP carrier's pure parts: the GSM 03.38 table and packing, concatenation in each
// encoding, receipt parsing, the id matching of the tracker, and back-off.
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/messaging/carriers/smpp/backoff.js';
import {
  type EncodedMessage,
  encodeMessage,
  shortMessage,
  type TextSettings,
} from '../../../src/messaging/carriers/smpp/concatenate.js';
import {
  decodeGsm7,
  encodeGsm7,
  NotGsm7Error,
  packSeptets,
  unpackSeptets,
} from '../../../src/messaging/carriers/smpp/gsm7.js';
import { pdu } from '../../../src/messaging/carriers/smpp/lib.js';
import { parseReceipt } from '../../../src/messaging/carriers/smpp/receipts.js';
import { idVariants, ReceiptTracker } from '../../../src/messaging/carriers/smpp/tracker.js';
import type { Receipt } from '../../../src/messaging/carriers/types.js';
import { measureParts } from '../../../src/pricing/alphabets.js';
import { gsmSeptets } from '../../../src/pricing/segments.js';

describe('GSM 03.38 encoding', () => {
  it('encodes every character pricing counts as GSM-7, in as many septets as it counts', () => {
    let checked = 0;
    for (let code = 0; code <= 0xffff; code++) {
      const septets = gsmSeptets(code);
      if (septets === 0) continue;
      const ch = String.fromCharCode(code);
      const encoded = encodeGsm7(ch);
      expect(encoded.length, `U+${code.toString(16)}`).toBe(septets);
      expect(decodeGsm7(encoded)).toBe(ch);
      checked++;
    }
    expect(checked).toBe(127 + 10);
  });

  it('puts the characters at their 03.38 positions, extension ones after ESC', () => {
    expect([...encodeGsm7('@£$Δ_ ¡Ä§¿à')]).toEqual([
      0x00, 0x01, 0x02, 0x10, 0x11, 0x20, 0x40, 0x5b, 0x5f, 0x60, 0x7f,
    ]);
    expect([...encodeGsm7('€[]{}~^|\\\f')]).toEqual([
      0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x3d, 0x1b, 0x14, 0x1b, 0x40, 0x1b,
      0x2f, 0x1b, 0x0a,
    ]);
  });

  it('refuses a character outside the alphabet, and a bare ESC', () => {
    expect(() => encodeGsm7('ç')).toThrow(NotGsm7Error);
    expect(() => encodeGsm7('a\u001bb')).toThrow(NotGsm7Error);
  });
});

// Mostly characters every single-octet alphabet has, so that texts stay GSM-7 or Latin-1 often.
const alphabet = fc.oneof(
  { weight: 60, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '@', 'é', '\n') },
  { weight: 6, arbitrary: fc.constantFrom('€', '[', ']', '^') },
  { weight: 3, arbitrary: fc.constantFrom('ç', 'õ', 'ÿ') },
  { weight: 1, arbitrary: fc.constantFrom('ж', 'Я', '😀', '🚀') },
);

const UNPACKED: TextSettings = { alphabet: 'GSM-7', gsmDataCoding: 0, gsmPacking: 'unpacked' };
const PACKED: TextSettings = { alphabet: 'GSM-7', gsmDataCoding: 1, gsmPacking: 'packed' };
const LATIN1: TextSettings = { alphabet: 'Latin-1', gsmDataCoding: 0, gsmPacking: 'unpacked' };

/** Each part as sent under `reference`. */
function partsOf(message: EncodedMessage, reference: number): Buffer[] {
  return message.bodies.map((_, i) => shortMessage(message, reference, i));
}

/** The text back from the parts as an SMSC would read them, and each part's header. */
function reassemble(parts: readonly Buffer[], dataCoding: number, packed: boolean) {
  const udh: number[][] = [];
  let text = '';
  for (const part of parts) {
    let body = part;
    if (parts.length > 1) {
      udh.push([...part.subarray(0, 6)]);
      body = part.subarray(6);
    }
    if (dataCoding === 8) text += Buffer.from(body).swap16().toString('utf16le');
    else if (dataCoding === 3) text += body.toString('latin1');
    else text += decodeGsm7(packed ? unpackSeptets(body, parts.length > 1 ? 1 : 0) : body);
  }
  return { text, udh };
}

function encoded(text: string, settings: TextSettings = UNPACKED): EncodedMessage {
  const result = encodeMessage(text, settings);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

describe('concatenation', () => {
  it('sends a short text as one part without a header', () => {
    const message = encoded('hello');
    expect(message).toEqual({
      encoding: 'GSM-7',
      dataCoding: 0,
      esmClass: 0,
      bodies: [Buffer.from('hello')],
    });
    expect(partsOf(message, 7)).toEqual([Buffer.from('hello')]);
  });

  for (const [name, settings] of [
    ['GSM 03.38 unpacked, data_coding 0', UNPACKED],
    ['GSM 03.38 packed, data_coding 1', PACKED],
    ['Latin-1', LATIN1],
  ] as const) {
    it(`numbers the parts under one reference and fits each in 140 octets (${name})`, () => {
      fc.assert(
        fc.property(
          fc.array(alphabet, { minLength: 1, maxLength: 700 }),
          fc.nat(1000),
          (chars, reference) => {
            const text = chars.join('');
            const message = encoded(text, settings);
            const parts = partsOf(message, reference);
            const measure = measureParts(text, settings.alphabet, { maxSegments: 255 });
            if (!measure.ok) throw new Error('not measured');
            expect(message.encoding).toBe(measure.encoding);
            expect(parts).toHaveLength(measure.segments);
            const dataCoding = { 'GSM-7': settings.gsmDataCoding, 'Latin-1': 3, 'UCS-2': 8 }[
              measure.encoding
            ];
            expect(message.dataCoding).toBe(dataCoding);
            const packed = settings.gsmPacking === 'packed' && measure.encoding === 'GSM-7';
            const { text: back, udh } = reassemble(parts, message.dataCoding, packed);
            expect(back).toBe(text);
            if (parts.length === 1) {
              expect(message.esmClass).toBe(0);
            } else {
              expect(message.esmClass).toBe(0x40);
              expect(udh).toEqual(parts.map((_, i) => [5, 0, 3, reference & 0xff, parts.length, i + 1]));
            }
            for (const part of parts) {
              // Unpacked septets one an octet (160/153 + header, packed to 140 by the SMSC); the rest 140 in all.
              const most = measure.encoding === 'GSM-7' && !packed ? (parts.length > 1 ? 159 : 160) : 140;
              expect(part.length).toBeLessThanOrEqual(most);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('packs 160 septets into 140 octets, and 153 after a header with one fill bit', () => {
    const single = encoded('a'.repeat(160), PACKED);
    expect(single.bodies.map((b) => b.length)).toEqual([140]);
    const two = encoded('b'.repeat(306), PACKED);
    expect(partsOf(two, 1).map((p) => p.length)).toEqual([140, 140]);
    // "bb" = 0x62 0x62: the first septet starts at bit 1 of the first octet after the header.
    expect(two.bodies[0]?.[0]).toBe((0x62 << 1) & 0xff);
  });

  it('fills 7 spare bits of the last packed octet with CR, not a septet an SMSC would read as @', () => {
    // 7 septets = 49 bits: 7 octets with 7 bits to spare.
    const seven = packSeptets(encodeGsm7('1234567'));
    expect(seven).toHaveLength(7);
    expect(seven[6]).toBe(0x0d << 1);
    expect(decodeGsm7(unpackSeptets(seven))).toBe('1234567');
    expect(packSeptets(encodeGsm7('hellohel'))).toHaveLength(7);
  });

  it('sends Latin-1 as data_coding 3, 140 octets alone and 134 a part, and UCS-2 for the rest', () => {
    expect(encoded('ñandú, ça va?', LATIN1)).toMatchObject({ encoding: 'Latin-1', dataCoding: 3 });
    expect(encoded('x'.repeat(140), LATIN1).bodies.map((b) => b.length)).toEqual([140]);
    expect(encoded('x'.repeat(141), LATIN1).bodies.map((b) => b.length)).toEqual([134, 7]);
    expect(encoded('5€', LATIN1)).toMatchObject({ encoding: 'UCS-2', dataCoding: 8 });
  });

  it('sends a text in the encoding it was charged in, whatever the alphabet now', () => {
    const text = 'x'.repeat(150);
    expect(encodeMessage(text, LATIN1, 'GSM-7')).toMatchObject({
      ok: true,
      message: { encoding: 'GSM-7', dataCoding: 0, bodies: [Buffer.from(text)] },
    });
    expect(encodeMessage('ça', UNPACKED, 'Latin-1')).toMatchObject({
      ok: true,
      message: { encoding: 'Latin-1', dataCoding: 3 },
    });
  });

  it('refuses an empty text', () => {
    expect(encodeMessage('', UNPACKED)).toEqual({ ok: false, reason: 'empty text' });
  });
});

function deliverSm(text: string, extra: Record<string, number | string> = {}) {
  return pdu('deliver_sm', { esm_class: 0x04, short_message: Buffer.from(text, 'latin1'), ...extra });
}

describe('delivery receipt parsing', () => {
  const text = (stat: string, err = '000') =>
    `id:0A1B2C sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:${stat} err:${err} text:Hi stat:DELIVRD`;

  it('reads the id, the state and the error of the standard text', () => {
    expect(parseReceipt(deliverSm(text('DELIVRD')))).toEqual({
      carrierMessageId: '0A1B2C',
      outcome: 'delivered',
      stat: 'DELIVRD',
    });
    expect(parseReceipt(deliverSm(text('UNDELIV', '034')))).toEqual({
      carrierMessageId: '0A1B2C',
      outcome: 'failed',
      stat: 'UNDELIV',
      err: '034',
    });
    for (const stat of ['EXPIRED', 'REJECTD', 'DELETED', 'UNKNOWN']) {
      expect(parseReceipt(deliverSm(text(stat)))?.outcome).toBe('failed');
    }
  });

  it('takes intermediate and unknown states as not final', () => {
    expect(parseReceipt(deliverSm(text('ENROUTE')))?.outcome).toBe('pending');
    expect(parseReceipt(deliverSm(text('ACCEPTD')))?.outcome).toBe('pending');
    expect(parseReceipt(deliverSm(text('WHATEVER')))?.outcome).toBe('pending');
  });

  it('prefers the receipted_message_id and message_state TLVs', () => {
    const parsed = parseReceipt(
      deliverSm(text('DELIVRD'), { receipted_message_id: 'abc', message_state: 8 }),
    );
    expect(parsed).toMatchObject({ carrierMessageId: 'abc', outcome: 'failed', stat: 'REJECTD' });
  });

  it('is case-tolerant in the text', () => {
    expect(parseReceipt(deliverSm('ID:77 SUB:001 DLVRD:001 STAT:delivrd ERR:000'))).toMatchObject({
      carrierMessageId: '77',
      outcome: 'delivered',
    });
  });

  it('leaves alone a deliver_sm that is not a receipt, or one without an id', () => {
    expect(
      parseReceipt(pdu('deliver_sm', { esm_class: 0, short_message: Buffer.from(text('DELIVRD')) })),
    ).toBeUndefined();
    expect(parseReceipt(deliverSm('stat:DELIVRD'))).toBeUndefined();
  });
});

describe('receipt tracking', () => {
  it('knows an id given in hex in the response and in decimal in the receipt', () => {
    expect(idVariants('255')).toEqual(expect.arrayContaining(['ff', 'FF']));
    expect(idVariants('0FF')).toEqual(expect.arrayContaining(['255', 'FF']));
    const got: Receipt[] = [];
    const tracker = new ReceiptTracker({
      ttlMs: 60_000,
      now: () => new Date(0),
      logger: pino({ level: 'silent' }),
      emit: (r) => got.push(r),
    });
    const tracked = tracker.begin('msg_1', 1);
    tracker.accepted(tracked, '1F');
    tracker.complete(tracked, '1F');
    tracker.receive({ carrierMessageId: '31', outcome: 'delivered', stat: 'DELIVRD' });
    tracker.close();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(got).toEqual([
          { messageId: 'msg_1', carrierMessageId: '1F', status: 'delivered', at: new Date(0) },
        ]);
        resolve();
      }),
    );
  });

  it('reports nothing for a message whose submit failed', async () => {
    const got: Receipt[] = [];
    const tracker = new ReceiptTracker({
      ttlMs: 60_000,
      now: () => new Date(0),
      logger: pino({ level: 'silent' }),
      emit: (r) => got.push(r),
    });
    const tracked = tracker.begin('msg_2', 2);
    tracker.accepted(tracked, 'p1');
    tracker.abandon(tracked);
    tracker.receive({ carrierMessageId: 'p1', outcome: 'failed', stat: 'UNDELIV' });
    await new Promise((resolve) => setImmediate(resolve));
    tracker.close();
    expect(got).toEqual([]);
    expect(tracker.tracked).toBe(0);
  });
});

describe('back-off', () => {
  it('doubles from the base up to the cap, jittered between half and all of it', () => {
    const top = { baseMs: 100, maxMs: 1000, random: () => 1 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, top))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const bottom = { ...top, random: () => 0 };
    expect([0, 3, 40].map((n) => backoffDelay(n, bottom))).toEqual([50, 400, 500]);
  });
});
