// The transactions list and its CSV: posted movements only (holds move no balance), newest
// first with the balance after each, filters, pagination, a streamed CSV that quotes and
// neutralises what a spreadsheet would run; and only the caller's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import { csvCell } from '../../src/transactions/index.js';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { creditedPurchase, get, post } from './helpers.js';

/** RFC 4180, enough to read back what the API wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const FORMULA = '=HYPERLINK("http://evil.example","click")';
const TRICKY = 'line one, "quoted"\nline two';

describe('transactions', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;
  let bob: Customer;
  let purchaseId: string;

  beforeAll(async () => {
    t = await createTestApp();
    [ops, alice, bob] = await Promise.all([adminSession(t), readyCustomer(t), readyCustomer(t)]);
    purchaseId = (await creditedPurchase(t, alice, '1000')).id;
    const adjust = (credits: string, reason: string) =>
      post(t, `/api/v1/admin/accounts/${alice.accountId}/adjustments`, ops, { credits, reason });
    expect((await adjust('50', FORMULA)).statusCode).toBe(201);
    expect((await adjust('-10', TRICKY)).statusCode).toBe(201);
    // A message: held, then posted for less; another held and voided. Only the post moves the balance.
    await t.ctx.ledger.apply([
      {
        type: 'hold',
        id: `msg1_hold_${alice.accountId}`,
        debit: alice.accountId,
        credit: { system: 'consumption' },
        amount: 5n * MICROS_PER_CREDIT,
        code: 'consumption',
      },
      {
        type: 'hold',
        id: `msg2_hold_${alice.accountId}`,
        debit: alice.accountId,
        credit: { system: 'consumption' },
        amount: 7n * MICROS_PER_CREDIT,
        code: 'consumption',
      },
    ]);
    await t.ctx.ledger.apply([
      {
        type: 'post',
        id: `msg1_post_${alice.accountId}`,
        pendingId: `msg1_hold_${alice.accountId}`,
        amount: 3n * MICROS_PER_CREDIT,
        code: 'consumption',
        reference: 'msg_1',
        description: '+34600000000, 3 segments',
      },
      {
        type: 'void',
        id: `msg2_void_${alice.accountId}`,
        pendingId: `msg2_hold_${alice.accountId}`,
        code: 'release',
      },
    ]);
    expect(
      (await post(t, `/api/v1/admin/purchases/${purchaseId}/refund`, ops, { credits: '100' })).statusCode,
    ).toBe(201);
  });
  afterAll(() => t.close());

  it('lists posted movements newest first, each with the balance after it; holds are not listed', async () => {
    const res = await get(t, '/api/v1/transactions', alice);
    expect(res.statusCode).toBe(200);
    const { data, nextCursor } = res.json();
    expect(nextCursor).toBeNull();
    expect(
      data.map((e: { type: string; credits: string; balanceAfter: string }) => [
        e.type,
        e.credits,
        e.balanceAfter,
      ]),
    ).toEqual([
      ['refund', '-100', '937'],
      ['consumption', '-3', '1037'],
      ['adjustment', '-10', '1040'],
      ['adjustment', '50', '1050'],
      ['purchase', '1000', '1000'],
    ]);
    expect(data[4]).toEqual({
      id: `purchase:${purchaseId}`,
      at: expect.stringMatching(/Z$/),
      type: 'purchase',
      credits: '1000',
      balanceAfter: '1000',
      reference: purchaseId,
      // Said from the purchase, in words: no internal ids.
      description: '1,000 credits — bank transfer',
      count: 1,
      group: null,
      purchase: {
        id: purchaseId,
        credits: '1000',
        pack: false,
        paymentMethod: 'bank_transfer',
        cardLast4: null,
        source: 'portal',
      },
      detail: null,
    });
    expect(data[0]?.description).toMatch(/^100 unused credits refunded — of 1,000 bought by bank transfer$/);
    expect(data[1]).toMatchObject({ reference: 'msg_1', description: '+34600000000, 3 segments' });
    expect(data[2].description).toBe(TRICKY);
    const balance = (await get(t, '/api/v1/balance', alice)).json();
    expect(balance).toEqual({ credits: '937', held: '0', available: '937' });
  });

  it('filters by type (one or several) and by dates', async () => {
    const types = async (query: string) =>
      (await get(t, `/api/v1/transactions?${query}`, alice)).json().data.map((e: { type: string }) => e.type);
    expect(await types('type=purchase')).toEqual(['purchase']);
    expect(await types('type=adjustment,refund')).toEqual(['refund', 'adjustment', 'adjustment']);
    expect(await types('type=release')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(await types(`from=${today}&to=${today}`)).toHaveLength(5);
    expect(await types(`from=${tomorrow}`)).toEqual([]);
    expect(await types(`to=${yesterday}`)).toEqual([]);
    expect(
      await types(`from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&type=purchase`),
    ).toEqual(['purchase']);
    for (const bad of [
      'type=gift',
      'from=yesterday',
      'to=2026-13-45',
      `from=${tomorrow}&to=${yesterday}`,
      'limit=0',
      'limit=501',
    ]) {
      const res = await get(t, `/api/v1/transactions?${bad}`, alice);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('pages with limit and cursor, without gaps or repeats', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(t, `/api/v1/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, alice);
      const page = res.json();
      expect(page.data.length).toBeLessThanOrEqual(2);
      ids.push(...page.data.map((e: { id: string }) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    const all = (await get(t, '/api/v1/transactions', alice)).json().data.map((e: { id: string }) => e.id);
    expect(ids).toEqual(all);
    expect((await get(t, '/api/v1/transactions?cursor=abc', alice)).statusCode).toBe(400);
  });

  it('exports CSV with a header, proper quoting and formulas neutralised', async () => {
    const res = await get(t, '/api/v1/transactions.csv', alice);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="transactions-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual(['id', 'at', 'type', 'credits', 'balance_after', 'reference', 'description']);
    expect(rows.slice(1).map((r) => [r[2], r[3], r[4]])).toEqual([
      ['refund', '-100', '937'],
      ['consumption', '-3', '1037'],
      ['adjustment', '-10', '1040'],
      ['adjustment', '50', '1050'],
      ['purchase', '1000', '1000'],
    ]);
    expect(rows[3]?.[6]).toBe(TRICKY);
    expect(rows[4]?.[6]).toBe(`'${FORMULA}`);
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    const filtered = parseCsv((await get(t, '/api/v1/transactions.csv?type=adjustment', alice)).body);
    expect(filtered).toHaveLength(3);
    expect((await get(t, '/api/v1/transactions.csv?type=bogus', alice)).statusCode).toBe(400);
  });

  it('neutralises every formula prefix but keeps numbers numbers', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+34 600')).toBe("'+34 600");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('  =x')).toBe("'  =x");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('\r\nx')).toBe(`"'\r\nx"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell('Ünïcödé ✓')).toBe('Ünïcödé ✓');
  });

  it('streams a long history page by page into one complete file', async () => {
    const many = await readyCustomer(t);
    await t.ctx.ledger.apply([
      {
        type: 'transfer',
        id: `fund_${many.accountId}`,
        debit: { system: 'grants' },
        credit: many.accountId,
        amount: 10_000n * MICROS_PER_CREDIT,
        code: 'grant',
        description: 'welcome',
      },
      ...Array.from({ length: 1_234 }, (_, i) => ({
        type: 'transfer' as const,
        id: `m${i}_${many.accountId}`,
        debit: many.accountId,
        credit: { system: 'consumption' as const },
        amount: 1_000_000n,
        code: 'consumption' as const,
        reference: `msg_${i}`,
      })),
    ]);
    const res = await get(t, '/api/v1/transactions.csv', many);
    const rows = parseCsv(res.body);
    expect(rows).toHaveLength(1 + 1 + 1_234);
    expect(rows[1]?.[4]).toBe(String(10_000 - 1_234));
    expect(rows.at(-1)).toEqual([
      `fund_${many.accountId}`,
      expect.any(String),
      'grant',
      '10000',
      '10000',
      '',
      'welcome',
    ]);
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(1_235);
  });

  it('shows one transaction of the caller, and another account’s as 404', async () => {
    const own = await get(t, `/api/v1/transactions/${encodeURIComponent(`purchase:${purchaseId}`)}`, alice);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ type: 'purchase', credits: '1000' });
    const theirs = await get(t, `/api/v1/transactions/${encodeURIComponent(`purchase:${purchaseId}`)}`, bob);
    expect(theirs.statusCode).toBe(404);
    const hold = await get(t, `/api/v1/transactions/msg1_hold_${alice.accountId}`, alice);
    expect(hold.statusCode).toBe(404);
    expect((await get(t, '/api/v1/transactions', bob)).json().data).toEqual([]);
    expect(parseCsv((await get(t, '/api/v1/transactions.csv', bob)).body)).toHaveLength(1);
  });

  it('needs credentials (401); operators read an account’s list on their own route', async () => {
    expect((await get(t, '/api/v1/transactions', null)).statusCode).toBe(401);
    expect((await get(t, '/api/v1/transactions.csv', null)).statusCode).toBe(401);
    expect((await get(t, '/api/v1/transactions', ops)).statusCode).toBe(403);
    const desk = await get(t, `/api/v1/admin/accounts/${alice.accountId}/transactions`, ops);
    expect(desk.statusCode).toBe(200);
    expect(desk.json().data).toHaveLength(5);
    expect((await get(t, `/api/v1/admin/accounts/${alice.accountId}/transactions`, alice)).statusCode).toBe(
      403,
    );
    expect((await get(t, '/api/v1/admin/accounts/acc_nobody/transactions', ops)).statusCode).toBe(404);
  });
});
