// The SMPP carrier against a local SMSC (fake-smsc.ts): what arrives on the wire, receipts,
// reconnects, throttling, the window, the pace (across pauses too), a long message cut short
// and resumed, enquire_link, bind refusal and unbind.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmppCarrierOptions, SmppCarrier } from '../../../src/messaging/carriers/smpp/carrier.js';
import type { Receipt } from '../../../src/messaging/carriers/types.js';
import { splitSms } from '../../../src/pricing/segments.js';
import { FakeSmsc, type FakeSmscOptions, until } from './fake-smsc.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function smsc(options: Partial<FakeSmscOptions> = {}): Promise<{ server: FakeSmsc; port: number }> {
  const server = new FakeSmsc(options);
  const port = await server.listen();
  open.push(server);
  return { server, port };
}

function carrier(port: number, options: Partial<SmppCarrierOptions> = {}): SmppCarrier {
  const c = new SmppCarrier(
    {
      host: '127.0.0.1',
      port,
      systemId: 'tollgate',
      password: 'secret',
      systemType: '',
      window: 10,
      throughput: 0,
      enquireLinkMs: 30_000,
      defaultSource: 'Tollgate',
      alphabet: 'GSM-7',
      gsmDataCoding: 0,
      gsmPacking: 'unpacked',
      waitMs: 5000,
      responseTimeoutMs: 2000,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      retryBaseMs: 10,
      retryMaxMs: 40,
      random: () => 1,
      ...options,
    },
    { logger: pino({ level: 'silent' }), now: () => new Date() },
  );
  open.push(c);
  return c;
}

function receipts(c: SmppCarrier): Receipt[] {
  const got: Receipt[] = [];
  c.onReceipt((r) => got.push(r));
  return got;
}

const TO = '+447700900123';
let seq = 0;
const sms = (text: string, to = TO) => ({ id: `msg_${++seq}`, to, text });

describe('SMPP carrier: submitting', () => {
  it('sends a short GSM message as one submit_sm with registered delivery', async () => {
    const { server, port } = await smsc();
    const result = await carrier(port).submit(sms('Your code is 123456'));
    expect(result).toEqual({ ok: true, carrierMessageId: 'm1' });
    expect(server.submits).toHaveLength(1);
    expect(server.submits[0]).toMatchObject({
      source: 'Tollgate',
      sourceTon: 5,
      destination: '447700900123',
      destinationTon: 1,
      dataCoding: 0,
      esmClass: 0,
      registeredDelivery: 1,
      text: 'Your code is 123456',
    });
    expect(server.submits[0]?.udh).toBeUndefined();
  });

  it('sends a number as sender in international form', async () => {
    const { server, port } = await smsc();
    await carrier(port).submit({ ...sms('hi'), from: '+34600111222' });
    expect(server.submits[0]).toMatchObject({ source: '34600111222', sourceTon: 1 });
  });

  it('sends a long UCS-2 message as numbered parts that reassemble to the text', async () => {
    const { server, port } = await smsc();
    const text = 'Привет, мир! 😀 Доставка сообщений 🚀 '.repeat(5).slice(0, 150);
    const expected = splitSms(text);
    expect(expected.ok && expected.encoding === 'UCS-2').toBe(true);
    const parts = expected.ok ? expected.segments : 0;
    expect(parts).toBe(3);

    const result = await carrier(port).submit(sms(text));

    expect(server.submits).toHaveLength(parts);
    const references = new Set(server.submits.map((s) => s.udh?.reference));
    expect(references.size).toBe(1);
    expect(server.submits.map((s) => s.udh?.sequence)).toEqual([1, 2, 3]);
    for (const s of server.submits) {
      expect(s).toMatchObject({ dataCoding: 8, udh: { total: 3 } });
      expect(s.esmClass & 0x40).toBe(0x40);
    }
    expect(server.submits.map((s) => s.text).join('')).toBe(text);
    expect(result).toEqual({ ok: true, carrierMessageId: server.submits[2]?.messageId });
  });

  it('gives the next long message another concatenation reference', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    await c.submit(sms('x'.repeat(200)));
    await c.submit(sms('y'.repeat(200)));
    const [first, , third] = server.submits;
    expect(first?.udh?.reference).not.toBe(third?.udh?.reference);
  });

  it('keeps GSM extension characters intact, in one message and across parts', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const short = 'Price: 5€ [ok] {x} ~^|\\ @home';
    expect(await c.submit(sms(short))).toMatchObject({ ok: true });
    expect(server.submits[0]).toMatchObject({ dataCoding: 0, text: short });

    // The escape pair for € would straddle the 153-septet boundary: it must move whole.
    const long = `${'a'.repeat(152)}€${'b'.repeat(20)}[]`;
    expect(await c.submit(sms(long))).toMatchObject({ ok: true });
    const parts = server.submits.slice(1);
    expect(parts.map((p) => p.text)).toEqual(['a'.repeat(152), `€${'b'.repeat(20)}[]`]);
    expect(parts.every((p) => p.dataCoding === 0)).toBe(true);
  });

  it('refuses a destination that is not E.164 without sending anything', async () => {
    const { server, port } = await smsc();
    const result = await carrier(port).submit(sms('hi', '447700900123'));
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(server.submits).toHaveLength(0);
  });

  it('reports a refused destination (ESME_RINVDSTADR) as permanent, without retrying', async () => {
    const { server, port } = await smsc({ statusFor: (s) => (s.destination.endsWith('999') ? 0x0b : 0) });
    const result = await carrier(port).submit(sms('hi', '+447700900999'));
    expect(result).toEqual({
      ok: false,
      permanent: true,
      reason: 'the SMSC answered ESME_RINVDSTADR (0x0b)',
    });
    expect(server.submits).toHaveLength(1);
  });

  it('reports a system error (ESME_RSYSERR) as temporary', async () => {
    const { port } = await smsc({ statusFor: () => 0x08 });
    expect(await carrier(port).submit(sms('hi'))).toMatchObject({ ok: false, permanent: false });
  });

  it('ends a long message at a refused part and says which', async () => {
    let n = 0;
    const { server, port } = await smsc({ statusFor: () => (++n === 2 ? 0x0b : 0) });
    const result = await carrier(port).submit(sms('z'.repeat(400)));
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(result.ok ? '' : result.reason).toMatch(/^part 2 of 3: /);
    expect(server.submits).toHaveLength(2);
  });
});

