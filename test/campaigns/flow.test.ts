// A campaign's life: a draft reserves nothing until it is started; a campaign larger than the
// balance sends what is paid for (through the dispatcher to the simulator) and the rest waits
// in the outbox until credit arrives; Remove outbox while the dispatcher sends conserves
// credits; Idempotency-Key on uploads; other accounts' campaigns are not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_JOBS } from '../../src/messaging/campaigns/jobs.js';
import { startDispatcher } from '../../src/messaging/dispatcher.js';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  dispatchAll,
  expectLedgerClean,
  messagingApp,
  topUp,
} from '../messaging/helpers.js';
import { csvOf, campaign, spanishNumbers, uploadCampaign } from './helpers.js';

describe('campaigns from start to delivery', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
  });
  afterAll(() => closeApp(t));

  it('a draft reserves nothing; starting it reserves in order as far as the credit goes, once', async () => {
    const alice = await customerWithCredit(t, '3');
    const res = await uploadCampaign(t, alice, csvOf(spanishNumbers(5, 100)), { text: 'Draft', draft: true });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ status: 'draft', recipients: 5, reserved: 0, waitingCredit: 0 });
    expect(res.json().estimate).toMatchObject({ credits: '5', available: '3', shortfall: '2' });
    const draft = await campaign(t, alice, id);
    expect(draft).toMatchObject({ status: 'draft', startedAt: null });
    expect(draft.counts).toMatchObject({ draft: 5, queued: 0, waiting_credit: 0 });
    expect(await balanceOf(t, alice.accountId)).toMatchObject({ held: 0n, available: 3_000_000n });
    await dispatchAll(t);
    expect((await campaign(t, alice, id)).counts.draft).toBe(5);

    const started = await t.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${id}/start`,
      headers: alice.headers,
    });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({ status: 'running' });
    expect(started.json().counts).toMatchObject({ draft: 0, queued: 3, waiting_credit: 2 });
    expect(started.json().estimate).toMatchObject({ credits: '5', available: '0', shortfall: '2' });
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${id}/start`,
      headers: alice.headers,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    const { rows } = await t.ctx.db.query<{ to_number: string; status: string }>(
      'select to_number, status from messages where campaign_id = $1 order by created_at, id',
      [id],
    );
    expect(rows.map((r) => r.status)).toEqual([
      'queued',
      'queued',
      'queued',
      'waiting_credit',
      'waiting_credit',
    ]);
    expect(rows.map((r) => r.to_number)).toEqual(spanishNumbers(5, 100));
  });

  it('a campaign larger than the balance sends the affordable part; credit arriving sends the rest', async () => {
    const bob = await customerWithCredit(t, '10');
    const numbers = spanishNumbers(25, 200);
    const res = await uploadCampaign(t, bob, csvOf(numbers), { text: 'Big sale' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ recipients: 25, reserved: 10, waitingCredit: 15 });
    expect(res.json().estimate).toMatchObject({ credits: '25', available: '0', shortfall: '15' });

    await dispatchAll(t);
    let view = await campaign(t, bob, id);
    expect(view.counts).toMatchObject({ delivered: 10, waiting_credit: 15, queued: 0 });
    const simulated = async () => {
      const { rows } = await t.ctx.db.query<{ to_number: string }>(
        `select s.to_number from simulator_messages s join messages m on m.id = s.message_id
          where m.campaign_id = $1 order by s.to_number`,
        [id],
      );
      return rows.map((r) => r.to_number);
    };
    expect(await simulated()).toEqual(numbers.slice(0, 10));

    // An operator's adjustment tells credit.arrived, which resumes the outbox at once.
    await topUp(t, bob.accountId, '15');
    const deadline = Date.now() + 10_000;
    while ((await campaign(t, bob, id)).counts.waiting_credit > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await dispatchAll(t);
    view = await campaign(t, bob, id);
    expect(view.status).toBe('completed');
    expect(view.counts).toMatchObject({ delivered: 25, waiting_credit: 0 });
    expect(await simulated()).toEqual(numbers);
    expect(await balanceOf(t, bob.accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
    await expectLedgerClean(t);
  });

  it('Idempotency-Key: the same upload again replays the answer; another file with the key is 409', async () => {
    const carol = await customerWithCredit(t, '10');
    const headers = { 'idempotency-key': 'upload-1' };
    const first = await uploadCampaign(t, carol, csvOf(spanishNumbers(3, 300)), { text: 'Once', headers });
    expect(first.statusCode, first.body).toBe(201);
    const second = await uploadCampaign(t, carol, csvOf(spanishNumbers(3, 300)), { text: 'Once', headers });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const other = await uploadCampaign(t, carol, csvOf(spanishNumbers(4, 300)), { text: 'Once', headers });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
    const { rows } = await t.ctx.db.query<{ campaigns: bigint; messages: bigint; staged: bigint }>(
      `select (select count(*) from campaigns where account_id = $1) as campaigns,
              (select count(*) from messages where account_id = $1) as messages,
              (select count(*) from campaign_rows) as staged`,
      [carol.accountId],
    );
    expect(rows[0]).toEqual({ campaigns: 1n, messages: 3n, staged: 0n });
    expect(await balanceOf(t, carol.accountId)).toMatchObject({ held: 3_000_000n });
  });

  it('Idempotency-Key: a retry after the first process died with the campaign made finds that campaign', async () => {
    const dave = await customerWithCredit(t, '10');
    const headers = { 'idempotency-key': 'upload-died' };
    const csv = csvOf(spanishNumbers(4, 400));
    const first = await uploadCampaign(t, dave, csv, { text: 'Once only', headers });
    expect(first.statusCode, first.body).toBe(201);
    // The process that ran it was killed after the campaign's commit, before the key's answer was
    // stored: its lease ran out, so the retry takes the key over as if it were new.
    await t.ctx.db.query('delete from idempotency_keys where key = $1', ['upload-died']);
    const retry = await uploadCampaign(t, dave, csv, { text: 'Once only', headers });
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.json()).toMatchObject({ id: first.json().id, status: 'running', recipients: 4 });
    const { rows } = await t.ctx.db.query<{ campaigns: bigint; messages: bigint; staged: bigint }>(
      `select (select count(*) from campaigns where account_id = $1) as campaigns,
              (select count(*) from messages where account_id = $1) as messages,
              (select count(*) from campaign_rows) as staged`,
      [dave.accountId],
    );
    expect(rows[0]).toEqual({ campaigns: 1n, messages: 4n, staged: 0n });
    expect(await balanceOf(t, dave.accountId)).toMatchObject({ held: 4_000_000n, available: 6_000_000n });
    await expectLedgerClean(t);
  });

  it('the worker finishes a started campaign whose process stopped before reserving it all', async () => {
    const gus = await customerWithCredit(t, '4');
    const res = await uploadCampaign(t, gus, csvOf(spanishNumbers(6, 700)), { text: 'Half', draft: true });
    const { id } = res.json();
    // As a process that stopped right after creating it would leave it: started, rows staged.
    await t.ctx.db.query(`update campaigns set status = 'running' where id = $1`, [id]);
    await t.ctx.db.query('update campaign_estimates set started_at = $2 where campaign_id = $1', [
      id,
      new Date(Date.now() - 5 * 60_000),
    ]);
    const job = CAMPAIGN_JOBS.find((j) => j.name === 'campaigns.materialise');
    if (!job) throw new Error('no materialise job');
    expect(await job.run(t.ctx)).toBe(6);
    expect((await campaign(t, gus, id)).counts).toMatchObject({ draft: 0, queued: 4, waiting_credit: 2 });
    expect(await job.run(t.ctx)).toBe(0);
    await expectLedgerClean(t);
  });

  it('lists campaigns newest first, page by page', async () => {
    const dan = await customerWithCredit(t, '10');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await uploadCampaign(t, dan, csvOf(spanishNumbers(1, 400 + i)), {
        name: `C${i}`,
        text: 'x',
      });
      ids.push(res.json().id);
    }
    const first = await t.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns?limit=2',
      headers: dan.headers,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data.map((c: { name: string }) => c.name)).toEqual(['C2', 'C1']);
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/campaigns?limit=2&cursor=${first.json().nextCursor}`,
      headers: dan.headers,
    });
    expect(next.json()).toMatchObject({
      data: [{ id: ids[0], name: 'C0', counts: { queued: 1 } }],
      nextCursor: null,
    });
  });

  it('another account’s campaign is not found, and nothing answers without credentials', async () => {
    const erin = await customerWithCredit(t, '10');
    const mallory = await customerWithCredit(t, '10');
    const res = await uploadCampaign(t, erin, csvOf(spanishNumbers(2, 500)), { text: 'Mine', draft: true });
    const { id } = res.json();
    for (const [method, url] of [
      ['GET', `/api/v1/campaigns/${id}`],
      ['GET', `/api/v1/campaigns/${id}/invalid`],
      ['POST', `/api/v1/campaigns/${id}/start`],
      ['DELETE', `/api/v1/campaigns/${id}/outbox`],
    ] as const) {
      const theirs = await t.app.inject({ method, url, headers: mallory.headers });
      expect(theirs.statusCode, `${method} ${url}`).toBe(404);
      expect(theirs.json().error.code).toBe('not_found');
      const anonymous = await t.app.inject({ method, url });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: mallory.headers });
    expect(list.json().data).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/campaigns' })).statusCode).toBe(401);
    const upload = await uploadCampaign(t, { ...mallory, headers: {} }, csvOf(spanishNumbers(1, 600)), {
      text: 'x',
    });
    expect(upload.statusCode).toBe(401);
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: 'x', text: 'x', recipients: [{ to: '+34612000001' }] },
    });
    expect(json.statusCode).toBe(401);
    expect((await campaign(t, erin, id)).status).toBe('draft');
  });
});

describe('Remove outbox on a campaign while the dispatcher sends it', () => {
  let t: TestApp;
  afterAll(() => closeApp(t));

  it('cancels only what no carrier has: counts add up and credits are conserved', async () => {
    t = await messagingApp({ MESSAGE_CARRIER_TPS: '100', MESSAGE_DISPATCH_BATCH: '50' });
    const alice = await customerWithCredit(t, '700');
    const total = 1_000;
    // Every 50th number fails at the simulator (ends in 0000).
    const numbers = Array.from({ length: total }, (_, i) =>
      i % 50 === 0 ? `+3461${String(i).padStart(3, '0')}0000` : `+3462${String(i).padStart(7, '0')}`,
    );
    const res = await uploadCampaign(t, alice, csvOf(numbers), { text: 'Everything must go' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ recipients: total, reserved: 700, waitingCredit: 300 });

    const dispatcher = startDispatcher(t.ctx);
    const handedOver = async () => {
      const { rows } = await t.ctx.db.query<{ n: bigint }>(
        `select count(*)::bigint as n from messages where campaign_id = $1 and status in ('sent', 'delivered', 'failed')`,
        [id],
      );
      return Number(rows[0]?.n ?? 0n);
    };
    while ((await handedOver()) < 100) await new Promise((r) => setTimeout(r, 20));
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}/outbox`,
      headers: alice.headers,
    });
    await dispatcher.stop();
    await dispatchAll(t);
    expect(removed.statusCode, removed.body).toBe(200);
    const { canceled, releasedCredits } = removed.json();

    const view = await campaign(t, alice, id);
    const { delivered, failed } = view.counts;
    expect(view.counts).toMatchObject({
      canceled,
      draft: 0,
      scheduled: 0,
      queued: 0,
      waiting_credit: 0,
      sending: 0,
      sent: 0,
    });
    expect(canceled + delivered + failed).toBe(total);
    expect(delivered).toBeGreaterThanOrEqual(90);
    expect(canceled).toBeGreaterThan(300);
    // The 300 waiting held nothing; every other canceled message returned its 1 credit.
    expect(releasedCredits).toBe(String(canceled - 300));
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: BigInt(700 - delivered) * 1_000_000n,
      held: 0n,
      available: BigInt(700 - delivered) * 1_000_000n,
    });
    await expectLedgerClean(t);
  });
});
