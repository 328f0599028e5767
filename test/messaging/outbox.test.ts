// The outbox (BulkGate's "out of credit mid-campaign" and "Remove outbox"): what waits, what it
// costs, removing it while the dispatcher is sending, and waiting messages going out by
// themselves, oldest first, when credit arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/messaging/campaigns/create-campaign.js';
import { MESSAGING_JOBS } from '../../src/messaging/jobs.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  expectLedgerClean,
  grant,
  gsmText,
  messagingApp,
  undeliverable,
  topUp,
  removeOutboxWhileDispatching,
} from './helpers.js';

const recipients = (n: number, failEvery = 0) =>
  Array.from({ length: n }, (_, i) => ({
    to: failEvery > 0 && i % failEvery === 0 ? undeliverable() : deliverable(),
  }));

describe('the outbox', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
  });
  afterAll(() => closeApp(t));

  const outbox = async (who: Customer) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/outbox', headers: who.headers })).json();

  it('lists what is not yet with a carrier — held and waiting — by campaign', async () => {
    const alice = await customerWithCredit(t, '10');
    const spring = await createCampaign(t.ctx, alice.accountId, {
      name: 'Spring',
      text: 'Spring sale',
      recipients: [...recipients(8), { to: 'not a number' }],
    });
    expect(spring).toMatchObject({ recipients: 8, reserved: 8, waitingCredit: 0 });
    expect(spring.invalid).toEqual([{ row: 9, to: 'not a number', reason: 'is not a phone number' }]);
    const summer = await createCampaign(t.ctx, alice.accountId, {
      name: 'Summer',
      text: 'Summer sale',
      recipients: recipients(5),
    });
    expect(summer).toMatchObject({ recipients: 5, reserved: 2, waitingCredit: 3 });
    const single = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: alice.headers,
      payload: { to: deliverable(), text: gsmText(2), onInsufficientCredit: 'queue' },
    });
    expect(single.json().status).toBe('waiting_credit');

    expect(await outbox(alice)).toEqual({
      messages: 14,
      credits: '15',
      reserved: { messages: 10, credits: '10' },
      waitingCredit: { messages: 4, credits: '5' },
      byCampaign: [
        {
          campaignId: spring.id,
          name: 'Spring',
          messages: 8,
          credits: '8',
          reserved: { messages: 8, credits: '8' },
          waitingCredit: { messages: 0, credits: '0' },
        },
        {
          campaignId: summer.id,
          name: 'Summer',
          messages: 5,
          credits: '5',
          reserved: { messages: 2, credits: '2' },
          waitingCredit: { messages: 3, credits: '3' },
        },
      ],
    });
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 10_000_000n,
      available: 0n,
    });

    // Remove outbox: everything canceled, exactly what was held returned.
    const removed = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: alice.headers });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toEqual({ canceled: 14, releasedCredits: '10' });
    expect(await outbox(alice)).toMatchObject({ messages: 0, credits: '0', byCampaign: [] });
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 10_000_000n,
      held: 0n,
      available: 10_000_000n,
    });
    const again = await t.app.inject({ method: 'DELETE', url: '/api/v1/outbox', headers: alice.headers });
    expect(again.json()).toEqual({ canceled: 0, releasedCredits: '0' });
    await dispatchAll(t);
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from simulator_messages where account_id = $1 and left(message_id, 4) = 'msg_'`,
      [alice.accountId],
    );
    expect(rows[0]?.n).toBe(0n);
    await expectLedgerClean(t);
  });

  it('removes one campaign’s outbox and leaves the rest', async () => {
    const bob = await customerWithCredit(t, '4');
    const first = await createCampaign(t.ctx, bob.accountId, {
      name: 'A',
      text: 'a',
      recipients: recipients(3),
    });
    const second = await createCampaign(t.ctx, bob.accountId, {
      name: 'B',
      text: 'b',
      recipients: recipients(3),
    });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${first.id}/outbox`,
      headers: bob.headers,
    });
    expect(res.json()).toEqual({ canceled: 3, releasedCredits: '3' });
    const left = await outbox(bob);
    expect(left.byCampaign).toEqual([
      {
        campaignId: second.id,
        name: 'B',
        messages: 3,
        credits: '3',
        reserved: { messages: 1, credits: '1' },
        waitingCredit: { messages: 2, credits: '2' },
      },
    ]);
    expect(left.reserved.messages).toBe(1);
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/campaigns/cmp_nope/outbox',
      headers: bob.headers,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('a campaign whose rest was removed is finished: what was sent, removed and charged, canceled ones charged nothing', async () => {
    const dora = await customerWithCredit(t, '3');
    // Five recipients at one credit each, the first and fourth failing: three reserved, two waiting.
    const campaign = await createCampaign(t.ctx, dora.accountId, {
      name: 'Autumn',
      text: 'Autumn sale',
      recipients: recipients(5, 3),
    });
    expect(campaign).toMatchObject({ recipients: 5, reserved: 3, waitingCredit: 2 });
    const view = async () =>
      (
        await t.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaign.id}`, headers: dora.headers })
      ).json();
    expect(await view()).toMatchObject({
      status: 'running',
      charged: '0',
      outbox: {
        messages: 5,
        reserved: { messages: 3, credits: '3' },
        waitingCredit: { messages: 2, credits: '2' },
      },
    });

    await dispatchAll(t);
    expect(await view()).toMatchObject({
      counts: { delivered: 2, failed: 1, waiting_credit: 2 },
      charged: '2', // the failed one was refunded
      outbox: { messages: 2, reserved: { messages: 0, credits: '0' }, waitingCredit: { messages: 2 } },
    });

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${campaign.id}/outbox`,
      headers: dora.headers,
    });
    expect(removed.json()).toEqual({ canceled: 2, releasedCredits: '0' });
    expect(await view()).toMatchObject({
      status: 'completed',
      counts: { delivered: 2, failed: 1, canceled: 2, waiting_credit: 0, queued: 0 },
      charged: '2',
      outbox: { messages: 0, reserved: { messages: 0, credits: '0' }, waitingCredit: { messages: 0 } },
    });

    const messages = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/messages?campaignId=${campaign.id}`,
        headers: dora.headers,
      })
    ).json().data as { status: string; credits: string; charged: string; refunded: boolean }[];
    const by = (status: string) => messages.filter((m) => m.status === status);
    expect(by('canceled').map((m) => [m.credits, m.charged])).toEqual([
      ['1', '0'],
      ['1', '0'],
    ]);
    expect(by('delivered').map((m) => m.charged)).toEqual(['1', '1']);
    expect(by('failed').map((m) => [m.charged, m.refunded])).toEqual([['0', true]]);
    expect(await balanceOf(t, dora.accountId)).toMatchObject({ balance: 1_000_000n, held: 0n });
    await expectLedgerClean(t);
  });

  it('waiting messages go out by themselves when credit arrives, oldest first, none jumping the queue', async () => {
    const carol = await customerWithCredit(t, null);
    const queue = async (parts: number) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: carol.headers,
        payload: { to: deliverable(), text: gsmText(parts), onInsufficientCredit: 'queue' },
      });
      expect(res.json().status).toBe('waiting_credit');
      return res.json().id as string;
    };
    const m1 = await queue(1);
    const m2 = await queue(1);
    const m3 = await queue(2);
    const m4 = await queue(1);
    const status = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: carol.headers })).json()
        .status;
    const resumeJob = MESSAGING_JOBS.find((job) => job.name === 'messaging.resume-waiting');
    if (!resumeJob) throw new Error('no resume job');

    await grant(t, carol.accountId, '3');
    await resumeJob.run(t.ctx);
    // 3 credits: m1 and m2 (1 each); m3 needs 2 with 1 left, so it waits — and m4, behind it, too.
    expect([await status(m1), await status(m2), await status(m3), await status(m4)]).toEqual([
      'queued',
      'queued',
      'waiting_credit',
      'waiting_credit',
    ]);
    expect(await balanceOf(t, carol.accountId)).toEqual({
      balance: 3_000_000n,
      held: 2_000_000n,
      available: 1_000_000n,
    });
    await dispatchAll(t);
    expect([await status(m1), await status(m2)]).toEqual(['delivered', 'delivered']);

    await grant(t, carol.accountId, '2');
    await resumeJob.run(t.ctx);
    await dispatchAll(t);
    expect([await status(m3), await status(m4)]).toEqual(['delivered', 'delivered']);
    const history = (
      await t.app.inject({ method: 'GET', url: `/api/v1/messages/${m3}`, headers: carol.headers })
    ).json().history;
    expect(history.map((h: { status: string }) => h.status)).toEqual([
      'waiting_credit',
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    expect(await balanceOf(t, carol.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
    await expectLedgerClean(t);
  });

  it('an operator’s credit adjustment sends waiting messages at once, without waiting for the job', async () => {
    const erin = await customerWithCredit(t, null);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: erin.headers,
      payload: { to: deliverable(), text: 'waiting', onInsufficientCredit: 'queue' },
    });
    const { id } = res.json();
    await topUp(t, erin.accountId, '1', 'goodwill');
    const status = async () =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/messages/${id}`, headers: erin.headers })).json()
        .status;
    const deadline = Date.now() + 5_000;
    while ((await status()) === 'waiting_credit' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await status()).toBe('queued');
    expect(await balanceOf(t, erin.accountId)).toEqual({
      balance: 1_000_000n,
      held: 1_000_000n,
      available: 0n,
    });
  });

  it('a campaign that ran out of credit continues by itself, in order, when credit arrives', async () => {
    const dave = await customerWithCredit(t, '2');
    const campaign = await createCampaign(t.ctx, dave.accountId, {
      name: 'C',
      text: 'c',
      recipients: recipients(5),
    });
    expect(campaign).toMatchObject({ reserved: 2, waitingCredit: 3 });
    await dispatchAll(t);
    await grant(t, dave.accountId, '3');
    await MESSAGING_JOBS.find((job) => job.name === 'messaging.resume-waiting')?.run(t.ctx);
    await dispatchAll(t);
    const { rows } = await t.ctx.db.query<{ id: string; status: string; reserved: Date }>(
      `select m.id, m.status, e.at as reserved from messages m
         join message_events e on e.message_id = m.id and e.status = 'queued'
        where m.campaign_id = $1 order by m.id`,
      [campaign.id],
    );
    expect(rows.map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'delivered',
    ]);
    // Reserved in the order they were created (ids sort by creation).
    const times = rows.map((r) => r.reserved.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(await balanceOf(t, dave.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
  });
});

