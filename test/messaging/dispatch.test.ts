// The dispatcher's outcomes with carriers that misbehave on purpose: transient refusals are
// retried with back-off, permanent ones release the hold, a submit that never answers is
// reconciled with the carrier (never sent twice, never charged for something unknown), each
// carrier's throughput is respected (in parts for a carrier that counts them), messages are
// priced by their carrier's alphabet, and a carrier's progress of a message cut short comes
// back with its next attempt.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingConfig } from '../../src/config.js';
import { claimDue } from '../../src/messaging/claim.js';
import type {
  Carrier,
  LookupResult,
  OutgoingSms,
  Receipt,
  SubmitResult,
} from '../../src/messaging/carriers/types.js';
import { dispatchDue } from '../../src/messaging/dispatch.js';
import { startDispatcher } from '../../src/messaging/dispatcher.js';
import { reconcileExpiredLeases } from '../../src/messaging/reconcile.js';
import { singleCarrier } from '../../src/messaging/carrier-set.js';
import { MessagingService } from '../../src/messaging/service.js';
import { idVariants } from '../../src/messaging/carriers/smpp/tracker.js';
import { postRequest } from '../../src/messaging/settle.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  expectLedgerClean,
  messagingApp,
  transferIds,
} from './helpers.js';

type Answer = SubmitResult | Promise<SubmitResult> | 'hang';

/** A carrier that answers each submit as the test scripts it, and records them. */
class ScriptedCarrier implements Carrier {
  readonly id = 'scripted';
  readonly submitted: { message: OutgoingSms; at: number }[] = [];
  lookup?: (messageId: string) => Promise<LookupResult>;

  constructor(
    private readonly answer: (message: OutgoingSms, nth: number) => Answer,
    readonly maxPerSecond?: number,
    readonly throughputCounts?: 'messages' | 'parts',
  ) {}

  submit(message: OutgoingSms): Promise<SubmitResult> {
    this.submitted.push({ message, at: performance.now() });
    const answer = this.answer(message, this.submitted.filter((s) => s.message.id === message.id).length);
    if (answer === 'hang') return new Promise<SubmitResult>(() => {});
    return Promise.resolve(answer);
  }

  onReceipt(_cb: (r: Receipt) => void): void {}
}

const ok = (): SubmitResult => ({ ok: true, carrierMessageId: `c_${Math.random().toString(36).slice(2)}` });