describe('SMPP carrier: throttling and flow', () => {
  it('retries ESME_RTHROTTLED until the SMSC accepts', async () => {
    const { server, port } = await smsc({ throttleFirst: 3 });
    const result = await carrier(port).submit(sms('hello'));
    expect(result).toEqual({ ok: true, carrierMessageId: 'm1' });
    expect(server.submits).toHaveLength(4);
    expect(new Set(server.submits.map((s) => s.text))).toEqual(new Set(['hello']));
  });

  it('retries ESME_RMSGQFUL too', async () => {
    let n = 0;
    const { server, port } = await smsc({ statusFor: () => (++n <= 2 ? 0x14 : 0) });
    expect(await carrier(port).submit(sms('hello'))).toMatchObject({ ok: true });
    expect(server.submits).toHaveLength(3);
  });

  it('gives up on throttling after maxAttempts with a temporary failure', async () => {
    const { server, port } = await smsc({ throttleFirst: 100 });
    const result = await carrier(port, { maxAttempts: 3 }).submit(sms('hello'));
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok ? '' : result.reason).toMatch(/ESME_RTHROTTLED.*3 attempts/);
    expect(server.submits).toHaveLength(3);
  });

  it('never has more submit_sm unanswered than the window', async () => {
    // The SMSC answers only once 3 are waiting: a carrier sending a 4th early would be seen.
    const { server, port } = await smsc({ holdUntil: 3 });
    const c = carrier(port, { window: 3 });
    const results = await Promise.all(Array.from({ length: 21 }, (_, i) => c.submit(sms(`message ${i}`))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.submits).toHaveLength(21);
    expect(server.maxOutstanding).toBe(3);
  });

  it('keeps to SMPP_THROUGHPUT', async () => {
    const { server, port } = await smsc();
    const c = carrier(port, { throughput: 20 });
    expect(c.maxPerSecond).toBe(20);
    await until(() => c.state().bound, 5000, 'bind');
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.submit(sms(`message ${i}`))));
    const times = server.submits.map((s) => s.at);
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    expect(span).toBeGreaterThanOrEqual(5 * 50 - 15);
  });

  it('keeps the pace across a throttle pause: the submits that waited it out do not leave together', async () => {
    let n = 0;
    // The second submit_sm is throttled once; the pause (700 ms) outlasts three spacings of 200 ms.
    const { server, port } = await smsc({ statusFor: () => (++n === 2 ? 0x58 : 0) });
    const c = carrier(port, { throughput: 5, retryBaseMs: 700, retryMaxMs: 700 });
    expect(c.throughputCounts).toBe('parts');
    await until(() => c.state().bound, 5000, 'bind');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => c.submit(sms(`paced ${i}`))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.submits).toHaveLength(7);
    const times = server.submits.map((s) => s.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200 - 15);
    // And the pause held: nothing was sent during it.
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(700 - 15);
  });

  it('fails a submit temporarily when the pace gives it no turn before the wait ends', async () => {
    const { server, port } = await smsc();
    const c = carrier(port, { throughput: 2, waitMs: 300 });
    await until(() => c.state().bound, 5000, 'bind');
    const results = await Promise.all([c.submit(sms('one')), c.submit(sms('two')), c.submit(sms('three'))]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false]);
    expect(results[1]?.ok ? '' : results[1]?.reason).toMatch(
      /no turn to send in time at 2 submit_sm a second/,
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.submits).toHaveLength(1);
  });

  it('fails a submit temporarily when the window stays full past the wait', async () => {
    const { port } = await smsc({ responseDelayMs: 600 });
    const c = carrier(port, { window: 1, waitMs: 200 });
    const [first, second] = await Promise.all([c.submit(sms('one')), c.submit(sms('two'))]);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: false, permanent: false });
    expect(second?.ok ? '' : second?.reason).toMatch(/window/);
  });
});

