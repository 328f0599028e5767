// The SMPP carrier's pure parts: the GSM 03.38 table, concatenation, receipt parsing, the
// id matching of the tracker, and back-off.
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/messaging/carriers/smpp/backoff.js';
import { encodeMessage } from '../../../src/messaging/carriers/smpp/concatenate.js';
import { decodeGsm7, encodeGsm7, NotGsm7Error } from '../../../src/messaging/carriers/smpp/gsm7.js';
import { pdu } from '../../../src/messaging/carriers/smpp/lib.js';
import { parseReceipt } from '../../../src/messaging/carriers/smpp/receipts.js';
import { idVariants, ReceiptTracker } from '../../../src/messaging/carriers/smpp/tracker.js';
import type { Receipt } from '../../../src/messaging/carriers/types.js';
import { gsmSeptets, measureSms } from '../../../src/pricing/segments.js';

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

const alphabet = fc.constantFrom(
  'a',
  'Z',
  '0',
  ' ',
  '@',
  '€',
  '[',
  ']',
  '^',
  'ж',
  'Я',
  '😀',
  '🚀',
  'é',
  '\n',
);

function reassemble(parts: readonly Buffer[], dataCoding: number): { text: string; udh: number[][] } {
  const udh: number[][] = [];
  let text = '';
  for (const part of parts) {
    let body = part;
    if (parts.length > 1) {
      udh.push([...part.subarray(0, 6)]);
      body = part.subarray(6);
    }
    text += dataCoding === 0 ? decodeGsm7(body) : body.swap16().toString('utf16le');
  }
  return { text, udh };
}

describe('concatenation', () => {
  it('sends a short text as one part without a header', () => {
    const result = encodeMessage('hello', 7);
    expect(result).toEqual({
      ok: true,
      message: { dataCoding: 0, esmClass: 0, parts: [Buffer.from('hello')] },
    });
  });

  it('numbers the parts under one reference and fits each in 140 octets', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1, maxLength: 700 }), fc.nat(1000), (chars, reference) => {
        const text = chars.join('');
        const result = encodeMessage(text, reference);
        if (!result.ok) throw new Error(result.reason);
        const { parts, dataCoding, esmClass } = result.message;
        const measure = measureSms(text, { maxSegments: 255 });
        expect(parts).toHaveLength(measure.ok ? measure.segments : -1);
        expect(dataCoding).toBe(measure.ok && measure.encoding === 'GSM-7' ? 0 : 8);
        const { text: back, udh } = reassemble(
          parts.map((p) => Buffer.from(p)),
          dataCoding,
        );
        expect(back).toBe(text);
        if (parts.length === 1) {
          expect(esmClass).toBe(0);
        } else {
          expect(esmClass).toBe(0x40);
          expect(udh).toEqual(parts.map((_, i) => [5, 0, 3, reference & 0xff, parts.length, i + 1]));
        }
        for (const part of parts) {
          const body = part.length - (parts.length > 1 ? 6 : 0);
          // 160/153 septets one per octet (packed to 140 by the SMSC), or 140/134 octets of UCS-2.
          expect(body).toBeLessThanOrEqual(
            dataCoding === 0 ? (parts.length > 1 ? 153 : 160) : parts.length > 1 ? 134 : 140,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an empty text', () => {
    expect(encodeMessage('', 0)).toEqual({ ok: false, reason: 'empty text' });
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
