// Files that are not a campaign are refused whole, with a clear message, before anything is
// charged: no phone column, binary content, not UTF-8, empty, a text naming a missing column,
// fields after the file, and an upload over CAMPAIGN_UPLOAD_MAX_BYTES (413).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { balanceOf, closeApp, customerWithCredit, messagingApp } from '../messaging/helpers.js';
import { multipart, stagedRows, uploadCampaign } from './helpers.js';

async function expectNothingCharged(t: TestApp, who: Customer): Promise<void> {
  expect(await balanceOf(t, who.accountId)).toEqual({
    balance: 10_000_000n,
    held: 0n,
    available: 10_000_000n,
  });
  const { rows } = await t.ctx.db.query<{ campaigns: bigint; messages: bigint }>(
    `select (select count(*) from campaigns where account_id = $1) as campaigns,
            (select count(*) from messages where account_id = $1) as messages`,
    [who.accountId],
  );
  expect(rows[0]).toEqual({ campaigns: 0n, messages: 0n });
  expect(await stagedRows(t)).toBe(0);
}

describe('refused campaign files', () => {
  let t: TestApp;
  let small: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
    small = await messagingApp({ CAMPAIGN_UPLOAD_MAX_BYTES: '2048' });
  });
  afterAll(async () => {
    await closeApp(t);
    await closeApp(small);
  });

  const cases: [string, string | Buffer, RegExp][] = [
    ['a CSV without a phone column', 'name,city\nAna,Madrid\n', /has no phone column/],
    [
      'a binary file',
      Buffer.concat([Buffer.from('phone\n+34612000001\n'), Buffer.from([0, 1, 2, 0xff, 0, 7])]),
      /binary/,
    ],
    ['a file that is not UTF-8', Buffer.from('phone,name\n+34612000001,Jos\xe9\n', 'latin1'), /not UTF-8/],
    ['an empty file', '', /is empty/],
    ['a file of only a BOM and blank lines', '\uFEFF\r\n\r\n', /is empty/],
    ['a header without rows', 'phone,name\n', /has no recipients/],
    ['a quote that never closes', 'phone,name\n+34612000001,"Ana\n', /not a valid CSV/],
  ];

  for (const [what, file, message] of cases) {
    it(`refuses ${what} with 400 and charges nothing`, async () => {
      const alice = await customerWithCredit(t, '10');
      const res = await uploadCampaign(t, alice, file, { text: 'Hello' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(JSON.stringify(res.json().error.details.fields)).toMatch(message);
      await expectNothingCharged(t, alice);
    });
  }

  it('refuses a binary file whose NUL bytes come after thousands of good rows, removing what was staged', async () => {
    const alice = await customerWithCredit(t, '10');
    const rows = Array.from({ length: 12_000 }, (_, i) => `+3461${String(i).padStart(7, '0')}`);
    const file = Buffer.concat([Buffer.from(`phone\n${rows.join('\n')}\n`), Buffer.alloc(64)]);
    const res = await uploadCampaign(t, alice, file, { text: 'Hello', chunked: true });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toMatch(/binary/);
    await expectNothingCharged(t, alice);
  });

  it('refuses a text naming a column the file lacks, and fields sent after the file', async () => {
    const alice = await customerWithCredit(t, '10');
    const res = await uploadCampaign(t, alice, 'phone,name\n+34612000001,Ana\n', { text: 'Hi {surname}' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.fields).toEqual([
      {
        path: 'body.text',
        message: 'uses {surname}, which the file has no column for (columns: phone, name)',
      },
    ]);
    const late = multipart([
      { name: 'name', value: 'Late' },
      { name: 'file', value: 'phone\n+34612000001\n', filename: 'a.csv' },
      { name: 'text', value: 'Hello' },
    ]);
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { ...alice.headers, 'content-type': late.contentType },
      payload: late.body,
    });
    expect(after.statusCode, after.body).toBe(400);
    expect(JSON.stringify(after.json().error.details.fields)).toMatch(
      /is required \(send it before the file\)/,
    );
    await expectNothingCharged(t, alice);
  });

  it('refuses an upload over the size limit with 413 and charges nothing', async () => {
    const alice = await customerWithCredit(small, '10');
    const rows = Array.from({ length: 20_000 }, (_, i) => `+3461${String(i).padStart(7, '0')}`);
    const file = `phone\n${rows.join('\n')}\n`;
    // Refused from Content-Length before reading, and while reading a chunked upload.
    for (const chunked of [false, true]) {
      const res = await uploadCampaign(small, alice, file, { text: 'Hello', chunked });
      expect(res.statusCode, res.body).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
      await expectNothingCharged(small, alice);
    }
  });
});