describe('dispatch outcomes', () => {
  let t: TestApp;
  let defaults: MessagingConfig;
  beforeAll(async () => {
    t = await messagingApp();
    defaults = { ...t.ctx.config.messaging };
  });
  afterEach(async () => {
    await t.ctx.messaging.close();
    t.ctx.now = () => new Date();
    t.ctx.config.messaging = { ...defaults };
  });
  afterAll(() => closeApp(t));

  /** This test's settings and carrier, and a customer with `credits`. */
  async function setUp(
    settings: Partial<MessagingConfig>,
    carrier: Carrier,
    credits = '10',
  ): Promise<Customer> {
    t.ctx.config.messaging = { ...defaults, ...settings };
    await t.ctx.messaging.close();
    t.ctx.messaging = new MessagingService({
      ...t.ctx,
      carriers: singleCarrier(carrier),
      now: () => t.ctx.now(),
    });
    return customerWithCredit(t, credits);
  }

  /** POST /messages to a deliverable number: the answer's body. */
  async function send(customer: Customer, text = 'hello'): Promise<{ id: string }> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: customer.headers,
      payload: { to: deliverable(), text },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  }

  const sendOne = async (customer: Customer, text = 'hello') => (await send(customer, text)).id;

  const history = async (customer: Customer, id: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/messages/${id}`,
      headers: customer.headers,
    });
    return res.json();
  };

  it('retries a transient refusal with back-off, then sends and charges once', async () => {
    const carrier = new ScriptedCarrier((_m, nth) =>
      nth <= 2 ? { ok: false, permanent: false, reason: 'throttled' } : ok(),
    );
    const alice = await setUp({ retryBaseMs: 1_000 }, carrier);
    const id = await sendOne(alice);
    const start = Date.now();
    let offset = 0;
    t.ctx.now = () => new Date(Date.now() + offset);
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 0 }); // not due for a second
    offset = 1_100;
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
    offset = 2_200;
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 0 }); // the second delay doubled
    offset = 3_300;
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 1, sent: 1 });
    expect(Date.now() - start).toBeLessThan(30_000);
    const message = await history(alice, id);
    expect(message.status).toBe('sent');
    expect(message.attempts).toBe(3);
    expect(message.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sending',
      'queued',
      'sending',
      'queued',
      'sending',
      'sent',
    ]);
    expect(carrier.submitted).toHaveLength(3);
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `post:${id}`]);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 9_000_000n,
      held: 0n,
      available: 9_000_000n,
    });
  });

  it('gives up after MESSAGE_MAX_ATTEMPTS transient refusals and releases the hold', async () => {
    const carrier = new ScriptedCarrier(() => ({ ok: false, permanent: false, reason: 'network busy' }));
    const alice = await setUp({ maxAttempts: 3, retryBaseMs: 10 }, carrier);
    const id = await sendOne(alice);
    let offset = 0;
    t.ctx.now = () => new Date(Date.now() + offset);
    for (let i = 0; i < 3; i++) {
      await dispatchDue(t.ctx);
      offset += 1_000;
    }
    const message = await history(alice, id);
    expect(message).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: 'gave up after 3 attempts: network busy',
    });
    expect(carrier.submitted).toHaveLength(3);
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `void:${id}`]);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
    await expectLedgerClean(t);
  });

  it('fails a permanent refusal at once, never charging it', async () => {
    const carrier = new ScriptedCarrier(() => ({ ok: false, permanent: true, reason: 'number barred' }));
    const alice = await setUp({}, carrier);
    const id = await sendOne(alice);
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 1, failed: 1 });
    expect(await history(alice, id)).toMatchObject({
      status: 'failed',
      error: 'refused by scripted: number barred',
    });
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `void:${id}`]);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
  });

  it('leaves a submit that never answers to reconciliation, which fails it uncharged when the carrier cannot tell', async () => {
    const carrier = new ScriptedCarrier(() => 'hang');
    const alice = await setUp({ leaseMs: 2_000, submitTimeoutMs: 100 }, carrier);
    const id = await sendOne(alice);
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 1, unknown: 1 });
    expect((await history(alice, id)).status).toBe('sending');
    // Within its lease, nobody touches it.
    expect(await reconcileExpiredLeases(t.ctx)).toEqual({ sent: 0, requeued: 0, failed: 0, skipped: 0 });
    t.ctx.now = () => new Date(Date.now() + 2_500);
    expect(await reconcileExpiredLeases(t.ctx)).toMatchObject({ failed: 1 });
    const message = await history(alice, id);
    expect(message.status).toBe('failed');
    expect(message.error).toMatch(/outcome unknown.*cannot tell.*not charged/);
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `void:${id}`]);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
    // Nothing is due again: it is never sent a second time.
    expect(await dispatchDue(t.ctx)).toMatchObject({ claimed: 0 });
    expect(carrier.submitted).toHaveLength(1);
  });

  it('a stopping dispatcher finishes the submits in flight, settles them, and claims nothing more', async () => {
    const carrier = new ScriptedCarrier(
      () => new Promise<SubmitResult>((resolve) => setTimeout(() => resolve(ok()), 150)),
    );
    const alice = await setUp({ dispatchBatch: 5, dispatchConcurrency: 5 }, carrier, '20');
    for (let i = 0; i < 20; i++) await sendOne(alice);
    const dispatcher = startDispatcher(t.ctx);
    while (carrier.submitted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await dispatcher.stop();
    const { rows } = await t.ctx.db.query<{ status: string; n: bigint }>(
      `select status, count(*)::bigint as n from messages where account_id = $1 group by status order by status`,
      [alice.accountId],
    );
    const count = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    expect(count.sending).toBeUndefined();
    expect(count.sent).toBe(carrier.submitted.length);
    expect(count.sent).toBeLessThan(20);
    expect(count.queued).toBe(20 - carrier.submitted.length);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: BigInt(20 - carrier.submitted.length) * 1_000_000n,
      held: BigInt(20 - carrier.submitted.length) * 1_000_000n,
      available: 0n,
    });
    // What it never claimed is still the customer's to remove.
    const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: alice.headers });
    expect(removed.json()).toEqual({
      canceled: 20 - carrier.submitted.length,
      releasedCredits: String(20 - carrier.submitted.length),
    });
  });

  it('claims the next batch while the last is with the carrier, within a batch plus the submits in flight', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    let mostSending = 0;
    let accountId = '';
    const carrier = new ScriptedCarrier(async () => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const { rows } = await t.ctx.db.query<{ n: bigint }>(
        `select count(*)::bigint as n from messages where status = 'sending' and account_id = $1`,
        [accountId],
      );
      mostSending = Math.max(mostSending, Number(rows[0]?.n ?? 0n));
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight--;
      return ok();
    });
    const alice = await setUp({ dispatchBatch: 5, dispatchConcurrency: 3 }, carrier, '20');
    accountId = alice.accountId;
    for (let i = 0; i < 20; i++) await sendOne(alice);
    const report = await dispatchDue(t.ctx, { budgetMs: 60_000 });
    expect(report).toMatchObject({ claimed: 20, sent: 20, failed: 0, retried: 0, unknown: 0 });
    expect(mostInFlight).toBe(3);
    expect(mostSending).toBeGreaterThan(5);
    expect(mostSending).toBeLessThanOrEqual(8);
    expect(await balanceOf(t, alice.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
    await expectLedgerClean(t);
  });

  it('hands back what the carrier reported of a message cut short at its next attempt, kept through a retry that reports nothing', async () => {
    const carrier = new ScriptedCarrier((_m, nth): SubmitResult => {
      if (nth === 1) return { ok: false, permanent: false, reason: 'part 2 of 2: throttled', progress: 'p1' };
      if (nth === 2) return { ok: false, permanent: false, reason: 'not bound' };
      return ok();
    });
    const alice = await setUp({ retryBaseMs: 10 }, carrier);
    const id = await sendOne(alice, 'ж'.repeat(100));
    let offset = 0;
    t.ctx.now = () => new Date(Date.now() + offset);
    for (let i = 0; i < 3; i++) {
      await dispatchDue(t.ctx);
      offset += 1_000;
    }
    expect(carrier.submitted.map((s) => [s.message.progress, s.message.encoding])).toEqual([
      [undefined, 'UCS-2'],
      ['p1', 'UCS-2'],
      ['p1', 'UCS-2'],
    ]);
    expect((await history(alice, id)).status).toBe('sent');
    expect(await transferIds(t, `%:${id}`)).toEqual([`hold:${id}`, `post:${id}`]);
  });

  it('prices, stores and hands over messages by the alphabet of the carrier they go to (Latin-1 here)', async () => {
    class Latin1Carrier extends ScriptedCarrier {
      readonly alphabet = 'Latin-1';
    }
    const carrier = new Latin1Carrier(() => ok());
    const alice = await setUp({}, carrier, '30');
    // One GSM part, two Latin-1 parts (140/134 octets); "ç" stays Latin-1; "€" is UCS-2 there.
    expect(await send(alice, 'p'.repeat(150))).toMatchObject({ encoding: 'Latin-1', segments: 2 });
    expect(await send(alice, `ça ${'x'.repeat(137)}`)).toMatchObject({ encoding: 'Latin-1', segments: 1 });
    expect(await send(alice, '5€')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    const estimate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: alice.headers,
      payload: { to: [deliverable()], text: 'p'.repeat(150) },
    });
    expect(estimate.json()).toMatchObject({ encoding: 'Latin-1', segments: 2 });
    const campaign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: alice.headers,
      payload: {
        name: 'latin-1',
        text: `Hola {name}, ça va? ${'x'.repeat(120)}`,
        recipients: [
          { to: deliverable(), vars: { name: 'Ana' } },
          { to: deliverable(), vars: { name: 'Zoë Ñúñez' } },
        ],
      },
    });
    expect(campaign.statusCode, campaign.body).toBe(201);
    const { rows } = await t.ctx.db.query<{ encoding: string; segments: number; text: string }>(
      'select encoding, segments, text from messages where campaign_id = $1 order by text',
      [campaign.json().id],
    );
    expect(rows.map((m) => [m.encoding, m.segments, m.text.length])).toEqual([
      ['Latin-1', 1, 137],
      ['Latin-1', 2, 143],
    ]);
    await dispatchAll(t);
    expect(carrier.submitted.map((m) => m.message.encoding).sort()).toEqual([
      'Latin-1',
      'Latin-1',
      'Latin-1',
      'Latin-1',
      'UCS-2',
    ]);
  });

  it('gives a carrier that counts parts a token for each part', async () => {
    const carrier = new ScriptedCarrier(() => ok(), 10, 'parts');
    const alice = await setUp({}, carrier, '30');
    // Ten messages of two parts: 20 tokens at 10 a second, a bucket of 10.
    for (let i = 0; i < 10; i++) await sendOne(alice, 'p'.repeat(200));
    await dispatchAll(t);
    expect(carrier.submitted).toHaveLength(10);
    const times = carrier.submitted.map((s) => s.at);
    const first = times[0] ?? 0;
    // Counted as messages, all ten would go at once.
    expect((times[9] ?? 0) - first).toBeGreaterThanOrEqual(900);
    expect(times.filter((at) => at - first < 250).length).toBeLessThanOrEqual(7);
  });

  it('holds submits to a carrier’s declared throughput', async () => {
    const carrier = new ScriptedCarrier(() => ok(), 20);
    const alice = await setUp({}, carrier, '30');
    for (let i = 0; i < 30; i++) await sendOne(alice);
    await dispatchAll(t);
    expect(carrier.submitted).toHaveLength(30);
    const times = carrier.submitted.map((s) => s.at);
    const first = times[0] ?? 0;
    // A full bucket lets 20 go at once; the other 10 follow at 20 a second.
    expect((times[29] ?? 0) - first).toBeGreaterThanOrEqual(450);
    expect(times.filter((at) => at - first < 250).length).toBeLessThanOrEqual(25);
  });
});

describe('reconciliation with the simulator', () => {
  let t: TestApp;
  afterEach(() => closeApp(t));

  it('posts what the carrier has, sends again what it never received, and no message goes twice', async () => {
    t = await messagingApp({ MESSAGE_LEASE_MS: '2000', MESSAGE_SUBMIT_TIMEOUT_MS: '500' });
    const alice = await customerWithCredit(t, '20');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: alice.headers,
        payload: { to: deliverable(), text: `m${i}` },
      });
      ids.push(res.json().id);
    }
    // A worker claims them all, hands half to the carrier, and dies before recording anything.
    const claimed = await claimDue(t.ctx.db, {
      now: t.ctx.now(),
      limit: 100,
      leaseMs: 2_000,
      route: () => 'simulator',
    });
    expect(claimed).toHaveLength(10);
    for (const message of claimed.slice(0, 5)) {
      const result = await t.ctx.carrier.submit({ id: message.id, to: message.to, text: message.text });
      expect(result.ok).toBe(true);
    }
    await t.ctx.messaging.receipts.drain();
    t.ctx.now = () => new Date(Date.now() + 3_000);
    expect(await reconcileExpiredLeases(t.ctx)).toMatchObject({ sent: 5, requeued: 5, failed: 0 });
    await dispatchAll(t);

    const { rows } = await t.ctx.db.query<{ message_id: string; n: bigint }>(
      `select message_id, count(*)::bigint as n from simulator_messages where message_id = any($1::text[])
        group by message_id`,
      [ids],
    );
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.n === 1n)).toBe(true);
    const statuses = await t.ctx.db.query<{ status: string; n: bigint }>(
      `select status, count(*)::bigint as n from messages where id = any($1::text[]) group by status`,
      [ids],
    );
    expect(statuses.rows).toEqual([{ status: 'delivered', n: 10n }]);
    expect(await transferIds(t, 'post:%')).toHaveLength(10);
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
    await expectLedgerClean(t);
  });

  it('applies a receipt that overtook the record of its hand-off, once that record is written', async () => {
    t = await messagingApp();
    const { SimulatorCarrier } = await import('../../src/messaging/carriers/simulator.js');
    const slow = new SimulatorCarrier(t.ctx.db, {
      receiptDelayMs: 0,
      submitLatencyMs: 50,
      now: t.ctx.now,
      logger: t.ctx.logger,
    });
    await t.ctx.messaging.close();
    t.ctx.messaging = new MessagingService({
      ...t.ctx,
      carriers: singleCarrier(slow),
      now: () => t.ctx.now(),
    });
    const alice = await customerWithCredit(t, '5');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: alice.headers,
      payload: { to: deliverable(), text: 'race' },
    });
    const { id } = res.json();
    await dispatchAll(t);
    const message = (
      await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: alice.headers })
    ).json();
    expect(message.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    const receipts = await t.ctx.db.query<{ applied: boolean }>(
      'select applied_at is not null as applied from message_receipts where message_id = $1',
      [id],
    );
    expect(receipts.rows).toEqual([{ applied: true }]);
    // It did overtake: stored before the dispatcher recorded the hand-off.
    const order = await t.ctx.db.query<{ overtook: boolean }>(
      `select r.received_at < e.at as overtook from message_receipts r
         join message_events e on e.message_id = r.message_id and e.status = 'sent'
        where r.message_id = $1`,
      [id],
    );
    expect(order.rows).toEqual([{ overtook: true }]);
  });
});

describe('a receipt that overtakes the hand-off in this process', () => {
  let t: TestApp;
  afterEach(() => closeApp(t));

  /** A new app and customer with one message sent through the API and claimed for the simulator. */
  const sentAndClaimed = async (text: string) => {
    t = await messagingApp();
    const alice = await customerWithCredit(t, '5');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: alice.headers,
      payload: { to: deliverable(), text },
    });
    const { id } = res.json();
    const [message] = await claimDue(t.ctx.db, {
      now: t.ctx.now(),
      limit: 10,
      leaseMs: 60_000,
      route: () => 'simulator',
    });
    expect(message?.id).toBe(id);
    return { alice, id: id as string, attempt: message?.attempt ?? 0 };
  };

  /** The dispatcher's record that the simulator took the message as `carrierMessageId`. */
  const settleSent = async (accountId: string, id: string, attempt: number, carrierMessageId: string) => {
    const posted = await t.ctx.messaging.settle.submit(postRequest(id), accountId, {
      outcome: 'sent',
      messageId: id,
      attempt,
      at: new Date(),
      carrier: 'simulator',
      carrierMessageId,
      detail: `accepted by simulator as ${carrierMessageId}`,
    });
    expect(posted.ok).toBe(true);
  };

  it('is stored at once and applied as soon as the dispatcher has settled the message, without a sweep', async () => {
    const { alice, id, attempt } = await sentAndClaimed('overtaken');
    const inbox = t.ctx.messaging.receipts;
    inbox.expect(id);
    inbox.accept('simulator', {
      messageId: id,
      carrierMessageId: 'sim_x',
      status: 'delivered',
      at: new Date(),
    });
    const stored = async () =>
      (
        await t.ctx.db.query<{ applied: boolean }>(
          'select applied_at is not null as applied from message_receipts where message_id = $1',
          [id],
        )
      ).rows;
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await check()).toBe(true);
    };
    await waitFor(async () => (await stored()).length === 1);
    expect(await stored()).toEqual([{ applied: false }]);

    await settleSent(alice.accountId, id, attempt, 'sim_x');
    inbox.settled(id);
    // No drain, no sweep: the inbox applies it by itself.
    await waitFor(async () => (await stored())[0]?.applied === true);
    const { rows } = await t.ctx.db.query<{ status: string }>(
      'select status from message_events where message_id = $1 order by seq',
      [id],
    );
    expect(rows.map((r) => r.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(await balanceOf(t, alice.accountId)).toMatchObject({ balance: 4_000_000n, held: 0n });
  });

  it('named only by the carrier’s id (sent before a restart), finds its message by any spelling of that id', async () => {
    const { alice, id, attempt } = await sentAndClaimed('before the restart');
    await settleSent(alice.accountId, id, attempt, '1F4');
    const inbox = t.ctx.messaging.receipts;
    // The SMSC writes the id in decimal in its receipt; and one receipt is for no message of ours.
    for (const carrierMessageId of ['500', '999999']) {
      inbox.accept('simulator', {
        messageId: '',
        carrierMessageId,
        carrierMessageIds: idVariants(carrierMessageId),
        status: 'failed',
        reason: 'UNDELIV',
        at: new Date(),
      });
    }
    // The same id from another carrier is not this message's.
    inbox.accept('smpp', {
      messageId: '',
      carrierMessageId: '1F4',
      carrierMessageIds: ['1F4'],
      status: 'delivered',
      at: new Date(),
    });
    await inbox.drain();
    const { rows } = await t.ctx.db.query<{ status: string }>(
      'select status from message_events where message_id = $1 order by seq',
      [id],
    );
    expect(rows.map((r) => r.status)).toEqual(['queued', 'sending', 'sent', 'failed']);
    const stored = await t.ctx.db.query<{ message_id: string; carrier_message_id: string }>(
      'select message_id, carrier_message_id from message_receipts',
    );
    expect(stored.rows).toEqual([{ message_id: id, carrier_message_id: '500' }]);
    // Undelivered: refunded, as for any receipt.
    expect(await balanceOf(t, alice.accountId)).toMatchObject({ balance: 5_000_000n, held: 0n });
  });
});
