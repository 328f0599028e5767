// GET /transactions?group=campaign_day: what messages cost folded into one row per campaign and
// day (single sends: per day) with the count and the total; purchases, refunds and adjustments
// one row each, in words. The grouped totals equal the detailed rows, a grouped row's detail
// link lists exactly its rows, pages never repeat or lose a row, another account's data never
// shows, and the CSV offers both views.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import type { Customer } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';
import {
  closeApp,
  customerWithCredit,
  deliverable,
  dispatchAll,
  messagingApp,
  topUp,
  undeliverable,
} from '../messaging/helpers.js';
import { creditedPurchase } from './helpers.js';

interface Row {
  id: string;
  at: string;
  type: string;
  credits: string;
  balanceAfter: string;
  reference: string | null;
  description: string | null;
  count: number;
  group: {
    day: string;
    from: string;
    to: string;
    count: number;
    campaignId: string | null;
    campaignName: string | null;
  } | null;
  purchase: { credits: string; pack: boolean; paymentMethod: string; cardLast4: string | null } | null;
  detail: string | null;
}

const micros = (credits: string) => {
  const [whole = '0', fraction = ''] = credits.replace('-', '').split('.');
  const value = BigInt(whole) * MICROS_PER_CREDIT + BigInt(fraction.padEnd(6, '0'));
  return credits.startsWith('-') ? -value : value;
};
const total = (rows: Row[]) => rows.reduce((sum, r) => sum + micros(r.credits), 0n);

