// Making, reading and canceling purchases: who may buy, what a bank-transfer order shows,
// Idempotency-Key, cards without a card provider, expiry, and other accounts' purchases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidCreditorReference } from '../../src/purchases/providers/bank-transfer/creditor-reference.js';
import { expireOverduePurchases, getPurchase } from '../../src/purchases/index.js';
import {
  adminSession,
  BILLING,
  type Customer,
  newApiKey,
  readyCustomer,
  type Session,
  signUpVerified,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { buyByTransfer, get, installFakeCardProvider, post, SANDBOX_IBAN } from './helpers.js';

describe('purchases', () => {
  let t: TestApp;
  let alice: Customer;
  let bob: Customer;
  let ops: Session;

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob, ops] = await Promise.all([readyCustomer(t), readyCustomer(t), adminSession(t)]);
  });
  afterAll(() => t.close());

  it('a bank-transfer purchase shows IBAN, BIC, beneficiary, a valid RF reference, the exact amount and a due date', async () => {
    const before = t.ctx.now();
    const res = await post(t, '/api/v1/purchases', alice, {
      packId: 'pack-1000',
      paymentMethod: 'bank_transfer',
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      id: expect.stringMatching(/^pur_[a-z2-7]{24}$/),
      status: 'awaiting_payment',
      paymentMethod: 'bank_transfer',
      packId: 'pack-1000',
      credits: '1000',
      currency: 'EUR',
      subtotal: { amount: 5000, currency: 'EUR' },
      // Alice bills from Spain, like the default issuer: Spanish VAT.
      tax: { rate: '21', amount: { amount: 1050, currency: 'EUR' }, treatment: 'domestic' },
      total: { amount: 6050, currency: 'EUR' },
      refundedCredits: '0',
      bankTransfer: {
        iban: SANDBOX_IBAN,
        bic: 'SANDGB2LXXX',
        beneficiary: expect.stringContaining('Sandbox'),
        amount: { amount: 6050, currency: 'EUR' },
      },
    });
    expect(body.card).toBeUndefined();
    const { reference, referenceFormatted, dueDate } = body.bankTransfer;
    expect(reference).toMatch(/^RF\d{14}$/);
    expect(isValidCreditorReference(reference)).toBe(true);
    expect(referenceFormatted.replace(/ /g, '')).toBe(reference);
    const expected = new Date(before.getTime() + 14 * 86_400_000).toISOString().slice(0, 10);
    expect(dueDate).toBe(expected);
    expect(Date.parse(body.createdAt)).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it('gives every bank-transfer purchase its own reference', async () => {
    const refs = new Set<string>();
    for (let i = 0; i < 5; i++) refs.add((await buyByTransfer(t, alice)).bankTransfer.reference);
    expect(refs.size).toBe(5);
  });

  it('stores the tax decided at purchase time on the purchase', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '5000' });
    const stored = await getPurchase(t.ctx.db, purchase.id);
    expect(stored).toMatchObject({
      credits: 5000n,
      subtotal: 22_500n,
      taxAmount: 4_725n,
      total: 27_225n,
      taxRateBasisPoints: 2100,
      taxTreatment: 'domestic',
      issuerCountry: 'ES',
      billing: { legalName: BILLING.legalName, address: { country: 'ES' } },
    });
  });

  it('needs complete billing data and a verified mobile (409 billing_data_incomplete)', async () => {
    const newcomer = await signUpVerified(t);
    const res = await post(t, '/api/v1/purchases', newcomer, {
      credits: '1000',
      paymentMethod: 'bank_transfer',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'billing_data_incomplete',
      details: { missing: expect.arrayContaining(['billing_data', 'mobile_verification']) },
    });
    // Billing data alone is not enough: the mobile must be verified too.
    const billed = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: newcomer.headers,
      payload: { ...BILLING, mobile: '+34699000111' },
    });
    expect(billed.statusCode, billed.body).toBe(200);
    const again = await post(t, '/api/v1/purchases', newcomer, {
      credits: '1000',
      paymentMethod: 'bank_transfer',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.missing).toEqual(['mobile_verification']);
    const { rows } = await t.ctx.db.query('select id from purchases where account_id = $1', [
      newcomer.accountId,
    ]);
    expect(rows).toEqual([]);
  });

  it('refuses a suspended account', async () => {
    const carol = await readyCustomer(t);
    const suspended = await post(t, `/api/v1/admin/accounts/${carol.accountId}/suspend`, ops, {
      reason: 'fraud',
    });
    expect(suspended.statusCode, suspended.body).toBe(200);
    const res = await post(t, '/api/v1/purchases', carol, {
      credits: '1000',
      paymentMethod: 'bank_transfer',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details.reason).toBe('account_suspended');
  });

  it('answers a card purchase with a clear 409 while no card provider is configured, and records nothing', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '1000', paymentMethod: 'card' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('Card payments are not configured'),
      details: { reason: 'payment_method_not_configured' },
    });
    const { rows } = await t.ctx.db.query(`select id from purchases where payment_method = 'card'`);
    expect(rows).toEqual([]);
  });

  it('refuses bad items with 400 validation_failed naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ credits: '0' }, 'body.credits'],
      [{ credits: '-5' }, 'body.credits'],
      [{ credits: -5 }, 'body.credits'],
      [{ credits: '0.5' }, 'body.credits'],
      [{ credits: '150.5' }, 'body.credits'],
      [{ credits: 1.5 }, 'body.credits'],
      [{ credits: '99' }, 'body.credits'],
      [{ credits: '10000001' }, 'body.credits'],
      [{ credits: 'lots' }, 'body.credits'],
      [{ packId: 'pack-7' }, 'body.packId'],
      [{ credits: '1000', currency: 'XYZ' }, 'body.currency'],
      [{ credits: '1000', packId: 'pack-1000' }, 'body.credits'],
      [{}, 'body.packId'],
    ];
    for (const [item, path] of cases) {
      const res = await post(t, '/api/v1/purchases', alice, { ...item, paymentMethod: 'bank_transfer' });
      expect(res.statusCode, JSON.stringify(item)).toBe(400);
      const error = res.json().error;
      expect(error.code).toBe('validation_failed');
      expect(
        error.details.fields.map((f: { path: string }) => f.path),
        JSON.stringify(item),
      ).toContain(path);
    }
    const method = await post(t, '/api/v1/purchases', alice, { credits: '1000', paymentMethod: 'cash' });
    expect(method.statusCode).toBe(400);
  });

  it('buys in another currency when asked, at that currency’s prices', async () => {
    const res = await post(t, '/api/v1/purchases', alice, {
      packId: 'pack-1000',
      currency: 'USD',
      paymentMethod: 'bank_transfer',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ currency: 'USD', subtotal: { amount: 5500, currency: 'USD' } });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, without a second purchase', async () => {
      const key = { 'idempotency-key': 'order-1' };
      const body = { credits: '2000', paymentMethod: 'bank_transfer' };
      const first = await post(t, '/api/v1/purchases', bob, body, key);
      expect(first.statusCode, first.body).toBe(201);
      const second = await post(
        t,
        '/api/v1/purchases',
        bob,
        { paymentMethod: 'bank_transfer', credits: '2000' },
        key,
      );
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      const { rows } = await t.ctx.db.query(
        `select id from purchases where account_id = $1 and credits = 2000`,
        [bob.accountId],
      );
      expect(rows).toHaveLength(1);
    });

    it('refuses the same key with a different body (409 idempotency_conflict)', async () => {
      const key = { 'idempotency-key': 'order-2' };
      const first = await post(
        t,
        '/api/v1/purchases',
        bob,
        { credits: '3000', paymentMethod: 'bank_transfer' },
        key,
      );
      expect(first.statusCode).toBe(201);
      const other = await post(
        t,
        '/api/v1/purchases',
        bob,
        { credits: '3001', paymentMethod: 'bank_transfer' },
        key,
      );
      expect(other.statusCode).toBe(409);
      expect(other.json().error.code).toBe('idempotency_conflict');
    });

    it('keeps keys per account: the same key in another account is another request', async () => {
      const key = { 'idempotency-key': 'shared-key' };
      const a = await post(
        t,
        '/api/v1/purchases',
        alice,
        { credits: '1000', paymentMethod: 'bank_transfer' },
        key,
      );
      const b = await post(
        t,
        '/api/v1/purchases',
        bob,
        { credits: '1000', paymentMethod: 'bank_transfer' },
        key,
      );
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(a.json().id).not.toBe(b.json().id);
    });

    it('lets concurrent duplicates create one purchase, and answers both with it', async () => {
      const key = { 'idempotency-key': 'burst-1' };
      const body = { credits: '4321', paymentMethod: 'bank_transfer' };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => post(t, '/api/v1/purchases', bob, body, key)),
      );
      for (const res of answers) expect(res.statusCode, res.body).toBe(201);
      expect(new Set(answers.map((res) => res.json().id)).size).toBe(1);
      const { rows } = await t.ctx.db.query(
        `select id from purchases where account_id = $1 and credits = 4321`,
        [bob.accountId],
      );
      expect(rows).toHaveLength(1);
    });

    it('does not remember a refusal: after fixing the cause the same key goes through', async () => {
      const dave = await signUpVerified(t);
      const key = { 'idempotency-key': 'after-fix' };
      const body = { credits: '1000', paymentMethod: 'bank_transfer' };
      expect((await post(t, '/api/v1/purchases', dave, body, key)).statusCode).toBe(409);
      const ready = await readyCustomer(t);
      const res = await post(t, '/api/v1/purchases', ready, body, key);
      expect(res.statusCode).toBe(201);
    });

    it('refuses a malformed key', async () => {
      const res = await post(
        t,
        '/api/v1/purchases',
        bob,
        { credits: '1000', paymentMethod: 'bank_transfer' },
        {
          'idempotency-key': 'x'.repeat(300),
        },
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('headers.idempotency-key');
    });
  });

  describe('reading', () => {
    it('lists the account’s purchases newest first, page by page, and only its own', async () => {
      const erin = await readyCustomer(t);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await buyByTransfer(t, erin, { credits: String(1000 + i) })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(t, `/api/v1/purchases?limit=2${cursor ? `&cursor=${cursor}` : ''}`, erin);
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json();
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((p: { id: string }) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...made].reverse());
      const filtered = await get(t, '/api/v1/purchases?status=credited', erin);
      expect(filtered.json().data).toEqual([]);
      const bad = await get(t, '/api/v1/purchases?cursor=nonsense', erin);
      expect(bad.statusCode).toBe(400);
    });

    it('reads one purchase by id, with an API key too', async () => {
      const purchase = await buyByTransfer(t, alice);
      const key = await newApiKey(t, alice);
      const res = await get(t, `/api/v1/purchases/${purchase.id}`, key);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(purchase);
    });

    it('answers another account’s purchase with 404, for reading and for canceling', async () => {
      const purchase = await buyByTransfer(t, alice);
      expect((await get(t, `/api/v1/purchases/${purchase.id}`, bob)).statusCode).toBe(404);
      expect((await post(t, `/api/v1/purchases/${purchase.id}/cancel`, bob)).statusCode).toBe(404);
      expect((await get(t, `/api/v1/purchases/pur_doesnotexist`, bob)).statusCode).toBe(404);
      expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().status).toBe(
        'awaiting_payment',
      );
    });

    it('needs credentials (401) and a customer (an admin is 403)', async () => {
      expect((await get(t, '/api/v1/purchases', null)).statusCode).toBe(401);
      expect(
        (await post(t, '/api/v1/purchases', null, { credits: '1000', paymentMethod: 'bank_transfer' }))
          .statusCode,
      ).toBe(401);
      expect((await post(t, '/api/v1/pricing/quote', null, { credits: '1000' })).statusCode).toBe(401);
      expect((await get(t, '/api/v1/purchases', ops)).statusCode).toBe(403);
    });
  });

  describe('cancel', () => {
    it('cancels a purchase awaiting payment, once', async () => {
      const purchase = await buyByTransfer(t, alice);
      const res = await post(t, `/api/v1/purchases/${purchase.id}/cancel`, alice);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        id: purchase.id,
        status: 'canceled',
        canceledAt: expect.any(String),
      });
      const again = await post(t, `/api/v1/purchases/${purchase.id}/cancel`, alice);
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toMatchObject({ code: 'conflict', details: { status: 'canceled' } });
    });

    it('refuses to cancel a paid purchase (409) and leaves it credited', async () => {
      const purchase = await buyByTransfer(t, alice);
      const paid = await post(t, `/api/v1/admin/purchases/${purchase.id}/mark-paid`, ops, {
        paidAt: new Date().toISOString(),
        bankReference: 'BANK-1',
      });
      expect(paid.statusCode, paid.body).toBe(200);
      const res = await post(t, `/api/v1/purchases/${purchase.id}/cancel`, alice);
      expect(res.statusCode).toBe(409);
      expect((await get(t, `/api/v1/purchases/${purchase.id}`, alice)).json().status).toBe('credited');
    });

    it('tells the card provider when a card purchase is canceled', async () => {
      const t2 = await createTestApp();
      try {
        const card = installFakeCardProvider(t2.ctx);
        const frank = await readyCustomer(t2);
        const res = await post(t2, '/api/v1/purchases', frank, { credits: '1000', paymentMethod: 'card' });
        expect(res.statusCode, res.body).toBe(201);
        const purchase = res.json();
        expect(purchase.card).toEqual({
          checkoutUrl: `https://pay.example/checkout/${purchase.id}`,
          status: 'checkout',
        });
        expect(card.started).toEqual([purchase.id]);
        expect((await post(t2, `/api/v1/purchases/${purchase.id}/cancel`, frank)).statusCode).toBe(200);
        expect(card.canceled).toEqual([purchase.id]);
      } finally {
        await t2.close();
      }
    });
  });

  describe('expiry', () => {
    it('expires unpaid bank-transfer purchases after the due date, and nothing else', async () => {
      const grace = await readyCustomer(t);
      const due = await buyByTransfer(t, grace, { credits: '1000' });
      const paid = await buyByTransfer(t, grace, { credits: '1001' });
      await post(t, `/api/v1/admin/purchases/${paid.id}/mark-paid`, ops, {
        paidAt: new Date().toISOString(),
        bankReference: 'B-2',
      });
      const statusOf = async (id: string) => (await getPurchase(t.ctx.db, id))?.status;
      const realNow = t.ctx.now;
      try {
        // Sessions would expire over these days: the clock moves for the job only.
        // The last day to pay is still on time.
        t.ctx.now = () => new Date(`${due.bankTransfer.dueDate}T23:59:59Z`);
        await expireOverduePurchases(t.ctx);
        expect(await statusOf(due.id)).toBe('awaiting_payment');
        // The day after, it is expired.
        t.ctx.now = () => new Date(Date.parse(`${due.bankTransfer.dueDate}T00:00:00Z`) + 86_400_000);
        expect(await expireOverduePurchases(t.ctx)).toBeGreaterThanOrEqual(1);
      } finally {
        t.ctx.now = realNow;
      }
      const expired = (await get(t, `/api/v1/purchases/${due.id}`, grace)).json();
      expect(expired).toMatchObject({ status: 'expired', expiredAt: expect.any(String) });
      expect(await statusOf(paid.id)).toBe('credited');
      // An expired purchase cannot be canceled any more.
      expect((await post(t, `/api/v1/purchases/${due.id}/cancel`, grace)).statusCode).toBe(409);
    });

    it('honours BANK_TRANSFER_DAYS', async () => {
      const t2 = await createTestApp({ env: { BANK_TRANSFER_DAYS: '3' } });
      try {
        const henry = await readyCustomer(t2);
        const purchase = await buyByTransfer(t2, henry);
        const expected = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
        expect(purchase.bankTransfer.dueDate).toBe(expected);
      } finally {
        await t2.close();
      }
    });
  });
});
