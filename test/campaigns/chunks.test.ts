// A started campaign reserves its credit a chunk at a time (CAMPAIGN_CHUNK_ROWS, here 4 rows):
// one hold per chunk, the first chunk turned into messages by the start, the rest by the
// dispatcher as it runs short of due messages. These tests hold the chunks to what a message's
// own hold promises: the credit is reserved once and never overdrawn, messages go out in row
// order, Remove outbox cancels chunks not yet fed (also while the dispatcher feeds them), and
// the ledger balances after every path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_JOBS } from '../../src/messaging/campaigns/jobs.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  dispatchAll,
  expectLedgerClean,
  messagingApp,
  topUp,
  removeOutboxWhileDispatching,
} from '../messaging/helpers.js';
import { csvOf, campaign, spanishNumbers, uploadCampaign } from './helpers.js';

const CREDIT = 1_000_000n;

async function chunks(t: TestApp, campaignId: string) {
  const { rows } = await t.ctx.db.query<{
    first_row: number;
    last_row: number;
    rows: number;
    status: string;
  }>(
    'select first_row, last_row, rows, status from campaign_chunks where campaign_id = $1 order by first_row',
    [campaignId],
  );
  return rows;
}

async function messageCounts(t: TestApp, campaignId: string): Promise<Record<string, number>> {
  const { rows } = await t.ctx.db.query<{ status: string; n: bigint }>(
    'select status, count(*)::bigint as n from messages where campaign_id = $1 group by status',
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function simulated(t: TestApp, campaignId: string): Promise<string[]> {
  const { rows } = await t.ctx.db.query<{ to_number: string }>(
    `select s.to_number from simulator_messages s join messages m on m.id = s.message_id
      where m.campaign_id = $1 order by s.to_number`,
    [campaignId],
  );
  return rows.map((r) => r.to_number);
}

async function staged(t: TestApp, campaignId: string): Promise<number> {
  const { rows } = await t.ctx.db.query<{ n: bigint }>(
    'select count(*)::bigint as n from campaign_rows where campaign_id = $1',
    [campaignId],
  );
  return Number(rows[0]?.n ?? 0n);
}

async function outbox(t: TestApp, who: Customer) {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/outbox', headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('a campaign reserved in chunks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp({ CAMPAIGN_CHUNK_ROWS: '4' });
  });
  afterAll(() => closeApp(t));

  it('holds once per chunk, feeds chunks to the dispatcher in row order, and waits for credit after them', async () => {
    const ana = await customerWithCredit(t, '10');
    const numbers = spanishNumbers(25, 1_000);
    const res = await uploadCampaign(t, ana, csvOf(numbers), { text: 'Chunked' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ recipients: 25, reserved: 10, waitingCredit: 15 });

    // Rows 2–5 (the header is row 1) fed at once; 6–9 and 10–11 (split where the credit ends) held.
    expect(await chunks(t, id)).toEqual([
      { first_row: 2, last_row: 5, rows: 4, status: 'fed' },
      { first_row: 6, last_row: 9, rows: 4, status: 'reserved' },
      { first_row: 10, last_row: 11, rows: 2, status: 'reserved' },
    ]);
    expect(await messageCounts(t, id)).toEqual({ queued: 4, waiting_credit: 15 });
    expect(await staged(t, id)).toBe(6);
    expect(await balanceOf(t, ana.accountId)).toEqual({
      balance: 10n * CREDIT,
      held: 10n * CREDIT,
      available: 0n,
    });
    let view = await campaign(t, ana, id);
    expect(view.counts).toMatchObject({ draft: 0, queued: 10, waiting_credit: 15 });
    expect(view.estimate).toMatchObject({ credits: '25', available: '0', shortfall: '15' });
    expect(await outbox(t, ana)).toMatchObject({
      messages: 25,
      reserved: { messages: 10, credits: '10' },
      waitingCredit: { messages: 15, credits: '15' },
      byCampaign: [{ campaignId: id, messages: 25, credits: '25' }],
    });

    await dispatchAll(t);
    expect((await chunks(t, id)).map((c) => c.status)).toEqual(['fed', 'fed', 'fed']);
    expect(await staged(t, id)).toBe(0);
    expect(await simulated(t, id)).toEqual(numbers.slice(0, 10));
    view = await campaign(t, ana, id);
    expect(view.counts).toMatchObject({ delivered: 10, queued: 0, waiting_credit: 15 });
    expect(await balanceOf(t, ana.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });

    // Credit arriving resumes the waiting rest, which needs no chunk.
    await topUp(t, ana.accountId, '15');
    const deadline = Date.now() + 10_000;
    while ((await campaign(t, ana, id)).counts.waiting_credit > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await dispatchAll(t);
    view = await campaign(t, ana, id);
    expect(view).toMatchObject({ status: 'completed', counts: { delivered: 25, waiting_credit: 0 } });
    expect(await simulated(t, id)).toEqual(numbers);
    expect(await balanceOf(t, ana.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
    await expectLedgerClean(t);
  });

  it('Remove outbox releases chunks not yet fed whole and counts their rows as canceled', async () => {
    const ben = await customerWithCredit(t, '30');
    const res = await uploadCampaign(t, ben, csvOf(spanishNumbers(18, 2_000)), { text: 'Cancel me' });
    const { id } = res.json();
    expect(res.json()).toMatchObject({ reserved: 18, waitingCredit: 0 });
    expect((await chunks(t, id)).map((c) => c.status)).toEqual([
      'fed',
      'reserved',
      'reserved',
      'reserved',
      'reserved',
    ]);
    expect(await balanceOf(t, ben.accountId)).toMatchObject({ held: 18n * CREDIT, available: 12n * CREDIT });

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}/outbox`,
      headers: ben.headers,
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toEqual({ canceled: 18, releasedCredits: '18' });
    expect((await chunks(t, id)).map((c) => c.status)).toEqual([
      'fed',
      'canceled',
      'canceled',
      'canceled',
      'canceled',
    ]);
    expect(await staged(t, id)).toBe(0);
    expect(await messageCounts(t, id)).toEqual({ canceled: 4 });
    expect((await campaign(t, ben, id)).counts).toMatchObject({ canceled: 18, queued: 0, draft: 0 });
    expect(await balanceOf(t, ben.accountId)).toEqual({
      balance: 30n * CREDIT,
      held: 0n,
      available: 30n * CREDIT,
    });
    await dispatchAll(t);
    expect(await simulated(t, id)).toEqual([]);
    // A second Remove outbox finds nothing.
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}/outbox`,
      headers: ben.headers,
    });
    expect(again.json()).toEqual({ canceled: 0, releasedCredits: '0' });
    await expectLedgerClean(t);
  });

  it('a scheduled campaign’s chunks wait until it is nearly due, and none is sent before its time', async () => {
    const cai = await customerWithCredit(t, '10');
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await uploadCampaign(t, cai, csvOf(spanishNumbers(9, 3_000)), { text: 'Later', scheduleAt });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect((await campaign(t, cai, id)).counts).toMatchObject({ scheduled: 9, queued: 0 });
    await dispatchAll(t);
    // The start fed the first chunk (as scheduled messages); the dispatcher leaves the rest.
    expect(await messageCounts(t, id)).toEqual({ scheduled: 4 });
    expect((await chunks(t, id)).map((c) => c.status)).toEqual(['fed', 'reserved', 'reserved']);
    expect(await simulated(t, id)).toEqual([]);
    expect(await balanceOf(t, cai.accountId)).toMatchObject({ held: 9n * CREDIT, available: 1n * CREDIT });

    // Its time comes (moved here rather than waited for): everything goes, in row order.
    const past = new Date(Date.now() - 1_000);
    await t.ctx.db.query('update campaigns set schedule_at = $2 where id = $1', [id, past]);
    await t.ctx.db.query(
      `update messages set schedule_at = $2, next_attempt_at = $2 where campaign_id = $1 and status = 'scheduled'`,
      [id, past],
    );
    await dispatchAll(t);
    expect(await messageCounts(t, id)).toEqual({ delivered: 9 });
    expect(await simulated(t, id)).toEqual(spanishNumbers(9, 3_000));
    expect(await balanceOf(t, cai.accountId)).toMatchObject({ held: 0n, available: 1n * CREDIT });
    await expectLedgerClean(t);
  });

  it('the worker’s job leaves reserved chunks to the dispatcher and only finishes rows in no chunk', async () => {
    const dee = await customerWithCredit(t, '5');
    const res = await uploadCampaign(t, dee, csvOf(spanishNumbers(12, 4_000)), {
      text: 'Stopped',
      draft: true,
    });
    const { id } = res.json();
    // As a process that stopped right after starting it would leave it: started, rows staged.
    await t.ctx.db.query(`update campaigns set status = 'running' where id = $1`, [id]);
    await t.ctx.db.query('update campaign_estimates set started_at = $2 where campaign_id = $1', [
      id,
      new Date(Date.now() - 5 * 60_000),
    ]);
    const job = CAMPAIGN_JOBS.find((j) => j.name === 'campaigns.materialise');
    if (!job) throw new Error('no materialise job');
    expect(await job.run(t.ctx)).toBe(12);
    expect(await chunks(t, id)).toEqual([
      { first_row: 2, last_row: 5, rows: 4, status: 'fed' },
      { first_row: 6, last_row: 6, rows: 1, status: 'reserved' },
    ]);
    expect((await campaign(t, dee, id)).counts).toMatchObject({ draft: 0, queued: 5, waiting_credit: 7 });
    expect(await job.run(t.ctx)).toBe(0);
    await dispatchAll(t);
    expect(await messageCounts(t, id)).toEqual({ delivered: 5, waiting_credit: 7 });
    await expectLedgerClean(t);
  });
});

