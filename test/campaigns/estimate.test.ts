// The cost calculator: recipients × segments × price per country and in total, against the
// credit available — for a JSON list or a CSV upload — and nothing stored or reserved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { balanceOf, closeApp, customerWithCredit, gsmText, messagingApp } from '../messaging/helpers.js';
import { multipart, stagedRows } from './helpers.js';

describe('POST /messages/estimate', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
  });
  afterAll(() => closeApp(t));

  it('prices a list per country and in total, with what is missing; nothing is stored', async () => {
    const alice = await customerWithCredit(t, '5');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: alice.headers,
      payload: {
        text: gsmText(2),
        to: ['+34612000001', '612000002', '+34 612 000 001', '+12127365000', 'call me', '+34612000003'],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      recipients: 4,
      invalid: [{ row: 5, to: 'call me', reason: 'is not a phone number' }],
      invalidCount: 1,
      duplicates: 1,
      encoding: 'GSM-7',
      segments: 2,
      totalSegments: 8,
      credits: '7.6',
      byCountry: [
        { country: 'ES', recipients: 3, credits: '6' },
        { country: 'US', recipients: 1, credits: '1.6' },
      ],
      available: '5',
      shortfall: '2.6',
    });
    expect(await balanceOf(t, alice.accountId)).toEqual({
      balance: 5_000_000n,
      held: 0n,
      available: 5_000_000n,
    });
    const { rows } = await t.ctx.db.query<{ n: bigint }>(
      'select (select count(*) from messages where account_id = $1) + (select count(*) from campaigns where account_id = $1) as n',
      [alice.accountId],
    );
    expect(rows[0]?.n).toBe(0n);
  });

  it('prices a CSV upload as a campaign would read it, placeholders and all', async () => {
    const bob = await customerWithCredit(t, '100');
    const csv = `phone;name\n+34612000001;Ann\n+34612000002;Ñoño\n+34612000003;${'z'.repeat(200)}\n`;
    const { body, contentType } = multipart([
      { name: 'text', value: 'Hi {name}' },
      { name: 'campaignFile', value: csv, filename: 'list.csv', contentType: 'text/csv' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: { ...bob.headers, 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    // Ñ is in GSM-7; the 200 z's make a 2-part message.
    expect(res.json()).toMatchObject({
      recipients: 3,
      encoding: 'GSM-7',
      segments: 2,
      totalSegments: 4,
      credits: '4',
      available: '100',
      shortfall: '0',
    });
    expect(await stagedRows(t)).toBe(0);
  });

  it('refuses a text that cannot be sent, and answers only with credentials', async () => {
    const carol = await customerWithCredit(t, '1');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      headers: carol.headers,
      payload: { text: '', to: ['+34612000001'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields).toEqual([{ path: 'body.text', message: 'must not be empty' }]);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages/estimate',
      payload: { text: 'x', to: ['+34612000001'] },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