describe('transactions grouped by campaign and day', () => {
  let t: TestApp;
  let alice: Customer;
  let bob: Customer;
  let spring: string;
  let autumn: string;
  let bobs: string;

  const campaign = async (who: Customer, name: string, numbers: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: who.headers,
      payload: { name, text: `Hello from ${name}`, recipients: numbers.map((to) => ({ to })) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const send = async (who: Customer, to: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: who.headers,
      payload: { to, text: 'A single one' },
    });
    expect(res.statusCode, res.body).toBe(202);
  };
  const list = async (who: Customer, query: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/transactions?${query}`,
      headers: who.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Row[]; nextCursor: string | null };
  };
  /** Every row of a listing, page by page. */
  const all = async (who: Customer, query: string, limit = 500) => {
    const rows: Row[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const params = new URLSearchParams(query);
      if (!params.has('limit')) params.set('limit', String(limit));
      if (cursor) params.set('cursor', cursor);
      const page = await list(who, params.toString());
      rows.push(...page.data);
      cursor = page.nextCursor;
      if (!cursor) return rows;
    }
    throw new Error('the pages never ended');
  };
  const many = (n: number, bad = 0) => [
    ...Array.from({ length: n - bad }, deliverable),
    ...Array.from({ length: bad }, undeliverable),
  ];

  beforeAll(async () => {
    t = await messagingApp();
    alice = await customerWithCredit(t, '100');
    bob = await customerWithCredit(t, '100');
    await creditedPurchase(t, alice, '10000');
    await topUp(t, alice.accountId, '25', 'Goodwill');
    spring = await campaign(alice, 'Spring sale', many(30, 4));
    autumn = await campaign(alice, 'Autumn sale', many(12));
    for (const to of many(3, 1)) await send(alice, to);
    bobs = await campaign(bob, 'Bob only', many(7));
    await send(bob, deliverable());
    await dispatchAll(t);
  }, 60_000);
  afterAll(() => closeApp(t));

  it('folds each campaign and the single sends into one row with the count and the total', async () => {
    const grouped = await all(alice, 'group=campaign_day');
    const detailed = await all(alice, '');
    expect(total(grouped)).toBe(total(detailed));
    expect(grouped.reduce((n, r) => n + r.count, 0)).toBe(detailed.length);

    const byCampaign = (type: string, id: string | null) =>
      grouped.filter((r) => r.type === type && r.group && r.group.campaignId === id);
    const [springRow] = byCampaign('consumption', spring);
    expect(springRow).toMatchObject({ count: 30, credits: '-30', reference: spring });
    expect(springRow?.group).toMatchObject({ campaignName: 'Spring sale', count: 30 });
    expect(springRow?.description).toBe('Campaign “Spring sale” — 30 messages');
    expect(byCampaign('consumption', autumn)[0]).toMatchObject({ count: 12, credits: '-12' });
    expect(byCampaign('consumption', null)[0]).toMatchObject({ count: 3, credits: '-3' });
    // The undelivered ones were given back: one row for the campaign's, one for the single send's.
    expect(byCampaign('refund', spring)[0]).toMatchObject({ count: 4, credits: '4' });
    expect(byCampaign('refund', null)[0]).toMatchObject({ count: 1, credits: '1' });
    // 2 grants (test set-up and the top-up), 1 purchase, 2 campaigns, singles, 2 refund groups.
    expect(grouped).toHaveLength(8);
    expect(detailed.length).toBeGreaterThan(45);

    const purchase = grouped.find((r) => r.type === 'purchase');
    expect(purchase?.description).toBe('10,000 credits — bank transfer');
    expect(purchase?.purchase).toMatchObject({
      credits: '10000',
      paymentMethod: 'bank_transfer',
      pack: false,
    });
    expect(grouped.find((r) => r.type === 'adjustment')?.description).toBe('Goodwill');
    // The detailed view says the purchase in words too; raw ids never are the description.
    expect(detailed.find((r) => r.type === 'purchase')?.description).toBe('10,000 credits — bank transfer');
  });

  it("a grouped row's detail link lists exactly its movements, page by page", async () => {
    const grouped = await all(alice, 'group=campaign_day');
    for (const row of grouped.filter((r) => r.group)) {
      expect(row.detail).toMatch(/^\/api\/v1\/transactions\?/);
      const query = (row.detail as string).replace('/api/v1/transactions?', '');
      const rows = await all(alice, query, 7);
      expect(rows).toHaveLength(row.count);
      expect(total(rows)).toBe(micros(row.credits));
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      for (const r of rows) {
        expect(r.type).toBe(row.type);
        expect(r.description).toMatch(/SMS to \+34/);
      }
    }
    // Without the link's bounds, the campaign filter alone lists the same rows.
    const spring30 = await all(alice, `campaignId=${spring}&type=consumption`);
    expect(spring30).toHaveLength(30);
  });

  it('pages never repeat or lose a grouped row', async () => {
    const whole = await all(alice, 'group=campaign_day');
    const paged = await all(alice, 'group=campaign_day', 1);
    expect(paged.map((r) => r.id)).toEqual(whole.map((r) => r.id));
    const page = await list(alice, 'group=campaign_day&limit=3');
    expect(page.data).toHaveLength(3);
    expect(page.nextCursor).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+\.\d+$/);
  });

  it("never shows another account's data", async () => {
    const grouped = await all(alice, 'group=campaign_day');
    expect(grouped.some((r) => r.reference === bobs || r.group?.campaignId === bobs)).toBe(false);
    expect((await list(alice, `campaignId=${bobs}`)).data).toEqual([]);
    const bobGrouped = await all(bob, 'group=campaign_day');
    expect(bobGrouped.find((r) => r.group?.campaignId === bobs)).toMatchObject({ count: 7, credits: '-7' });
    expect(bobGrouped.find((r) => r.group && r.group.campaignId === null)).toMatchObject({ count: 1 });
    expect(bobGrouped.some((r) => r.group?.campaignId === spring)).toBe(false);
    // Alice's campaign through Bob's detail query: nothing, not even a count.
    expect((await list(bob, `campaignId=${spring}&type=consumption`)).data).toEqual([]);
  });

  it('splits a campaign across the days of the account (its time zone), and filters by day', async () => {
    // Movements written on other days than today: a ledger row's time is the database's, so
    // they are written as the ledger would have (immutable rows, inserted, never changed).
    const { rows } = await t.ctx.db.query<{ id: string }>(
      'select id from messages where campaign_id = $1 order by id limit 2',
      [autumn],
    );
    const day = async (at: string, message: string, n: number) => {
      await t.ctx.db.query(
        `insert into ledger_transfers (id, kind, debit_account_id, credit_account_id, amount, code, reference,
           debit_balance_after, debit_available_after, credit_balance_after, credit_available_after, created_at)
         values ($1, 'posted', $2, 'sys_consumption_00', $3, 'consumption', $4, 0, 0, 0, 0, $5)`,
        [`test:${message}:${n}`, alice.accountId, 2n * MICROS_PER_CREDIT, message, at],
      );
    };
    // Madrid is UTC+1 in winter: 22:30Z on the 1st is still the 1st there, 23:30Z is the 2nd.
    await day('2025-12-01T22:30:00Z', rows[0]?.id as string, 1);
    await day('2025-12-01T23:30:00Z', rows[0]?.id as string, 2);
    await day('2025-12-01T23:40:00Z', rows[1]?.id as string, 3);
    const december = await all(alice, 'group=campaign_day&from=2025-11-30T00:00:00Z&to=2025-12-05T00:00:00Z');
    expect(december.map((r) => [r.group?.day, r.count, r.credits, r.group?.campaignId])).toEqual([
      ['2025-12-02', 2, '-4', autumn],
      ['2025-12-01', 1, '-2', autumn],
    ]);
    // The old days come last in the whole list, after today's rows, each once.
    const grouped = await all(alice, 'group=campaign_day', 2);
    expect(grouped.slice(-2).map((r) => r.group?.day)).toEqual(['2025-12-02', '2025-12-01']);
    const detailed = await all(alice, '');
    expect(total(grouped)).toBe(total(detailed));
  });

  it('refuses what it does not know, in the error shape', async () => {
    for (const query of [
      'group=campaign',
      'group=campaign_day&cursor=123',
      'campaignId=cmp_x&group=campaign_day',
      'campaignId=DROP TABLE',
      'campaignId=cmp_x&cursor=1-x',
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/transactions?${query.replace(/ /g, '%20')}`,
        headers: alice.headers,
      });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/v1/transactions.csv?group=weekly',
      headers: alice.headers,
    });
    expect(csv.statusCode).toBe(400);
  });

  it('the CSV offers both views', async () => {
    const grouped = await t.app.inject({
      method: 'GET',
      url: '/api/v1/transactions.csv?group=campaign_day',
      headers: alice.headers,
    });
    expect(grouped.statusCode).toBe(200);
    expect(grouped.headers['content-disposition']).toMatch(/grouped\.csv/);
    const lines = grouped.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,day,type,count,credits,balance_after,reference,campaign,description');
    const groupedRows = await all(alice, 'group=campaign_day');
    expect(lines).toHaveLength(groupedRows.length + 1);
    expect(grouped.body).toContain(',consumption,30,-30,');
    expect(grouped.body).toContain('Spring sale');
    const detailed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/transactions.csv',
      headers: alice.headers,
    });
    expect(detailed.body.trim().split('\r\n').length).toBe((await all(alice, '')).length + 1);
    expect(detailed.body).toContain('"10,000 credits — bank transfer"');
  });
});
