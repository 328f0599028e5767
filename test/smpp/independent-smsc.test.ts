// The SMPP carrier, through the whole product (API, pricing, ledger, dispatcher, receipts),
// against an SMSC written on Net::SMPP (smsc.pl), which shares no code with the npm `smpp`
// package the carrier is built on. Every case compares the bytes the SMSC received, and the
// parts it accepted (what it bills the operator for), with the text and the parts the customer
// was charged for.
//
// Needs perl with Net::SMPP (Debian: libnet-smpp-perl; .ci/run installs it). Without it the
// suite is skipped with a message on a developer's machine, and fails in CI (CI=true).
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { singleCarrier } from '../../src/messaging/carrier-set.js';
import { SmppCarrier } from '../../src/messaging/carriers/smpp/carrier.js';
import { dispatchDue } from '../../src/messaging/dispatch.js';
import { startDispatcher } from '../../src/messaging/dispatcher.js';
import { postTransferId, refundTransferId } from '../../src/messaging/ids.js';
import { MessagingService } from '../../src/messaging/service.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { closeApp, customerWithCredit, expectLedgerClean, messagingApp } from '../messaging/helpers.js';
import { asciiSeptets, PerlSmsc, perlSmscMissing, ucs2Hex, udhHex, type WireSubmit } from './perl-smsc.js';

const missing = perlSmscMissing();
if (missing && process.env.CI === 'true') {
  throw new Error(`The independent SMSC tests must run in CI, but ${missing}`);
}
if (missing) console.warn(`Skipping the independent SMSC tests (test/smpp): ${missing}`);
const suite = describe.skipIf(missing !== null);

/** Numbers routed to the SMSC (+44=smpp); everything else, verification codes included, to the simulator. */
let numbers = 0;
const ukNumber = () => `+447400${String(100_000 + (process.pid % 800) * 1000 + (numbers++ % 1000))}`;

async function appFor(smsc: PerlSmsc, env: Record<string, string> = {}): Promise<TestApp> {
  return messagingApp({
    SMPP_HOST: '127.0.0.1',
    SMPP_PORT: String(smsc.port),
    SMPP_SYSTEM_ID: 'tollgate',
    SMPP_PASSWORD: 'secret',
    CARRIER_ROUTES: '+44=smpp',
    MESSAGE_RETRY_BASE_MS: '10',
    ...env,
  });
}

async function closeAll(t: TestApp | undefined, smsc: PerlSmsc): Promise<void> {
  if (t) {
    await t.ctx.carrier.close?.();
    await closeApp(t);
  }
  await smsc.close();
}

interface Sent {
  id: string;
  to: string;
  text: string;
  encoding: string;
  segments: number;
  credits: string;
}

async function send(t: TestApp, who: Customer, text: string, to = ukNumber()): Promise<Sent> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/messages',
    headers: who.headers,
    payload: { to, text },
  });
  expect(res.statusCode, res.body).toBe(202);
  const body = res.json();
  return { id: body.id, to, text, encoding: body.encoding, segments: body.segments, credits: body.credits };
}

interface Row {
  status: string;
  segments: number;
  credits: bigint;
  price_per_segment: bigint;
  attempts: number;
  carrier_message_id: string | null;
  error: string | null;
}

async function row(t: TestApp, id: string): Promise<Row> {
  const { rows } = await t.ctx.db.query<Row>(
    `select status, segments, credits, price_per_segment, attempts, carrier_message_id, error
       from messages where id = $1`,
    [id],
  );
  const found = rows[0];
  if (!found) throw new Error(`no message ${id}`);
  return found;
}