describe('SMPP carrier: a long message cut short', () => {
  /** An SMSC that answers ESME_RTHROTTLED to part `sequence` of any long message, `times` times. */
  function throttlingPart(sequence: number, times: number): Partial<FakeSmscOptions> {
    let throttled = 0;
    return { statusFor: (s) => (s.udh?.sequence === sequence && throttled++ < times ? 0x58 : 0) };
  }
  const accepted = (server: FakeSmsc) => server.submits.filter((s) => s.messageId !== undefined);

  it('resumes with the missing parts only, under the same reference, and reports the receipts of all', async () => {
    const { server, port } = await smsc(throttlingPart(2, 3));
    const c = carrier(port, { maxAttempts: 3 });
    const got = receipts(c);
    const message = sms('r'.repeat(300));

    const first = await c.submit(message);
    expect(first).toMatchObject({ ok: false, permanent: false });
    expect(first.ok ? '' : first.reason).toMatch(/^part 2 of 2: .*ESME_RTHROTTLED.*parts 1-1 accepted/);
    expect(first.ok ? undefined : first.progress).toEqual(expect.any(String));
    // The receipt of the part already accepted is kept for the message, not dropped.
    await server.sendReceipt(accepted(server)[0]?.messageId ?? '', 'DELIVRD');

    const second = await c.submit({ ...message, ...(first.ok ? {} : { progress: first.progress }) });
    expect(second).toEqual({ ok: true, carrierMessageId: accepted(server)[1]?.messageId });
    const parts = accepted(server);
    expect(parts.map((p) => p.udh?.sequence)).toEqual([1, 2]);
    expect(new Set(server.submits.map((p) => p.udh?.reference)).size).toBe(1);
    expect(parts.map((p) => p.text).join('')).toBe(message.text);
    // Part 1 once, part 2 throttled three times then accepted: the SMSC took two parts, as charged.
    expect(server.submits.map((p) => p.udh?.sequence)).toEqual([1, 2, 2, 2, 2]);

    await server.sendReceipt(parts[1]?.messageId ?? '', 'DELIVRD');
    await until(() => got.length === 1, 2000, 'the receipt');
    expect(got[0]).toMatchObject({
      messageId: message.id,
      status: 'delivered',
      carrierMessageId: parts[1]?.messageId,
    });
  });

  it('resumes from the progress it handed back, in a carrier that never saw the message', async () => {
    const { server, port } = await smsc(throttlingPart(3, 2));
    const message = sms('s'.repeat(400));
    const before = carrier(port, { maxAttempts: 2 });
    const first = await before.submit(message);
    if (first.ok || !first.progress) throw new Error('expected a message cut short with its progress');
    await before.close();

    const after = carrier(port);
    const got = receipts(after);
    const second = await after.submit({ ...message, progress: first.progress });
    expect(second).toMatchObject({ ok: true });
    const parts = accepted(server);
    expect(parts.map((p) => p.udh?.sequence)).toEqual([1, 2, 3]);
    expect(new Set(parts.map((p) => p.udh?.reference)).size).toBe(1);
    expect(parts.map((p) => p.text).join('')).toBe(message.text);
    // The parts sent before are tracked here too: one failing makes the message failed.
    await server.sendReceipt(parts[0]?.messageId ?? '', 'UNDELIV', { tlvs: { state: 5 } });
    await until(() => got.length === 1, 2000, 'the receipt');
    expect(got[0]).toMatchObject({ messageId: message.id, status: 'failed', reason: 'part 1 of 3: UNDELIV' });
  });

  it('sends the whole message again when the progress does not match its parts', async () => {
    const { server, port } = await smsc(throttlingPart(2, 2));
    const c = carrier(port, { maxAttempts: 2 });
    const cut = await c.submit(sms('t'.repeat(300)));
    if (cut.ok || !cut.progress) throw new Error('expected a message cut short with its progress');
    const other = carrier(port);
    const result = await other.submit({ ...sms('u'.repeat(300)), progress: cut.progress });
    expect(result).toMatchObject({ ok: true });
    const last = server.submits.slice(-2);
    expect(last.map((p) => p.udh?.sequence)).toEqual([1, 2]);
    expect(last.map((p) => p.text).join('')).toBe('u'.repeat(300));
  });

  it('goes on under the same reference when the bind drops between parts', async () => {
    let server: FakeSmsc | undefined;
    let dropped = false;
    const started = await smsc({
      beforeResponse: (s) => {
        if (s.udh?.sequence !== 1 || dropped) return;
        dropped = true;
        // The answer to part 1 goes out, then the connection is lost.
        setImmediate(() => server?.drop());
      },
    });
    server = started.server;
    const c = carrier(started.port);
    const message = sms('v'.repeat(300));
    expect(await c.submit(message)).toMatchObject({ ok: true });
    const parts = accepted(server);
    expect(parts.map((p) => p.udh?.sequence)).toEqual([1, 2]);
    expect(new Set(parts.map((p) => p.udh?.reference)).size).toBe(1);
    expect(server.binds.filter((b) => b.ok)).toHaveLength(2);
  });

  it('forgets the accepted parts when a later part is refused for good', async () => {
    let n = 0;
    const { server, port } = await smsc({
      statusFor: (s) => (s.udh?.sequence === 2 && ++n === 1 ? 0x0b : 0),
    });
    const c = carrier(port);
    const message = sms('w'.repeat(300));
    const refused = await c.submit(message);
    expect(refused).toMatchObject({ ok: false, permanent: true });
    expect(refused.ok ? 'x' : refused.progress).toBeUndefined();
    expect(c.state().tracked).toBe(0);
    // Another attempt (the dispatcher makes none, a caller might) starts afresh.
    expect(await c.submit(message)).toMatchObject({ ok: true });
    expect(server.submits.map((p) => p.udh?.sequence)).toEqual([1, 2, 1, 2]);
  });
});

