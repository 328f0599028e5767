// VAT decided right per purchase, through the API, on both databases: the cases as a table
// (domestic business and consumer, EU business with a VAT id VIES confirms, EU consumer at their
// own country's rate, outside the EU, VIES down, VIES refuting the id), quote and purchase
// agreeing to the cent, the evidence kept with the purchase and shown to the operator, and the
// re-check of purchases VIES could not check. VIES is a local stand-in, never the real service.
import { randomInt } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../src/metrics.js';
import { taxAmount } from '../../src/pricing/tax.js';
import { recheckVatIds } from '../../src/purchases/index.js';
import { adminSession, BILLING, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { get, post } from './helpers.js';

type Verdict = 'valid' | 'invalid' | 'down' | 'silent';

/** VIES's REST API as far as Tollgate uses it: POST /check-vat-number. */
class ViesStandIn {
  readonly verdicts = new Map<string, Verdict>();
  readonly asked: string[] = [];
  private server: Server | undefined;
  private counter = 0;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => this.answer(req.url ?? '', raw, res));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/rest-api`;
  }

  private answer(url: string, raw: string, res: ServerResponse) {
    const body = JSON.parse(raw) as { countryCode: string; vatNumber: string; requesterNumber?: string };
    const vatId = `${body.countryCode}${body.vatNumber}`;
    this.asked.push(vatId);
    const verdict = this.verdicts.get(vatId) ?? 'valid';
    if (url !== '/rest-api/check-vat-number') return void res.writeHead(404).end();
    if (verdict === 'silent') return; // never answers: the client's timeout decides
    res.writeHead(verdict === 'down' ? 500 : 200, { 'content-type': 'application/json' });
    if (verdict === 'down') {
      return void res.end(
        JSON.stringify({ actionSucceed: false, errorWrappers: [{ error: 'MS_UNAVAILABLE' }] }),
      );
    }
    this.counter += 1;
    res.end(
      JSON.stringify({
        countryCode: body.countryCode,
        vatNumber: body.vatNumber,
        requestDate: new Date().toISOString(),
        valid: verdict === 'valid',
        requestIdentifier: body.requesterNumber ? `WAPIAAAA${this.counter}` : '',
        name: verdict === 'valid' ? 'EXAMPLE TRADER' : '---',
        address: '---',
      }),
    );
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const digits = (n: number) => String(randomInt(0, 10 ** n)).padStart(n, '0');
const MOBILES: Record<string, () => string> = {
  ES: () => `+346${digits(8)}`,
  FR: () => `+3361${digits(7)}`,
  DE: () => `+49151${digits(8)}`,
  AT: () => `+43664${digits(7)}`,
  NL: () => `+3161${digits(7)}`,
  BE: () => `+32470${digits(6)}`,
};

const ADDRESSES: Record<string, { city: string; postalCode: string }> = {
  ES: { city: 'Madrid', postalCode: '28013' },
  FR: { city: 'Lyon', postalCode: '69001' },
  DE: { city: 'Berlin', postalCode: '10115' },
  AT: { city: 'Wien', postalCode: '1010' },
  NL: { city: 'Utrecht', postalCode: '3511' },
  BE: { city: 'Gent', postalCode: '9000' },
  US: { city: 'Boston', postalCode: '02108' },
};

interface Case {
  name: string;
  country: string;
  vatId: string | null;
  /** The country of the verified mobile number. */
  mobile: keyof typeof MOBILES;
  vies?: Verdict;
  treatment: string;
  rate: string;
  taxCountry?: string;
  evidence: { billingCountry: string; mobileCountry: string; disagreement: boolean };
  viesStatus: 'valid' | 'invalid' | 'unavailable' | null;
  vatIdIgnored?: string;
}

const CASES: Case[] = [
  {
    name: 'a domestic business',
    country: 'ES',
    vatId: 'ESB12345674',
    mobile: 'ES',
    treatment: 'domestic',
    rate: '21',
    taxCountry: 'ES',
    evidence: { billingCountry: 'ES', mobileCountry: 'ES', disagreement: false },
    viesStatus: null,
  },
  {
    name: 'a domestic consumer',
    country: 'ES',
    vatId: null,
    mobile: 'ES',
    treatment: 'domestic',
    rate: '21',
    taxCountry: 'ES',
    evidence: { billingCountry: 'ES', mobileCountry: 'ES', disagreement: false },
    viesStatus: null,
  },
  {
    name: 'an EU business with a VAT id VIES confirms',
    country: 'DE',
    vatId: 'DE136695976',
    mobile: 'DE',
    vies: 'valid',
    treatment: 'reverse_charge',
    rate: '0',
    evidence: { billingCountry: 'DE', mobileCountry: 'DE', disagreement: false },
    viesStatus: 'valid',
  },
  {
    name: 'an EU consumer in France: the French rate',
    country: 'FR',
    vatId: null,
    mobile: 'FR',
    treatment: 'eu_consumer',
    rate: '20',
    taxCountry: 'FR',
    evidence: { billingCountry: 'FR', mobileCountry: 'FR', disagreement: false },
    viesStatus: null,
  },
  {
    name: 'an EU consumer billed in Germany with a Spanish mobile: German rate, disagreement flagged',
    country: 'DE',
    vatId: null,
    mobile: 'ES',
    treatment: 'eu_consumer',
    rate: '19',
    taxCountry: 'DE',
    evidence: { billingCountry: 'DE', mobileCountry: 'ES', disagreement: true },
    viesStatus: null,
  },
  {
    name: 'a customer outside the EU',
    country: 'US',
    vatId: null,
    mobile: 'ES',
    treatment: 'outside_scope',
    rate: '0',
    evidence: { billingCountry: 'US', mobileCountry: 'ES', disagreement: true },
    viesStatus: null,
  },
  {
    name: 'an EU business while VIES is down: reverse charge on the form check, flagged for a re-check',
    country: 'AT',
    vatId: 'ATU13585627',
    mobile: 'AT',
    vies: 'down',
    treatment: 'reverse_charge',
    rate: '0',
    evidence: { billingCountry: 'AT', mobileCountry: 'AT', disagreement: false },
    viesStatus: 'unavailable',
  },
  {
    name: 'an EU business whose VAT id VIES calls invalid: a consumer at the Dutch rate',
    country: 'NL',
    vatId: 'NL004495445B01',
    mobile: 'NL',
    vies: 'invalid',
    treatment: 'eu_consumer',
    rate: '21',
    taxCountry: 'NL',
    evidence: { billingCountry: 'NL', mobileCountry: 'NL', disagreement: false },
    viesStatus: 'invalid',
    vatIdIgnored: 'vies_invalid',
  },
];

describe('VAT per purchase', () => {
  let t: TestApp;
  let ops: Session;
  const vies = new ViesStandIn();
  const made = new Map<string, { customer: Customer; purchaseId: string }>();

  beforeAll(async () => {
    await vies.start();
    t = await createTestApp({
      env: {
        ISSUER_COUNTRY: 'ES',
        ISSUER_VAT_RATE: '21',
        ISSUER_VAT_ID: 'ESB12345674',
        VIES_URL: vies.url,
        // Long enough that a loaded machine never turns the stand-in's answer into a timeout.
        VIES_TIMEOUT_MS: '3000',
      },
    });
    ops = await adminSession(t);
  });
  afterAll(async () => {
    await t.close();
    await vies.stop();
  });

  const customerFor = async (c: Pick<Case, 'country' | 'vatId' | 'mobile'>) => {
    const mobile = (MOBILES[c.mobile] ?? MOBILES.ES)?.() ?? '';
    const customer = await readyCustomer(t, { mobile });
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: customer.headers,
      payload: {
        ...BILLING,
        vatId: c.vatId,
        address: { ...BILLING.address, ...ADDRESSES[c.country], country: c.country },
        mobile,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    return customer;
  };

  it.each(CASES)('$name', async (c) => {
    if (c.vatId && c.vies) vies.verdicts.set(c.vatId, c.vies);
    const customer = await customerFor(c);
    // 910 credits: 45.50 EUR, whose VAT rounds at every rate above.
    const quoted = await post(t, '/api/v1/pricing/quote', customer, { credits: '910' });
    expect(quoted.statusCode, quoted.body).toBe(200);
    const quote = quoted.json();
    const subtotal = BigInt(quote.subtotal.amount);
    const rateBasisPoints = Math.round(Number(c.rate) * 100);
    expect(quote.tax).toEqual({
      rate: c.rate,
      treatment: c.treatment,
      amount: { amount: Number(taxAmount(subtotal, rateBasisPoints)), currency: 'EUR' },
      ...(c.taxCountry ? { country: c.taxCountry } : {}),
      ...(c.treatment === 'reverse_charge' ? { vatId: c.vatId } : {}),
    });
    expect(quote.total.amount).toBe(quote.subtotal.amount + quote.tax.amount.amount);

    const asked = vies.asked.length;
    const bought = await post(t, '/api/v1/purchases', customer, {
      credits: '910',
      paymentMethod: 'bank_transfer',
    });
    expect(bought.statusCode, bought.body).toBe(201);
    const purchase = bought.json();
    // The purchase carries exactly the quote's tax, and VIES was not asked again for it.
    expect(purchase.tax).toEqual(quote.tax);
    expect(purchase.total).toEqual(quote.total);
    expect(vies.asked.length).toBe(asked);
    made.set(c.name, { customer, purchaseId: purchase.id });

    const admin = await get(t, `/api/v1/admin/purchases/${purchase.id}`, ops);
    expect(admin.statusCode, admin.body).toBe(200);
    const evidence = admin.json().vatEvidence;
    expect(evidence).toMatchObject({ ...c.evidence, vatIdIgnored: c.vatIdIgnored ?? null });
    expect(evidence.country).toBe(c.taxCountry ?? null);
    if (c.viesStatus === null) {
      expect(evidence.vies).toBeNull();
    } else {
      expect(evidence.vies).toMatchObject({ status: c.viesStatus });
      if (c.viesStatus === 'unavailable') {
        expect(evidence.vies.requestIdentifier).toBeNull();
        expect(Date.parse(evidence.vies.recheckAt)).toBeGreaterThan(Date.now());
      } else {
        // The consultation number VIES gave (the issuer's VAT id was sent as the requester).
        expect(evidence.vies.requestIdentifier).toMatch(/^WAPIAAAA\d+$/);
        expect(evidence.vies.recheckAt).toBeNull();
      }
    }
    const { rows } = await t.ctx.db.query<{ tax_treatment: string; tax_rate_bp: number; tax_amount: bigint }>(
      'select tax_treatment, tax_rate_bp, tax_amount from purchases where id = $1',
      [purchase.id],
    );
    expect(rows[0]).toEqual({
      tax_treatment: c.treatment,
      tax_rate_bp: rateBasisPoints,
      tax_amount: taxAmount(subtotal, rateBasisPoints),
    });
  });

  it('lists the disagreements for the operator, and only those', async () => {
    const res = await get(t, '/api/v1/admin/vat-evidence?disagreement=true&limit=500', ops);
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().data.map((row: { id: string }) => row.id);
    const flagged = CASES.filter((c) => c.evidence.disagreement).map((c) => made.get(c.name)?.purchaseId);
    const agreed = CASES.filter((c) => !c.evidence.disagreement).map((c) => made.get(c.name)?.purchaseId);
    expect(ids).toEqual(expect.arrayContaining(flagged));
    for (const id of agreed) expect(ids).not.toContain(id);
    const row = res.json().data.find((r: { id: string }) => r.id === flagged[0]);
    expect(row.vatEvidence).toMatchObject({ billingCountry: 'DE', mobileCountry: 'ES', disagreement: true });
    // The short form the operator's Invoices page lists.
    expect(row).toMatchObject({
      purchaseId: row.id,
      billingCountry: 'DE',
      mobileCountry: 'ES',
      disagreement: true,
    });
    expect(row.accountId).toBe(made.get(CASES[4]?.name ?? '')?.customer.accountId);
  });

  it('filters by what VIES said and by treatment', async () => {
    const down = await get(t, '/api/v1/admin/vat-evidence?vies=unavailable', ops);
    expect(down.json().data.map((r: { id: string }) => r.id)).toContain(
      made.get(CASES[6]?.name ?? '')?.purchaseId,
    );
    const consumers = await get(t, '/api/v1/admin/vat-evidence?treatment=eu_consumer', ops);
    expect(
      consumers.json().data.every((r: { tax: { treatment: string } }) => r.tax.treatment === 'eu_consumer'),
    ).toBe(true);
    const bad = await get(t, '/api/v1/admin/vat-evidence?vies=maybe', ops);
    expect(bad.statusCode).toBe(400);
  });

  it('keeps the VAT evidence list from customers and from the unauthenticated', async () => {
    const someone = made.get(CASES[0]?.name ?? '')?.customer;
    expect((await get(t, '/api/v1/admin/vat-evidence', someone ?? null)).statusCode).toBe(403);
    expect((await get(t, '/api/v1/admin/vat-evidence', null)).statusCode).toBe(401);
  });

  it('shows the customer their own purchase’s treatment, without the evidence', async () => {
    const c = CASES[3];
    const entry = made.get(c?.name ?? '');
    if (!entry) throw new Error('no purchase');
    const res = await get(t, `/api/v1/purchases/${entry.purchaseId}`, entry.customer);
    expect(res.json().tax).toMatchObject({ treatment: 'eu_consumer', rate: '20', country: 'FR' });
    expect(res.json()).not.toHaveProperty('vatEvidence');
  });

  it('re-checks a purchase VIES could not check once VIES is back, on its schedule', async () => {
    const entry = made.get(CASES[6]?.name ?? '');
    if (!entry) throw new Error('no purchase');
    const realNow = t.ctx.now;
    try {
      // Not due yet: nothing is asked.
      expect(await recheckVatIds(t.ctx)).toEqual({ checked: 0, valid: 0, invalid: 0, unavailable: 0 });
      // Due, VIES still down: asked, still unavailable, the next try later.
      const unanswered = async () =>
        (await metrics.viesChecks.get()).values.find((v) => v.labels.outcome === 'unavailable')?.value ?? 0;
      const before = await unanswered();
      t.ctx.now = () => new Date(Date.now() + 11 * 60_000);
      expect(await recheckVatIds(t.ctx)).toMatchObject({ checked: 1, unavailable: 1 });
      expect(await unanswered()).toBe(before + 1);
      const again = (await get(t, `/api/v1/admin/purchases/${entry.purchaseId}`, ops)).json().vatEvidence
        .vies;
      expect(again).toMatchObject({ status: 'unavailable', recheckAttempts: 1 });
      expect(Date.parse(again.recheckAt)).toBeGreaterThan(Date.now() + 25 * 60_000);
      // VIES is back; two workers run the job at once: the purchase is checked once.
      vies.verdicts.set('ATU13585627', 'valid');
      t.ctx.now = () => new Date(Date.now() + 3 * 3_600_000);
      const asked = vies.asked.length;
      const [a, b] = await Promise.all([recheckVatIds(t.ctx), recheckVatIds(t.ctx)]);
      expect((a?.checked ?? 0) + (b?.checked ?? 0)).toBe(1);
      expect(vies.asked.length - asked).toBe(1);
    } finally {
      t.ctx.now = realNow;
    }
    const admin = (await get(t, `/api/v1/admin/purchases/${entry.purchaseId}`, ops)).json();
    expect(admin.vatEvidence.vies).toMatchObject({
      status: 'valid',
      recheckAt: null,
      invalidAfterPurchase: false,
      recheckAttempts: 2,
    });
    expect(admin.vatEvidence.vies.requestIdentifier).toMatch(/^WAPIAAAA\d+$/);
    // The tax stays what the customer was asked to pay.
    expect(admin.tax).toMatchObject({ treatment: 'reverse_charge', rate: '0' });
  });

  it('flags for the operator a reverse charge whose VAT id VIES later refutes, without changing it', async () => {
    vies.verdicts.set('BE0411905847', 'silent');
    const customer = await customerFor({ country: 'BE', vatId: 'BE0411905847', mobile: 'BE' });
    const bought = await post(t, '/api/v1/purchases', customer, {
      credits: '1000',
      paymentMethod: 'bank_transfer',
    });
    expect(bought.statusCode, bought.body).toBe(201);
    expect(bought.json().tax).toMatchObject({ treatment: 'reverse_charge', vatId: 'BE0411905847' });
    vies.verdicts.set('BE0411905847', 'invalid');
    const realNow = t.ctx.now;
    try {
      t.ctx.now = () => new Date(Date.now() + 11 * 60_000);
      expect(await recheckVatIds(t.ctx)).toMatchObject({ checked: 1, invalid: 1 });
    } finally {
      t.ctx.now = realNow;
    }
    const listed = await get(t, '/api/v1/admin/vat-evidence?vies=invalid', ops);
    const row = listed.json().data.find((r: { id: string }) => r.id === bought.json().id);
    expect(row.vatEvidence.vies).toMatchObject({
      status: 'invalid',
      invalidAfterPurchase: true,
      recheckAt: null,
    });
    expect(row.tax).toMatchObject({ treatment: 'reverse_charge', rate: '0' });
  });

  it('asks VIES nothing when it is not configured, and decides on the form check', async () => {
    const plain = await createTestApp();
    try {
      const asked = vies.asked.length;
      const customer = await readyCustomer(plain);
      const res = await plain.app.inject({
        method: 'PUT',
        url: '/api/v1/account/billing',
        headers: customer.headers,
        payload: {
          ...BILLING,
          vatId: 'DE136695976',
          address: { ...BILLING.address, city: 'Berlin', postalCode: '10115', country: 'DE' },
          mobile: customer.mobile,
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      const bought = await post(plain, '/api/v1/purchases', customer, {
        credits: '1000',
        paymentMethod: 'bank_transfer',
      });
      expect(bought.json().tax).toMatchObject({ treatment: 'reverse_charge', vatId: 'DE136695976' });
      expect(vies.asked.length).toBe(asked);
      const { rows } = await plain.ctx.db.query<{ vies_status: string | null }>(
        'select vies_status from purchases where id = $1',
        [bought.json().id],
      );
      expect(rows[0]?.vies_status).toBeNull();
      expect(await recheckVatIds(plain.ctx)).toEqual({ checked: 0, valid: 0, invalid: 0, unavailable: 0 });
    } finally {
      await plain.close();
    }
  });
});