/** Dispatches (retries included) until every message is in one of `statuses`. */
async function dispatchUntil(t: TestApp, ids: readonly string[], statuses: readonly string[]): Promise<void> {
  const end = Date.now() + 90_000;
  for (;;) {
    await dispatchDue(t.ctx, { budgetMs: 5_000 });
    await t.ctx.messaging.receipts.drain();
    const rows = await Promise.all(ids.map((id) => row(t, id)));
    if (rows.every((r) => statuses.includes(r.status))) return;
    if (Date.now() > end) throw new Error(`messages still ${rows.map((r) => r.status).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until every message has one of `statuses`, the receipts inbox applying what comes. */
async function until(t: TestApp, ids: readonly string[], statuses: readonly string[]): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    await t.ctx.messaging.receipts.drain();
    const rows = await Promise.all(ids.map((id) => row(t, id)));
    if (rows.every((r) => statuses.includes(r.status))) return;
    if (Date.now() > end) throw new Error(`messages still ${rows.map((r) => r.status).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The submit_sm the SMSC accepted for a message, in part order. */
function partsOf(smsc: PerlSmsc, sent: Sent): WireSubmit[] {
  return smsc.accepted
    .filter((s) => s.destination_addr === sent.to.slice(1))
    .sort((a, b) => (a.udh?.sequence ?? 0) - (b.udh?.sequence ?? 0));
}

/**
 * What the SMSC accepted for the message is what the customer was charged for: as many parts
 * as segments, once each, under one reference, decoding to the text; and the charge posted is
 * segments × the price stored on the message. Answers the parts, for checks of their bytes.
 */
async function expectChargedAsSent(
  t: TestApp,
  smsc: PerlSmsc,
  sent: Sent,
  dataCoding: number,
): Promise<WireSubmit[]> {
  const message = await row(t, sent.id);
  expect(['sent', 'delivered', 'failed']).toContain(message.status);
  const parts = partsOf(smsc, sent);
  expect(parts).toHaveLength(message.segments);
  expect(message.segments).toBe(sent.segments);
  expect(parts.map((p) => p.text).join('')).toBe(sent.text);
  for (const part of parts) {
    expect(part.data_coding).toBe(dataCoding);
    expect(part.registered_delivery).toBe(1);
  }
  if (parts.length === 1) {
    expect(parts[0]?.udh).toBeNull();
    expect((parts[0]?.esm_class ?? 0) & 0x40).toBe(0);
  } else {
    expect(new Set(parts.map((p) => p.udh?.reference)).size).toBe(1);
    expect(parts.map((p) => p.udh?.sequence)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.every((p) => p.udh?.total === parts.length && (p.esm_class & 0x40) === 0x40)).toBe(true);
  }
  expect(message.carrier_message_id).toBe(parts.at(-1)?.message_id);
  expect(message.credits).toBe(BigInt(message.segments) * message.price_per_segment);
  const { rows } = await t.ctx.db.query<{ amount: bigint }>(
    'select amount from ledger_transfers where id = $1',
    [postTransferId(sent.id)],
  );
  expect(rows.map((r) => r.amount)).toEqual([message.credits]);
  return parts;
}

/** The short_message of each part, in hex. */
const wire = (parts: readonly WireSubmit[]) => parts.map((p) => p.short_message);

suite('SMPP against an independent SMSC: GSM 03.38 unpacked (data_coding 0) and UCS-2', () => {
  const smsc = new PerlSmsc();
  let t: TestApp | undefined;
  let who: Customer;

  beforeAll(async () => {
    await smsc.start();
    t = await appFor(smsc);
    who = await customerWithCredit(t, '1000');
  });
  afterAll(() => closeAll(t, smsc));

  function app(): TestApp {
    if (!t) throw new Error('no app');
    return t;
  }

  it('sends 160 GSM characters as one part and 161 as two, byte for byte, charged as sent', async () => {
    const one = await send(app(), who, 'a'.repeat(160));
    const two = await send(app(), who, `${'b'.repeat(160)}c`);
    expect([one.segments, two.segments]).toEqual([1, 2]);
    await dispatchUntil(app(), [one.id, two.id], ['sent']);
    expect(wire(await expectChargedAsSent(app(), smsc, one, 0))).toEqual([asciiSeptets('a'.repeat(160))]);
    const parts = await expectChargedAsSent(app(), smsc, two, 0);
    const ref = parts[0]?.udh?.reference ?? -1;
    expect(wire(parts)).toEqual([
      udhHex(ref, 2, 1) + asciiSeptets('b'.repeat(153)),
      udhHex(ref, 2, 2) + asciiSeptets(`${'b'.repeat(7)}c`),
    ]);
  });

  it('sends 70 UCS-2 characters as one part and 71 as two, a surrogate pair never split', async () => {
    const one = await send(app(), who, 'ж'.repeat(70));
    const two = await send(app(), who, 'ж'.repeat(71));
    const pair = await send(app(), who, `${'ж'.repeat(66)}😀${'ж'.repeat(4)}`);
    expect([one, two, pair].map((m) => [m.encoding, m.segments])).toEqual([
      ['UCS-2', 1],
      ['UCS-2', 2],
      ['UCS-2', 2],
    ]);
    await dispatchUntil(app(), [one.id, two.id, pair.id], ['sent']);
    expect(wire(await expectChargedAsSent(app(), smsc, one, 8))).toEqual([ucs2Hex('ж'.repeat(70))]);
    const twoParts = await expectChargedAsSent(app(), smsc, two, 8);
    const ref = twoParts[0]?.udh?.reference ?? -1;
    expect(wire(twoParts)).toEqual([
      udhHex(ref, 2, 1) + ucs2Hex('ж'.repeat(67)),
      udhHex(ref, 2, 2) + ucs2Hex('ж'.repeat(4)),
    ]);
    const pairParts = await expectChargedAsSent(app(), smsc, pair, 8);
    const pairRef = pairParts[0]?.udh?.reference ?? -1;
    expect(wire(pairParts)).toEqual([
      udhHex(pairRef, 2, 1) + ucs2Hex('ж'.repeat(66)),
      udhHex(pairRef, 2, 2) + ucs2Hex(`😀${'ж'.repeat(4)}`),
    ]);
  });

  it('moves an escape pair that would straddle a part boundary whole into the next part', async () => {
    const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
    const sent = await send(app(), who, text);
    expect([sent.encoding, sent.segments]).toEqual(['GSM-7', 2]);
    await dispatchUntil(app(), [sent.id], ['sent']);
    const parts = await expectChargedAsSent(app(), smsc, sent, 0);
    const ref = parts[0]?.udh?.reference ?? -1;
    expect(wire(parts)).toEqual([
      udhHex(ref, 2, 1) + asciiSeptets('a'.repeat(152)),
      `${udhHex(ref, 2, 2)}1b65${asciiSeptets('b'.repeat(10))}`,
    ]);
  });

  it('resumes a message whose later part is throttled past the retries: the missing part only, same reference', async () => {
    await smsc.command({ cmd: 'throttle', sequence: 2, times: 6 });
    const sent = await send(app(), who, 'z'.repeat(200));
    await dispatchUntil(app(), [sent.id], ['sent']);
    const parts = await expectChargedAsSent(app(), smsc, sent, 0);
    const tries = smsc.submits.filter((s) => s.destination_addr === sent.to.slice(1));
    // Part 1 once; part 2 throttled six times over two attempts, then accepted.
    expect(tries.map((s) => [s.udh?.sequence, s.status])).toEqual([
      [1, 0],
      ...Array.from({ length: 6 }, () => [2, 0x58]),
      [2, 0],
    ]);
    expect(new Set(tries.map((s) => s.udh?.reference)).size).toBe(1);
    const message = await row(app(), sent.id);
    expect(message.attempts).toBe(2);
    // The part accepted at the first attempt is tracked: its receipt counts for the message.
    await smsc.receipt(parts[0]?.message_id ?? '', 'DELIVRD');
    await smsc.receipt(parts[1]?.message_id ?? '', 'DELIVRD', { form: 'tlv' });
    await until(app(), [sent.id], ['delivered']);
    await expectLedgerClean(app());
  });
});

suite('SMPP against an independent SMSC: the pace', () => {
  const smsc = new PerlSmsc();
  let t: TestApp | undefined;

  beforeAll(async () => {
    await smsc.start();
    t = await appFor(smsc, { SMPP_THROUGHPUT: '5' });
  });
  afterAll(() => closeAll(t, smsc));

  it('keeps SMPP_THROUGHPUT submit_sm a second across throttle pauses, without a burst when they end', async () => {
    if (!t) throw new Error('no app');
    const who = await customerWithCredit(t, '100');
    const sent = [];
    for (let i = 0; i < 12; i++) sent.push(await send(t, who, `paced message ${i}`));
    // The first message is throttled three times: its pauses grow (up to a second) while the
    // other messages wait for their turns, and must not all go when a pause ends.
    await smsc.command({ cmd: 'throttle', destination: sent[0]?.to.slice(1), times: 3 });
    await dispatchUntil(
      t,
      sent.map((s) => s.id),
      ['sent'],
    );
    const times = smsc.submits.map((s) => s.at);
    expect(times).toHaveLength(15);
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    // 200 ms apart at 5 a second; a burst puts them milliseconds apart. Slack for a loaded machine.
    expect(Math.min(...gaps), `gaps ${gaps.map(Math.round).join(', ')} ms`).toBeGreaterThanOrEqual(140);
    for (const s of sent) await expectChargedAsSent(t, smsc, s, 0);
  });
});

suite('SMPP against an independent SMSC: GSM 03.38 packed, data_coding 1', () => {
  const smsc = new PerlSmsc({ gsmPacked: true });
  let t: TestApp | undefined;

  beforeAll(async () => {
    await smsc.start();
    t = await appFor(smsc, { SMPP_GSM_DATA_CODING: '1', SMPP_GSM_PACKING: 'packed' });
  });
  afterAll(() => closeAll(t, smsc));

  it('packs 160 septets into 140 octets, 161 into two parts of 153 and 8, charged as sent', async () => {
    if (!t) throw new Error('no app');
    const who = await customerWithCredit(t, '100');
    const hello = await send(t, who, 'hellohello');
    const one = await send(t, who, `Price: 5€ ${'x'.repeat(149)}`);
    const two = await send(t, who, `${'y'.repeat(160)}@`);
    expect([hello.segments, one.segments, two.segments]).toEqual([1, 1, 2]);
    await dispatchUntil(t, [hello.id, one.id, two.id], ['sent']);
    // The packing example of GSM 03.38 (3GPP TS 23.038): "hellohello".
    expect(wire(await expectChargedAsSent(t, smsc, hello, 1))).toEqual(['e8329bfd4697d9ec37']);
    expect(wire(await expectChargedAsSent(t, smsc, one, 1)).map((hex) => hex.length / 2)).toEqual([140]);
    const parts = await expectChargedAsSent(t, smsc, two, 1);
    // 6 header octets, a fill bit, then 153 septets (140 octets in all); then 8 septets.
    expect(wire(parts).map((hex) => hex.length / 2)).toEqual([140, 14]);
  });
});

suite('SMPP against an independent SMSC: Latin-1 (data_coding 3)', () => {
  const smsc = new PerlSmsc();
  let t: TestApp | undefined;

  beforeAll(async () => {
    await smsc.start();
    t = await appFor(smsc, { SMPP_ALPHABET: 'latin1' });
  });
  afterAll(() => closeAll(t, smsc));

  it('charges and sends 140 octets as one part and 141 as two of 134 and 7; UCS-2 for other text', async () => {
    if (!t) throw new Error('no app');
    const who = await customerWithCredit(t, '100');
    const one = await send(t, who, `ça va, ñandú? ${'x'.repeat(126)}`);
    const two = await send(t, who, `ça va, ñandú? ${'x'.repeat(127)}`);
    // One GSM part, but two in Latin-1: charged for two, as the SMSC bills.
    const plain = await send(t, who, 'p'.repeat(150));
    const euro = await send(t, who, 'Price: 5€');
    expect([one, two, plain, euro].map((m) => [m.encoding, m.segments])).toEqual([
      ['Latin-1', 1],
      ['Latin-1', 2],
      ['Latin-1', 2],
      ['UCS-2', 1],
    ]);
    const estimate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: who.headers,
      payload: { to: [ukNumber()], text: 'p'.repeat(150) },
    });
    expect(estimate.json()).toMatchObject({ encoding: 'Latin-1', segments: 2 });
    await dispatchUntil(
      t,
      [one, two, plain, euro].map((m) => m.id),
      ['sent'],
    );
    const latin1 = (text: string) => Buffer.from(text, 'latin1').toString('hex');
    expect(wire(await expectChargedAsSent(t, smsc, one, 3))).toEqual([latin1(one.text)]);
    const parts = await expectChargedAsSent(t, smsc, two, 3);
    const ref = parts[0]?.udh?.reference ?? -1;
    expect(wire(parts)).toEqual([
      udhHex(ref, 2, 1) + latin1(two.text.slice(0, 134)),
      udhHex(ref, 2, 2) + latin1(two.text.slice(134)),
    ]);
    expect(await expectChargedAsSent(t, smsc, plain, 3)).toHaveLength(2);
    expect(wire(await expectChargedAsSent(t, smsc, euro, 8))).toEqual([ucs2Hex('Price: 5€')]);
  });
});

suite('SMPP against an independent SMSC: killed mid-campaign and restarted', () => {
  const smsc = new PerlSmsc();
  let t: TestApp | undefined;

  beforeAll(async () => {
    await smsc.start();
    // A window of one: when the SMSC dies, only the PDU it died on is unanswered, so what it
    // accepted before is known exactly (with more in flight, answers lost in the crash would be
    // sent again: at least once, and billed twice).
    t = await appFor(smsc, { SMPP_WINDOW: '1' });
  });
  afterAll(() => closeAll(t, smsc));

  it('rebinds, finishes every message with its parts accepted once, and applies the receipts sent after the restart', async () => {
    if (!t) throw new Error('no app');
    const who = await customerWithCredit(t, '1000');
    const recipients = Array.from({ length: 8 }, () => ({ to: ukNumber() }));
    const text = `Campaign ${'w'.repeat(180)} €end`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: who.headers,
      payload: { name: 'crash', text, recipients },
    });
    expect(created.statusCode, created.body).toBe(201);
    const campaignId: string = created.json().id;
    // The SMSC dies on the third second part it receives: that message is cut between its parts.
    await smsc.command({ cmd: 'crash_on', sequence: 2, skip: 2 });
    const dispatcher = startDispatcher(t.ctx);
    await smsc.gone();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await smsc.start();
    const { rows: messages } = await t.ctx.db.query<{ id: string; to_number: string; segments: number }>(
      'select id, to_number, segments from messages where campaign_id = $1 order by to_number',
      [campaignId],
    );
    expect(messages).toHaveLength(8);
    try {
      await until(
        t,
        messages.map((m) => m.id),
        ['sent'],
      );
    } finally {
      await dispatcher.stop();
    }
    const crashed = smsc.submits.find((s) => s.status === 'crashed');
    expect(crashed?.incarnation).toBe(0);
    expect(smsc.accepted.some((s) => s.incarnation === 1)).toBe(true);
    const all = messages.map((m) => ({
      id: m.id,
      to: m.to_number,
      text,
      encoding: 'GSM-7',
      segments: m.segments,
      credits: '',
    }));
    for (const sent of all) await expectChargedAsSent(t, smsc, sent, 0);
    // The message the SMSC died on: part 1 accepted before, part 2 after the restart.
    const cut = all.find((m) => m.to.slice(1) === crashed?.destination_addr);
    if (!cut) throw new Error('the crash hit no message');
    expect(partsOf(smsc, cut).map((p) => p.incarnation)).toEqual([0, 1]);
    // The SMSC billed exactly the parts charged.
    expect(smsc.accepted).toHaveLength(all.reduce((sum, m) => sum + m.segments, 0));

    // Receipts from the restarted SMSC, for parts either incarnation accepted, in both forms:
    // part 1 of the message cut by the crash was not delivered.
    for (const [i, part] of smsc.accepted.entries()) {
      const undelivered = part.destination_addr === crashed?.destination_addr && part.udh?.sequence === 1;
      await smsc.receipt(part.message_id ?? '', undelivered ? 'UNDELIV' : 'DELIVRD', {
        form: i % 2 === 0 ? 'tlv' : 'text',
        ...(undelivered ? { err: '001' } : { decimal: i % 3 === 0 }),
      });
    }
    const others = all.filter((m) => m.id !== cut.id).map((m) => m.id);
    await until(t, others, ['delivered']);
    await until(t, [cut.id], ['failed']);
    expect((await row(t, cut.id)).error).toMatch(/part 1 of 2: UNDELIV/);
    const { rows: refunds } = await t.ctx.db.query<{ id: string }>(
      'select id from ledger_transfers where id = $1',
      [refundTransferId(cut.id)],
    );
    expect(refunds).toHaveLength(1);
    await expectLedgerClean(t);
  });
});

