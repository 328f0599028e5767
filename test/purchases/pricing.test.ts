// The price list and the packs over HTTP: what anyone reads, what operators replace (JSON, CSV
// body, multipart CSV; errors by row; tables with gaps or overlaps refused), the in-memory
// index following the stored list, and quotes with tax for home, EU business, EU consumer and abroad.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentDestinationIndex, destinationIndex } from '../../src/pricing/store.js';
import { adminSession, BILLING, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { get, multipart, post } from './helpers.js';

const EUR_TABLE = {
  currency: 'EUR',
  minCredits: '100',
  maxCredits: '1000000',
  tiers: [
    { fromCredits: '100', unitPrice: '6' },
    { fromCredits: '1000', unitPrice: '5' },
    { fromCredits: '10000', unitPrice: '4' },
  ],
  packs: [
    { id: 'starter', credits: '500', price: { amount: 2900, currency: 'EUR' } },
    { id: 'big', credits: '10000', price: 39000 },
  ],
};

describe('pricing', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;

  beforeAll(async () => {
    t = await createTestApp();
    [ops, alice] = await Promise.all([adminSession(t), readyCustomer(t)]);
  });
  afterAll(() => t.close());

  const put = (url: string, who: Session | null, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'PUT',
      url,
      headers: { ...(who?.headers ?? {}), ...headers },
      payload: payload as string,
    });

  it('documents the pricing, purchase, statement and transaction routes in the OpenAPI document', async () => {
    const res = await get(t, '/api/openapi.json', null);
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const path of [
      '/api/v1/pricing/destinations',
      '/api/v1/pricing/packs',
      '/api/v1/pricing/quote',
      '/api/v1/purchases',
      '/api/v1/purchases/{id}',
      '/api/v1/purchases/{id}/cancel',
      '/api/v1/transactions',
      '/api/v1/transactions.csv',
      '/api/v1/admin/pricing/destinations',
      '/api/v1/admin/pricing/packs',
      '/api/v1/admin/purchases/{id}/mark-paid',
      '/api/v1/admin/purchases/{id}/refund',
      '/api/v1/admin/bank-statements',
      '/api/v1/admin/bank-statements/unmatched',
      '/api/v1/admin/accounts/{id}/adjustments',
    ]) {
      expect(paths, path).toContain(path);
    }
  });

  describe('the price list', () => {
    it('is public, seeded with a price for every country, and filters by country', async () => {
      const res = await get(t, '/api/v1/pricing/destinations', null);
      expect(res.statusCode).toBe(200);
      const list = res.json();
      expect(list.length).toBeGreaterThan(200);
      expect(list).toContainEqual({ country: 'ES', creditsPerSegment: '1' });
      expect(list).toContainEqual({ country: 'US', creditsPerSegment: '0.8' });
      const gb = await get(t, '/api/v1/pricing/destinations?country=gb', null);
      expect(gb.json()).toEqual([{ country: 'GB', creditsPerSegment: '1.2' }]);
    });

    it('is replaced whole by an operator with a JSON list, and the in-memory index follows at once', async () => {
      const list = [
        { country: 'ES', creditsPerSegment: '1.1' },
        { country: 'GB', creditsPerSegment: '1.3' },
        { country: 'GB', prefix: '+4477', creditsPerSegment: '1.25' },
      ];
      const res = await put('/api/v1/admin/pricing/destinations', ops, list);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ count: 3, destinations: list });
      expect((await get(t, '/api/v1/pricing/destinations', null)).json()).toEqual(list);
      const index = currentDestinationIndex(t.ctx);
      expect(index?.lookup({ e164: '+447700900123', country: 'GB' })).toMatchObject({
        priced: true,
        prefix: '+4477',
        microsPerSegment: 1_250_000n,
      });
      expect(index?.lookup({ e164: '+12025550123', country: 'US' })).toEqual({
        priced: false,
        reason: 'unknown_destination',
      });
    });

    it('accepts {destinations: [...]} too, and refuses a bad list with each row and nothing changed', async () => {
      const ok = await put('/api/v1/admin/pricing/destinations', ops, {
        destinations: [{ country: 'FR', creditsPerSegment: '0.9' }],
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const bad = await put('/api/v1/admin/pricing/destinations', ops, [
        { country: 'ES', creditsPerSegment: '1' },
        { country: 'XX', creditsPerSegment: '1' },
        { country: 'ES', creditsPerSegment: '2' },
        { country: 'DE', creditsPerSegment: '-1' },
      ]);
      expect(bad.statusCode).toBe(400);
      const error = bad.json().error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.rows.map((r: { row: number; code: string }) => [r.row, r.code])).toEqual([
        [2, 'unknown_country'],
        [3, 'duplicate'],
        [4, 'non_positive_price'],
      ]);
      expect(error.details.fields.map((f: { path: string }) => f.path)).toEqual([
        'body.1',
        'body.2',
        'body.3',
      ]);
      expect((await get(t, '/api/v1/pricing/destinations', null)).json()).toEqual([
        { country: 'FR', creditsPerSegment: '0.9' },
      ]);
      const empty = await put('/api/v1/admin/pricing/destinations', ops, []);
      expect(empty.statusCode).toBe(400);
      const shape = await put('/api/v1/admin/pricing/destinations', ops, [{ country: 'ES' }]);
      expect(shape.statusCode).toBe(400);
      expect(shape.json().error.details.fields.map((f: { path: string }) => f.path)).toContain(
        'body.0.creditsPerSegment',
      );
    });

    it('is imported from a text/csv body, with errors named by line and nothing changed', async () => {
      const csv = '\uFEFFcountry,prefix,credits_per_segment\nES,,1.5\r\n"PT",,1.4\n\n';
      const ok = await put('/api/v1/admin/pricing/destinations', ops, csv, { 'content-type': 'text/csv' });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().destinations).toEqual([
        { country: 'ES', creditsPerSegment: '1.5' },
        { country: 'PT', creditsPerSegment: '1.4' },
      ]);
      expect(ok.json().count).toBe(2);
      const bad =
        'country,prefix,credits_per_segment\nES,,1\nZZ,,1\nDE,+33,1\nFR,,abc\nIT,"unclosed,1\nPL,,1,extra\n';
      const res = await put('/api/v1/admin/pricing/destinations', ops, bad, { 'content-type': 'text/csv' });
      expect(res.statusCode).toBe(400);
      const error = res.json().error;
      expect(error.message).toContain('nothing was changed');
      expect(error.details.rows.map((r: { row: number }) => r.row)).toEqual([3, 4, 5, 6, 7]);
      expect(error.details.fields[0]).toEqual({ path: 'line 3', message: expect.stringContaining('ZZ') });
      const header = await put('/api/v1/admin/pricing/destinations', ops, 'country,price\nES,1\n', {
        'content-type': 'text/csv',
      });
      expect(header.statusCode).toBe(400);
      expect(header.json().error.details.rows[0]).toMatchObject({ row: 1, code: 'bad_header' });
      expect((await get(t, '/api/v1/pricing/destinations', null)).json()).toHaveLength(2);
    });

    it('is imported from a multipart upload, and exported as the same CSV', async () => {
      const csv = 'country,prefix,credits_per_segment\nGB,,1.2\nGB,+4477,1.1\nES,,1\n';
      const body = multipart(csv, { filename: 'prices.csv', type: 'text/csv' });
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/admin/pricing/destinations',
        headers: { ...ops.headers, ...body.headers },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().count).toBe(3);
      const exported = await get(t, '/api/v1/admin/pricing/destinations.csv', ops);
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^text\/csv/);
      expect(exported.headers['content-disposition']).toMatch(/^attachment/);
      expect(exported.body).toBe('country,prefix,credits_per_segment\nES,,1\nGB,,1.2\nGB,+4477,1.1\n');
    });

    it('reaches a process that did not make the change within seconds (the stored version moves)', async () => {
      await destinationIndex(t.ctx);
      // Another process replaces the list: here, straight in the database.
      await t.ctx.db.transaction(async (tx) => {
        await tx.query('delete from pricing_destinations');
        await tx.query(
          `insert into pricing_destinations (country, prefix, micros_per_segment) values ('NL', '', 700000)`,
        );
        await tx.query(`update pricing_versions set version = version + 1 where name = 'destinations'`);
      });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const index = await destinationIndex(t.ctx);
      expect(index.rules()).toEqual([{ country: 'NL', prefix: undefined, microsPerSegment: 700_000n }]);
      expect(currentDestinationIndex(t.ctx)).toBe(index);
    });

    it('is the operators’ alone: a customer is 403, nobody is 401', async () => {
      const list = [{ country: 'ES', creditsPerSegment: '0.01' }];
      expect((await put('/api/v1/admin/pricing/destinations', alice, list)).statusCode).toBe(403);
      expect((await put('/api/v1/admin/pricing/destinations', null, list)).statusCode).toBe(401);
      expect((await put('/api/v1/admin/pricing/packs', alice, EUR_TABLE)).statusCode).toBe(403);
      expect((await put('/api/v1/admin/pricing/packs', null, EUR_TABLE)).statusCode).toBe(401);
      expect((await get(t, '/api/v1/admin/pricing/destinations.csv', alice)).statusCode).toBe(403);
    });
  });

  describe('packs and tiers', () => {
    it('are public per currency, EUR by default, the customer’s preferred currency when logged in', async () => {
      const eur = await get(t, '/api/v1/pricing/packs', null);
      expect(eur.statusCode).toBe(200);
      expect(eur.json()).toMatchObject({
        currency: 'EUR',
        minCredits: '100',
        maxCredits: '10000000',
        packs: expect.arrayContaining([
          { id: 'pack-1000', credits: '1000', price: { amount: 5000, currency: 'EUR' } },
        ]),
        tiers: expect.arrayContaining([{ fromCredits: '100', unitPrice: '5' }]),
      });
      const gbp = await get(t, '/api/v1/pricing/packs?currency=GBP', null);
      expect(gbp.json().currency).toBe('GBP');
      expect((await get(t, '/api/v1/pricing/packs?currency=XYZ', null)).statusCode).toBe(400);
      const bob = await readyCustomer(t);
      const prefs = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/account/preferences',
        headers: bob.headers,
        payload: { country: 'ES', currency: 'USD', timezone: 'Europe/Madrid', language: 'en' },
      });
      expect(prefs.statusCode, prefs.body).toBe(200);
      expect((await get(t, '/api/v1/pricing/packs', bob)).json().currency).toBe('USD');
    });

    it('are replaced per currency by an operator, and quotes and purchases use the new prices', async () => {
      const res = await put('/api/v1/admin/pricing/packs', ops, EUR_TABLE);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        ...EUR_TABLE,
        packs: [
          { id: 'starter', credits: '500', price: { amount: 2900, currency: 'EUR' } },
          { id: 'big', credits: '10000', price: { amount: 39000, currency: 'EUR' } },
        ],
      });
      expect((await get(t, '/api/v1/pricing/packs?currency=EUR', null)).json()).toEqual(res.json());
      const quote = await post(t, '/api/v1/pricing/quote', alice, { credits: '2000' });
      expect(quote.json().subtotal).toEqual({ amount: 10_000, currency: 'EUR' });
      const pack = await post(t, '/api/v1/pricing/quote', alice, { packId: 'starter' });
      expect(pack.json()).toMatchObject({ credits: '500', packId: 'starter', subtotal: { amount: 2900 } });
      // Other currencies are untouched.
      expect((await get(t, '/api/v1/pricing/packs?currency=USD', null)).json().tiers[0]).toEqual({
        fromCredits: '100',
        unitPrice: '5.5',
      });
    });

    const bad: [string, Record<string, unknown>, string, string][] = [
      [
        'a gap before the first tier',
        {
          tiers: [
            { fromCredits: '200', unitPrice: '6' },
            { fromCredits: '1000', unitPrice: '5' },
          ],
        },
        'body.tiers.0.fromCredits',
        'gap_before_first_tier',
      ],
      [
        'two tiers starting at the same quantity (overlap)',
        {
          tiers: [
            { fromCredits: '100', unitPrice: '6' },
            { fromCredits: '1000', unitPrice: '5' },
            { fromCredits: '1000', unitPrice: '4' },
          ],
        },
        'body.tiers.2.fromCredits',
        'tiers_overlap',
      ],
      [
        'tiers out of order',
        {
          tiers: [
            { fromCredits: '100', unitPrice: '6' },
            { fromCredits: '5000', unitPrice: '5' },
            { fromCredits: '1000', unitPrice: '4' },
          ],
        },
        'body.tiers.2.fromCredits',
        'tiers_not_sorted',
      ],
      [
        'a tier beyond the maximum',
        {
          tiers: [
            { fromCredits: '100', unitPrice: '6' },
            { fromCredits: '2000000', unitPrice: '5' },
          ],
        },
        'body.tiers.1.fromCredits',
        'tier_beyond_max',
      ],
      [
        'a larger quantity costing more per credit',
        {
          tiers: [
            { fromCredits: '100', unitPrice: '5' },
            { fromCredits: '1000', unitPrice: '6' },
          ],
        },
        'body.tiers.1.unitPrice',
        'tier_price_increases',
      ],
      ['no tiers', { tiers: [] }, 'body.tiers', 'no_tiers'],
      [
        'a pack dearer than its credits bought without it',
        { packs: [{ id: 'trap', credits: '500', price: 999_999 }] },
        'body.packs.0.price',
        'pack_dearer_than_custom',
      ],
      [
        'a free tier',
        { tiers: [{ fromCredits: '100', unitPrice: '0' }] },
        'body.tiers.0.unitPrice',
        'unit_price_not_positive',
      ],
      [
        'minCredits above maxCredits',
        { minCredits: '100', maxCredits: '50' },
        'body.maxCredits',
        'max_below_min',
      ],
    ];
    it.each(bad)('refuses %s with 400 and the path, changing nothing', async (_name, change, path, code) => {
      const before = (await get(t, '/api/v1/pricing/packs?currency=EUR', null)).json();
      const res = await put('/api/v1/admin/pricing/packs', ops, { ...EUR_TABLE, ...change });
      expect(res.statusCode, res.body).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.fields).toContainEqual(expect.objectContaining({ path, code }));
      expect((await get(t, '/api/v1/pricing/packs?currency=EUR', null)).json()).toEqual(before);
    });

    it('refuses malformed numbers and a price in another currency with their paths', async () => {
      const res = await put('/api/v1/admin/pricing/packs', ops, {
        ...EUR_TABLE,
        minCredits: '100.5',
        packs: [{ id: 'x', credits: '500', price: { amount: 100, currency: 'USD' } }],
      });
      expect(res.statusCode).toBe(400);
      const paths = res.json().error.details.fields.map((f: { path: string }) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['body.minCredits', 'body.packs.0.price.currency']));
      const unknown = await put('/api/v1/admin/pricing/packs', ops, { ...EUR_TABLE, currency: 'JPY' });
      expect(unknown.statusCode).toBe(400);
    });
  });

  describe('quotes', () => {
    let fresh: TestApp;
    beforeAll(async () => {
      fresh = await createTestApp({ env: { ISSUER_COUNTRY: 'ES', ISSUER_VAT_RATE: '21' } });
    });
    afterAll(() => fresh.close());

    const billAs = async (customer: Customer, address: Record<string, string>, vatId: string | null) => {
      const res = await fresh.app.inject({
        method: 'PUT',
        url: '/api/v1/account/billing',
        headers: customer.headers,
        payload: { ...BILLING, vatId, address: { ...BILLING.address, ...address }, mobile: customer.mobile },
      });
      expect(res.statusCode, res.body).toBe(200);
    };

    it('charges the issuer’s VAT at home', async () => {
      const home = await readyCustomer(fresh);
      const res = await post(fresh, '/api/v1/pricing/quote', home, { credits: '1000' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        credits: '1000',
        currency: 'EUR',
        subtotal: { amount: 5000, currency: 'EUR' },
        tax: { rate: '21', amount: { amount: 1050, currency: 'EUR' }, treatment: 'domestic', country: 'ES' },
        total: { amount: 6050, currency: 'EUR' },
        taxEstimate: false,
      });
    });

    it('reverse-charges an EU business with a valid VAT id of its own country', async () => {
      const berlin = await readyCustomer(fresh);
      await billAs(berlin, { city: 'Berlin', postalCode: '10115', country: 'DE' }, 'DE136695976');
      const res = await post(fresh, '/api/v1/pricing/quote', berlin, { packId: 'pack-5000' });
      expect(res.json()).toMatchObject({
        credits: '5000',
        packId: 'pack-5000',
        subtotal: { amount: 22_500 },
        tax: { rate: '0', amount: { amount: 0 }, treatment: 'reverse_charge' },
        total: { amount: 22_500 },
      });
      // Without a VAT id the same customer is a consumer in Germany and pays the German rate.
      await billAs(berlin, { city: 'Berlin', postalCode: '10115', country: 'DE' }, null);
      const consumer = await post(fresh, '/api/v1/pricing/quote', berlin, { packId: 'pack-5000' });
      expect(consumer.json().tax).toMatchObject({ rate: '19', treatment: 'eu_consumer', country: 'DE' });
    });

    it('charges no VAT outside the EU', async () => {
      const boston = await readyCustomer(fresh);
      await billAs(boston, { city: 'Boston', postalCode: '02108', country: 'US' }, null);
      const res = await post(fresh, '/api/v1/pricing/quote', boston, { credits: '1000', currency: 'USD' });
      expect(res.json()).toMatchObject({
        currency: 'USD',
        subtotal: { amount: 5500, currency: 'USD' },
        tax: { rate: '0', amount: { amount: 0 }, treatment: 'outside_scope' },
        total: { amount: 5500, currency: 'USD' },
      });
      // The purchase made from it carries the same tax.
      const bought = await post(fresh, '/api/v1/purchases', boston, {
        credits: '1000',
        currency: 'USD',
        paymentMethod: 'bank_transfer',
      });
      expect(bought.json()).toMatchObject({ tax: { treatment: 'outside_scope' }, total: { amount: 5500 } });
    });

    it('follows ISSUER_COUNTRY and ISSUER_VAT_RATE', async () => {
      const other = await createTestApp({ env: { ISSUER_COUNTRY: 'DE', ISSUER_VAT_RATE: '19' } });
      try {
        const madrid = await readyCustomer(other);
        // Spanish customer with a Spanish VAT id, German issuer: reverse charge.
        const res = await post(other, '/api/v1/pricing/quote', madrid, { credits: '1000' });
        expect(res.json().tax).toMatchObject({ treatment: 'reverse_charge', rate: '0' });
      } finally {
        await other.close();
      }
    });

    it('estimates the tax from the account’s country before billing data exists', async () => {
      const { signUpVerified } = await import('../helpers/accounts.js');
      const newcomer = await signUpVerified(fresh);
      const res = await post(fresh, '/api/v1/pricing/quote', newcomer, { credits: '1000' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ taxEstimate: true, tax: { treatment: 'domestic' } });
    });

    it('refuses bad input with 400 validation_failed', async () => {
      const someone = await readyCustomer(fresh);
      const cases: Record<string, unknown>[] = [
        { credits: '0' },
        { credits: '-1' },
        { credits: '0.5' },
        { credits: '99' },
        { credits: '10000001' },
        { credits: '1000.000001' },
        { packId: 'nope' },
        { credits: '1000', currency: 'XYZ' },
        { credits: '1000', extra: true },
        {},
      ];
      for (const body of cases) {
        const res = await post(fresh, '/api/v1/pricing/quote', someone, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error.code).toBe('validation_failed');
      }
    });
  });
});
