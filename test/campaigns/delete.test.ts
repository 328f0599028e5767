// DELETE /campaigns/{id}: a draft goes with its staged and refused rows, and no credit moves; a
// started campaign is 409 and keeps its messages and holds; another account's campaign is 404
// and stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import {
  balanceOf,
  closeApp,
  customerWithCredit,
  expectLedgerClean,
  messagingApp,
} from '../messaging/helpers.js';
import { csvOf, spanishNumbers, uploadCampaign } from './helpers.js';

async function stored(t: TestApp, id: string) {
  const count = async (sql: string) => {
    const { rows } = await t.ctx.db.query<{ n: bigint }>(sql, [id]);
    return Number(rows[0]?.n ?? 0n);
  };
  return {
    campaigns: await count('select count(*)::bigint as n from campaigns where id = $1'),
    estimates: await count('select count(*)::bigint as n from campaign_estimates where campaign_id = $1'),
    rows: await count('select count(*)::bigint as n from campaign_rows where campaign_id = $1'),
    invalid: await count('select count(*)::bigint as n from campaign_invalid_rows where campaign_id = $1'),
    messages: await count('select count(*)::bigint as n from messages where campaign_id = $1'),
  };
}

describe('deleting a campaign', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
  });
  afterAll(() => closeApp(t));

  it('a draft is deleted with its staged and refused rows; no credit moves; then it is not found', async () => {
    const alice = await customerWithCredit(t, '10');
    const res = await uploadCampaign(t, alice, csvOf([...spanishNumbers(4, 700), 'not a number']), {
      text: 'Draft',
      draft: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(await stored(t, id)).toEqual({ campaigns: 1, estimates: 1, rows: 4, invalid: 1, messages: 0 });
    const before = await balanceOf(t, alice.accountId);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}`,
      headers: alice.headers,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(deleted.body).toBe('');
    expect(await stored(t, id)).toEqual({ campaigns: 0, estimates: 0, rows: 0, invalid: 0, messages: 0 });
    expect(await balanceOf(t, alice.accountId)).toEqual(before);

    for (const [method, url] of [
      ['GET', `/api/v1/campaigns/${id}`],
      ['DELETE', `/api/v1/campaigns/${id}`],
      ['POST', `/api/v1/campaigns/${id}/start`],
    ] as const) {
      const gone = await t.app.inject({ method, url, headers: alice.headers });
      expect(gone.statusCode, `${method} ${url}`).toBe(404);
      expect(gone.json().error.code).toBe('not_found');
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: alice.headers });
    expect(list.json().data.map((c: { id: string }) => c.id)).not.toContain(id);
    await expectLedgerClean(t);
  });

  it('a started campaign is 409 and keeps its messages and its holds', async () => {
    const bob = await customerWithCredit(t, '2');
    const res = await uploadCampaign(t, bob, csvOf(spanishNumbers(3, 800)), { text: 'Started' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ status: 'running', reserved: 2, waitingCredit: 1 });
    const before = await stored(t, id);
    const balance = await balanceOf(t, bob.accountId);

    const refused = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}`,
      headers: bob.headers,
    });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'conflict',
      details: { status: 'running', reason: 'campaign_started' },
    });
    expect(await stored(t, id)).toEqual(before);
    expect(before.messages).toBe(3);
    expect(await balanceOf(t, bob.accountId)).toEqual(balance);

    // A draft started afterwards is no longer deletable either.
    const draft = await uploadCampaign(t, bob, csvOf(spanishNumbers(1, 900)), { text: 'Later', draft: true });
    const draftId = draft.json().id;
    const started = await t.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${draftId}/start`,
      headers: bob.headers,
    });
    expect(started.statusCode, started.body).toBe(200);
    const late = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${draftId}`,
      headers: bob.headers,
    });
    expect(late.statusCode).toBe(409);
    expect((await stored(t, draftId)).campaigns).toBe(1);
    await expectLedgerClean(t);
  });

  it('another account’s draft is 404 and stays; without credentials 401', async () => {
    const erin = await customerWithCredit(t, '5');
    const mallory = await customerWithCredit(t, '5');
    const res = await uploadCampaign(t, erin, csvOf(spanishNumbers(2, 1000)), { text: 'Mine', draft: true });
    const { id } = res.json();
    const theirs = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${id}`,
      headers: mallory.headers,
    });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('not_found');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/campaigns/${id}` })).statusCode).toBe(401);
    expect(await stored(t, id)).toMatchObject({ campaigns: 1, rows: 2 });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const operation = doc.json().paths['/api/v1/campaigns/{id}'].delete;
    expect(operation.summary).toMatch(/draft/);
    expect(Object.keys(operation.responses)).toContain('204');
  });
});