suite('SMPP against an independent SMSC: receipts after Tollgate restarts', () => {
  const smsc = new PerlSmsc();
  let t: TestApp | undefined;

  beforeAll(async () => {
    await smsc.start();
    t = await appFor(smsc);
  });
  afterAll(() => closeAll(t, smsc));

  it('matches receipts for messages sent before the restart by the SMSC id stored with them', async () => {
    if (!t) throw new Error('no app');
    const who = await customerWithCredit(t, '100');
    const short = await send(t, who, 'sent before the restart');
    const long = await send(t, who, 'l'.repeat(200));
    await dispatchUntil(t, [short.id, long.id], ['sent']);
    const shortParts = await expectChargedAsSent(t, smsc, short, 0);
    const longParts = await expectChargedAsSent(t, smsc, long, 0);
    // The process stops: its carrier unbinds and what it tracked in memory is gone.
    await t.ctx.carrier.close?.();
    await smsc.until((e) => e.event === 'unbind', 5000, 'the unbind');

    const { config, db, ledger } = t.ctx;
    const smppConfig = config.carriers.smpp;
    if (!smppConfig) throw new Error('no SMPP configuration');
    const logger = pino({ level: 'silent' });
    const carrier = new SmppCarrier(
      { ...smppConfig, unclaimedReceiptMs: 100 },
      { logger, now: () => new Date() },
    );
    const restarted = new MessagingService({
      config,
      db,
      ledger,
      logger,
      carriers: singleCarrier(carrier),
      now: () => new Date(),
    });
    try {
      const binds = () => smsc.events.filter((e) => e.event === 'bind' && e.ok === true).length;
      await smsc.until(() => binds() >= 2, 5000, 'the restarted process to bind');
      // The id written in decimal in the text, as some SMSCs do; the long one's last part by TLV.
      await smsc.receipt(shortParts[0]?.message_id ?? '', 'DELIVRD', { decimal: true });
      await smsc.receipt(longParts.at(-1)?.message_id ?? '', 'DELIVRD', { form: 'tlv' });
      const end = Date.now() + 10_000;
      while (
        (await row(t, short.id)).status !== 'delivered' ||
        (await row(t, long.id)).status !== 'delivered'
      ) {
        if (Date.now() > end) throw new Error('the receipts were not applied after the restart');
        await restarted.receipts.drain();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await carrier.close();
      await restarted.close();
    }
  });
});