describe('SMPP carrier: delivery receipts', () => {
  it('reports a receipt with our message id and the SMSC id', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    const message = sms('hello');
    const result = await c.submit(message);
    if (!result.ok) throw new Error(result.reason);
    await server.sendReceipt(result.carrierMessageId, 'DELIVRD');
    await until(() => got.length === 1, 2000, 'receipt');
    expect(got[0]).toMatchObject({
      messageId: message.id,
      carrierMessageId: result.carrierMessageId,
      status: 'delivered',
    });
    expect(got[0]?.at).toBeInstanceOf(Date);
  });

  it('reads the receipted_message_id and message_state TLVs, and a failure reason', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    const message = sms('hello');
    const result = await c.submit(message);
    if (!result.ok) throw new Error(result.reason);
    await server.sendReceipt(result.carrierMessageId, 'UNDELIV', { tlvs: { state: 5 }, err: '001' });
    await until(() => got.length === 1, 2000, 'receipt');
    expect(got[0]).toMatchObject({ messageId: message.id, status: 'failed', reason: 'UNDELIV (err 001)' });
  });

  it('ignores intermediate notifications and reports the final state once', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    const result = await c.submit(sms('hello'));
    if (!result.ok) throw new Error(result.reason);
    await server.sendReceipt(result.carrierMessageId, 'ENROUTE');
    await server.sendReceipt(result.carrierMessageId, 'DELIVRD');
    await server.sendReceipt(result.carrierMessageId, 'DELIVRD');
    await until(() => got.length >= 1, 2000, 'receipt');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got.map((r) => r.status)).toEqual(['delivered']);
  });

  it('reports a long message delivered only when every part is', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    const message = sms('q'.repeat(400));
    const result = await c.submit(message);
    if (!result.ok) throw new Error(result.reason);
    const ids = server.submits.map((s) => s.messageId ?? '');
    expect(result.carrierMessageId).toBe(ids[2]);
    await server.sendReceipt(ids[0] ?? '', 'DELIVRD');
    await server.sendReceipt(ids[2] ?? '', 'DELIVRD');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toHaveLength(0);
    await server.sendReceipt(ids[1] ?? '', 'DELIVRD');
    await until(() => got.length === 1, 2000, 'receipt');
    expect(got[0]).toMatchObject({
      messageId: message.id,
      carrierMessageId: ids[2],
      status: 'delivered',
    });
  });

  it('reports a long message failed as soon as one part fails', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    const message = sms('q'.repeat(400));
    const result = await c.submit(message);
    if (!result.ok) throw new Error(result.reason);
    await server.sendReceipt(server.submits[1]?.messageId ?? '', 'EXPIRED');
    await until(() => got.length === 1, 2000, 'receipt');
    expect(got[0]).toMatchObject({ messageId: message.id, status: 'failed', reason: 'part 2 of 3: EXPIRED' });
    await server.sendReceipt(server.submits[0]?.messageId ?? '', 'DELIVRD');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toHaveLength(1);
  });

  it('matches a receipt that arrives before the submit_sm_resp', async () => {
    let server: FakeSmsc | undefined;
    const started = await smsc({
      beforeResponse: (s) => void server?.sendReceipt(s.messageId ?? '', 'DELIVRD'),
    });
    server = started.server;
    const c = carrier(started.port);
    const got = receipts(c);
    const message = sms('quick');
    const result = await c.submit(message);
    expect(result).toMatchObject({ ok: true });
    await until(() => got.length === 1, 2000, 'receipt');
    expect(got[0]).toMatchObject({ messageId: message.id, status: 'delivered' });
  });
});