describe('Remove outbox while the dispatcher feeds chunks', () => {
  let t: TestApp;
  afterAll(() => closeApp(t));

  it('no message is both canceled and sent, every row is counted once, and credits are conserved', async () => {
    t = await messagingApp({
      CAMPAIGN_CHUNK_ROWS: '25',
      MESSAGE_CARRIER_TPS: '400',
      MESSAGE_DISPATCH_BATCH: '20',
    });
    const eve = await customerWithCredit(t, '500');
    const total = 400;
    const res = await uploadCampaign(t, eve, csvOf(spanishNumbers(total, 5_000)), { text: 'Race' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ reserved: total, waitingCredit: 0 });

    const { canceled, releasedCredits } = await removeOutboxWhileDispatching(
      t,
      eve,
      async () => (await simulated(t, id)).length >= 60,
    );

    const count = await messageCounts(t, id);
    const sent = count.delivered ?? 0;
    const canceledChunks = (await chunks(t, id)).filter((c) => c.status === 'canceled');
    const canceledUnfed = canceledChunks.reduce((sum, c) => sum + c.rows, 0);
    expect(canceledChunks.length).toBeGreaterThan(0);
    expect((await chunks(t, id)).some((c) => c.status === 'reserved')).toBe(false);
    expect(Object.keys(count).sort()).toEqual(['canceled', 'delivered'].filter((s) => (count[s] ?? 0) > 0));
    expect((count.canceled ?? 0) + canceledUnfed).toBe(canceled);
    expect(sent + canceled).toBe(total);
    expect(sent).toBeGreaterThanOrEqual(60);
    expect(releasedCredits).toBe(String(canceled));
    expect(await simulated(t, id)).toHaveLength(sent);
    expect(await staged(t, id)).toBe(0);
    expect((await campaign(t, eve, id)).counts).toMatchObject({ delivered: sent, canceled, queued: 0 });

    const both = await t.ctx.db.query<{ message_id: string }>(
      `select message_id from message_events e join messages m on m.id = e.message_id
        where m.campaign_id = $1 group by message_id
       having bool_or(e.status = 'canceled') and bool_or(e.status in ('sending', 'sent'))`,
      [id],
    );
    expect(both.rows).toEqual([]);
    expect(await balanceOf(t, eve.accountId)).toEqual({
      balance: BigInt(500 - sent) * CREDIT,
      held: 0n,
      available: BigInt(500 - sent) * CREDIT,
    });
    await expectLedgerClean(t);
  });
});
