// Campaign files as people export them: a BOM, `;` from a spreadsheet in a comma-decimal
// locale, quoted fields holding separators and line breaks, CRLF; placeholders filled per row
// (so each message has its own segments and price); refused rows with their row numbers;
// repeated numbers left out; and the same from a JSON list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { balanceOf, closeApp, customerWithCredit, messagingApp } from '../messaging/helpers.js';
import { campaign, campaignMessages, uploadCampaign } from './helpers.js';

describe('campaign uploads', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await messagingApp();
  });
  afterAll(() => closeApp(t));

  it('reads a BOM, `;` separators, quoted fields with separators and line breaks, CRLF, and fills placeholders per row', async () => {
    const alice = await customerWithCredit(t, '100');
    const long = 'x'.repeat(170);
    const csv =
      '\uFEFFMobile;First name;Note\r\n' +
      '+34 612 345 678;"Ana; the first";"line one\r\nline two"\r\n' +
      `612345679;Bob;${long}\r\n` +
      'not-a-number;Carl;c\r\n' +
      '\r\n' +
      '+34612345678;Ana again;repeated\r\n' +
      '+12127365000;Dora;"she said ""hi"""\r\n';
    const res = await uploadCampaign(t, alice, csv, { name: 'Spring', text: 'Hi {first name}: {Note}' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'running',
      recipients: 3,
      invalid: 1,
      duplicates: 1,
      reserved: 3,
      waitingCredit: 0,
      invalidRows: [{ row: 4, to: 'not-a-number', reason: 'is not a phone number' }],
    });
    // Ana 1 segment (ES, 1 credit), Bob 2 segments (2 credits), Dora 1 segment in the US (0.8).
    expect(body.estimate).toEqual({
      credits: '3.8',
      segments: 4,
      byCountry: [
        { country: 'ES', recipients: 2, credits: '3' },
        { country: 'US', recipients: 1, credits: '0.8' },
      ],
      available: '96.2',
      shortfall: '0',
    });
    const messages = await campaignMessages(t, body.id);
    expect(messages.map((m) => [m.to_number, m.text, m.segments, m.status])).toEqual([
      ['+34612345678', 'Hi Ana; the first: line one\r\nline two', 1, 'queued'],
      ['+34612345679', `Hi Bob: ${long}`, 2, 'queued'],
      ['+12127365000', 'Hi Dora: she said "hi"', 1, 'queued'],
    ]);
    expect(await balanceOf(t, alice.accountId)).toMatchObject({ held: 3_800_000n, available: 96_200_000n });

    const invalid = await t.app.inject({
      method: 'GET',
      url: `/api/v1/campaigns/${body.id}/invalid`,
      headers: alice.headers,
    });
    expect(invalid.json()).toEqual({
      data: [{ row: 4, to: 'not-a-number', reason: 'is not a phone number' }],
      nextCursor: null,
    });
  });

  it('keeps filled-in texts as written: backslashes, quotes, braces, the word NULL, an empty value, emoji', async () => {
    const ana = await customerWithCredit(t, '100');
    const values = ['back\\slash \\"', 'NULL', '{braces}, and commas', 'Zoë 😀', '', 'ext €^~|'];
    const csv = `phone,value\n${values
      .map((v, i) => `+3461234${String(5000 + i)},"${v.replace(/"/g, '""')}"`)
      .join('\n')}\n`;
    const res = await uploadCampaign(t, ana, csv, { text: '[{value}]' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ recipients: values.length, invalid: 0 });
    const messages = await campaignMessages(t, res.json().id);
    expect(messages.map((m) => m.text)).toEqual(values.map((v) => `[${v}]`));
  });

  it('reads commas with quoted commas, LF line ends, no BOM, and the usual phone column names', async () => {
    const alice = await customerWithCredit(t, '100');
    for (const column of ['phone', 'Phone_Number', 'MOBILE', 'number', 'to']) {
      const csv = `name,${column},city\n"Smith, Ann",+34612000001,"Madrid, ES"\n"Lee, Bo",+34612000002,Bilbao\n`;
      const res = await uploadCampaign(t, alice, csv, { text: '{name} in {city}' });
      expect(res.statusCode, res.body).toBe(201);
      const texts = (await campaignMessages(t, res.json().id)).map((m) => m.text);
      expect(texts).toEqual(['Smith, Ann in Madrid, ES', 'Lee, Bo in Bilbao']);
    }
  });

  it('lists every refused row with its number and reason, the first 100 in the answer', async () => {
    const alice = await customerWithCredit(t, '1000');
    const lines = ['phone'];
    for (let i = 0; i < 250; i++)
      lines.push(i % 2 === 0 ? `+3461200${String(i).padStart(4, '0')}` : `bad${i}`);
    lines.push('+80012345678'); // non-geographic: no country to price
    const res = await uploadCampaign(t, alice, `${lines.join('\n')}\n`, { text: 'Hello' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.recipients).toBe(125);
    expect(body.invalid).toBe(126);
    expect(body.invalidRows).toHaveLength(100);
    expect(body.invalidRows[0]).toEqual({ row: 3, to: 'bad1', reason: 'is not a phone number' });
    const all: { row: number; reason: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof t.app.inject>> = await t.app.inject({
        method: 'GET',
        url: `/api/v1/campaigns/${body.id}/invalid?limit=30${cursor ? `&cursor=${cursor}` : ''}`,
        headers: alice.headers,
      });
      expect(page.statusCode, page.body).toBe(200);
      all.push(...page.json().data);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(all).toHaveLength(126);
    expect(all.map((r) => r.row)).toEqual([...Array.from({ length: 125 }, (_, i) => 3 + 2 * i), 252]);
    expect(all[125]?.reason).toMatch(/has no country/);
  });

  it('takes a JSON list with vars, leaving out repeated numbers and naming rows without a value', async () => {
    const alice = await customerWithCredit(t, '100');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: alice.headers,
      payload: {
        name: 'JSON',
        text: 'Dear {name}',
        from: 'Tollgate',
        recipients: [
          { to: '+34612000101', vars: { name: 'Eva' } },
          { to: '612000102', vars: { Name: 'Fer' } },
          { to: '+34 612 000 101', vars: { name: 'Eva twice' } },
          { to: '+34612000103' },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      recipients: 2,
      duplicates: 1,
      invalid: 1,
      invalidRows: [{ row: 4, to: '+34612000103', reason: 'has no value for {name}' }],
    });
    const view = await campaign(t, alice, res.json().id);
    expect(view).toMatchObject({ name: 'JSON', text: 'Dear {name}', from: 'Tollgate', recipients: 2 });
    expect((await campaignMessages(t, res.json().id)).map((m) => m.text)).toEqual(['Dear Eva', 'Dear Fer']);
  });

  it('schedules the messages of a campaign with scheduleAt, their credit held until then', async () => {
    const alice = await customerWithCredit(t, '10');
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const res = await uploadCampaign(t, alice, 'phone\n+34612000201\n+34612000202\n', {
      text: 'Later',
      scheduleAt: at,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'scheduled', reserved: 2 });
    const view = await campaign(t, alice, res.json().id);
    expect(view.counts).toMatchObject({ scheduled: 2, queued: 0 });
    expect(view.scheduleAt).toBe(at);
    expect(await balanceOf(t, alice.accountId)).toMatchObject({ held: 2_000_000n });
  });
});