describe('SMPP carrier: receipts after a restart', () => {
  it('reports a receipt for a message it did not send by the SMSC id, in every spelling, once unclaimed', async () => {
    const { server, port } = await smsc();
    const before = carrier(port);
    const result = await before.submit(sms('sent before the restart'));
    if (!result.ok) throw new Error(result.reason);
    await before.close();
    // A new process: its tracker has never seen the message.
    const after = carrier(port, { unclaimedReceiptMs: 50 });
    const got = receipts(after);
    expect(await after.submit(sms('after'))).toMatchObject({ ok: true });
    await server.sendReceipt(result.carrierMessageId, 'UNDELIV', { err: '004' });
    await server.sendReceipt(result.carrierMessageId, 'ENROUTE');
    await until(() => got.length === 1, 2000, 'the unclaimed receipt');
    expect(got[0]).toMatchObject({
      messageId: '',
      carrierMessageId: result.carrierMessageId,
      status: 'failed',
      reason: 'UNDELIV (err 004)',
    });
    expect(got[0]?.carrierMessageIds).toEqual(expect.arrayContaining([result.carrierMessageId]));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(got).toHaveLength(1);
  });
});

describe('SMPP carrier: the session', () => {
  it('reconnects after a dropped connection and submits again', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    expect(await c.submit(sms('before'))).toMatchObject({ ok: true });
    server.drop();
    await until(() => !c.state().bound, 2000, 'the drop to be seen');
    const after = await c.submit(sms('after'));
    expect(after).toMatchObject({ ok: true });
    expect(server.binds.filter((b) => b.ok)).toHaveLength(2);
    expect(server.submits.map((s) => s.text)).toEqual(['before', 'after']);
  });

  it('sends again the submits left unanswered by a dropped connection', async () => {
    const { server, port } = await smsc({ responseDelayMs: 150 });
    const c = carrier(port);
    await until(() => c.state().bound, 5000, 'bind');
    const pending = Promise.all([c.submit(sms('one')), c.submit(sms('two'))]);
    await until(() => server.submits.length === 2, 2000, 'the submits');
    server.drop();
    const results = await pending;
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.binds.filter((b) => b.ok).length).toBeGreaterThanOrEqual(2);
    expect(server.submits.map((s) => s.text).sort()).toEqual(['one', 'one', 'two', 'two']);
  });

  it('sends enquire_link every SMPP_ENQUIRE_LINK_MS', async () => {
    const { server, port } = await smsc();
    carrier(port, { enquireLinkMs: 40 });
    await until(() => server.enquireLinks >= 3, 3000, 'enquire_link');
    expect(server.binds).toHaveLength(1);
  });

  it('reconnects when enquire_link goes unanswered', async () => {
    const { server, port } = await smsc({ answerEnquireLink: false });
    carrier(port, { enquireLinkMs: 40, responseTimeoutMs: 80 });
    await until(() => server.binds.length >= 2, 3000, 'a second bind');
  });

  it('keeps retrying a refused bind with growing waits, and fails submits temporarily', async () => {
    const { server, port } = await smsc();
    const c = carrier(port, { password: 'wrong', reconnectBaseMs: 40, reconnectMaxMs: 320, waitMs: 300 });
    const result = await c.submit(sms('hello'));
    expect(result).toEqual({
      ok: false,
      permanent: false,
      reason: 'not bound to the SMSC (bind refused: ESME_RINVPASWD (0x0e))',
    });
    await until(() => server.binds.length >= 6, 5000, 'six binds');
    expect(server.binds.every((b) => !b.ok && b.password === 'wrong')).toBe(true);
    const gaps = server.binds.slice(1).map((b, i) => b.at - (server.binds[i]?.at ?? 0));
    // Waits of 40, 80, 160, 320 (the cap), 320 ms with the jitter fixed at its top.
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(150);
    expect(gaps[3]).toBeGreaterThanOrEqual(300);
    expect(gaps[4]).toBeLessThan(320 * 2);
    expect(server.submits).toHaveLength(0);
  });

  it("answers the SMSC's enquire_link, and acknowledges a deliver_sm that is not a receipt", async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    const got = receipts(c);
    await until(() => c.state().bound, 5000, 'bind');
    const [link] = await server.request('enquire_link');
    expect(link).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
    const [ack] = await server.request('deliver_sm', {
      source_addr: '447700900123',
      destination_addr: 'Tollgate',
      esm_class: 0,
      short_message: Buffer.from('STOP'),
    });
    expect(ack).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
    expect(got).toHaveLength(0);
  });

  it('answers an unbind from the SMSC and binds again', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    await until(() => c.state().bound, 5000, 'bind');
    const [answer] = await server.request('unbind');
    expect(answer).toMatchObject({ command: 'unbind_resp', command_status: 0 });
    await until(() => server.binds.length === 2 && c.state().bound, 3000, 'a new bind');
    expect(await c.submit(sms('after unbind'))).toMatchObject({ ok: true });
  });

  it('unbinds on close and stops reconnecting', async () => {
    const { server, port } = await smsc();
    const c = carrier(port);
    expect(await c.submit(sms('hello'))).toMatchObject({ ok: true });
    await c.close();
    expect(server.unbinds).toBe(1);
    await until(() => server.sessions === 0, 1000, 'the session to end');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.binds).toHaveLength(1);
    expect(await c.submit(sms('late'))).toMatchObject({ ok: false, permanent: false });
  });
});