describe('Remove outbox while the dispatcher is sending', () => {
  let t: TestApp;
  afterAll(() => closeApp(t));

  it('cancels only what no carrier has: counts add up, credits are conserved, nothing is both canceled and sent', async () => {
    t = await messagingApp({ MESSAGE_CARRIER_TPS: '400', MESSAGE_DISPATCH_BATCH: '100' });
    const alice = await customerWithCredit(t, '700');
    const total = 1_000;
    const campaign = await createCampaign(t.ctx, alice.accountId, {
      name: 'Big',
      text: 'Everything must go',
      recipients: recipients(total, 50),
    });
    expect(campaign).toMatchObject({ recipients: total, reserved: 700, waitingCredit: 300 });

    const handedOver = async () => {
      const { rows } = await t.ctx.db.query<{ n: bigint }>(
        `select count(*)::bigint as n from messages where campaign_id = $1 and status in ('sent', 'delivered', 'failed')`,
        [campaign.id],
      );
      return Number(rows[0]?.n ?? 0n);
    };
    const { canceled, releasedCredits } = await removeOutboxWhileDispatching(
      t,
      alice,
      async () => (await handedOver()) >= 100,
    );

    const { rows } = await t.ctx.db.query<{ status: string; n: bigint }>(
      `select status, count(*)::bigint as n from messages where campaign_id = $1 group by status`,
      [campaign.id],
    );
    const count = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const delivered = count.delivered ?? 0;
    const failed = count.failed ?? 0;
    expect(Object.keys(count).sort()).toEqual(
      ['canceled', 'delivered', 'failed'].filter((s) => (count[s] ?? 0) > 0).sort(),
    );
    expect(count.canceled).toBe(canceled);
    expect(canceled + delivered + failed).toBe(total);
    expect(delivered).toBeGreaterThanOrEqual(90);
    expect(canceled).toBeGreaterThan(300);
    // The 300 waiting held nothing; every other canceled message returned its 1 credit.
    expect(releasedCredits).toBe(String(canceled - 300));

    const both = await t.ctx.db.query<{ message_id: string }>(
      `select message_id from message_events e join messages m on m.id = e.message_id
        where m.campaign_id = $1 group by message_id
       having bool_or(e.status = 'canceled') and bool_or(e.status in ('sending', 'sent'))`,
      [campaign.id],
    );
    expect(both.rows).toEqual([]);
    const carrierGot = await t.ctx.db.query<{ status: string; n: bigint }>(
      `select m.status, count(*)::bigint as n from simulator_messages s join messages m on m.id = s.message_id
        where m.campaign_id = $1 group by m.status order by m.status`,
      [campaign.id],
    );
    expect(carrierGot.rows.map((r) => [r.status, Number(r.n)])).toEqual(
      [
        ['delivered', delivered],
        ['failed', failed],
      ].filter(([, n]) => n !== 0),
    );
    // Charged exactly the delivered ones; the failed were refunded, the canceled released.
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: BigInt(700 - delivered) * 1_000_000n,
      held: 0n,
      available: BigInt(700 - delivered) * 1_000_000n,
    });
    await expectLedgerClean(t);
  });
});
