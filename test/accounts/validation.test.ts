// Bad input on every accounts route: 400 validation_failed with each field's path, and
// nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  BILLING,
  randomIp,
  type Session,
  signUpVerified,
  uniqueEmail,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const LONG = 'x'.repeat(10_000);

interface Fields {
  error: { code: string; details: { fields: { path: string; message: string }[] } };
}

describe('bad input to the accounts routes', () => {
  let t: TestApp;
  let customer: Session & { accountId: string };
  let ops: Session;

  beforeAll(async () => {
    // Many refusals come from one address here: rate limits are another file's subject.
    t = await createTestApp({ env: { RATE_LIMIT_MULTIPLIER: '100' } });
    customer = await signUpVerified(t);
    ops = await adminSession(t);
  });
  afterAll(() => t.close());

  async function refused(
    method: 'POST' | 'PUT' | 'GET',
    url: string,
    payload: unknown,
    headers: Record<string, string> = {},
  ): Promise<string[]> {
    const res = await t.app.inject({
      method,
      url,
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'GET' ? {} : { payload: JSON.stringify(payload) }),
      remoteAddress: randomIp(),
    });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json() as Fields;
    expect(body.error.code).toBe('validation_failed');
    return [...new Set(body.error.details.fields.map((f) => f.path))].sort();
  }

  const counts = async () => {
    const { rows } = await t.ctx.db.query<{ users: number; accounts: number; ledger: number; keys: number }>(
      `select (select count(*)::int from users) as users, (select count(*)::int from accounts) as accounts,
              (select count(*)::int from ledger_accounts) as ledger, (select count(*)::int from api_keys) as keys`,
    );
    return rows[0];
  };
  const storedAccount = async () => {
    const { rows } = await t.ctx.db.query('select * from accounts where id = $1', [customer.accountId]);
    return rows[0];
  };

  describe('sign-up', () => {
    const url = '/api/v1/auth/signup';
    const good = { email: 'fine@example.com', password: 'a fine long password', name: 'Fine' };

    it.each([
      ['a malformed e-mail', { ...good, email: 'not-an-email' }, ['body.email']],
      ['an e-mail with a space', { ...good, email: 'a b@example.com' }, ['body.email']],
      ['a 10,000-character e-mail', { ...good, email: `${LONG}@example.com` }, ['body.email']],
      ['a 10,000-character name', { ...good, name: LONG }, ['body.name']],
      ['a 10,000-character password', { ...good, password: LONG }, ['body.password']],
      ['a number for the e-mail', { ...good, email: 42 }, ['body.email']],
      ['null for the name', { ...good, name: null }, ['body.name']],
      ['an array for the password', { ...good, password: ['a', 'b'] }, ['body.password']],
      ['an extra field', { ...good, role: 'admin' }, ['body.role']],
      ['missing fields', { email: good.email }, ['body.name', 'body.password']],
      ['a short password', { ...good, password: 'short' }, ['body.password']],
      ['a common password', { ...good, password: 'password1234' }, ['body.password']],
      ['a keyboard walk', { ...good, password: 'qwertyuiop' }, ['body.password']],
      ['the e-mail as password', { ...good, password: 'fine@example.com' }, ['body.password']],
      ['a blank name', { ...good, name: '   ' }, ['body.name']],
    ])('refuses %s and stores nothing', async (_label, payload, paths) => {
      const before = await counts();
      expect(await refused('POST', url, payload)).toEqual(paths);
      expect(await counts()).toEqual(before);
    });

    it('refuses a body that is not an object', async () => {
      expect(await refused('POST', url, [good])).toEqual(['body']);
      expect(await refused('POST', url, 'text')).toEqual(['body']);
    });

    it('answers an address that already has an account as any other, storing no account', async () => {
      const before = await counts();
      const res = await t.app.inject({
        method: 'POST',
        url,
        payload: { ...good, email: customer.email.toUpperCase() },
        remoteAddress: randomIp(),
      });
      expect(res.statusCode).toBe(201);
      expect(await counts()).toEqual(before);
    });
  });

  describe('login, tokens and reset', () => {
    it.each([
      ['/api/v1/auth/login', { email: 'nope', password: 'x' }, ['body.email']],
      ['/api/v1/auth/login', { email: uniqueEmail(), password: LONG }, ['body.password']],
      ['/api/v1/auth/login', { email: uniqueEmail(), password: 1234 }, ['body.password']],
      ['/api/v1/auth/login', { email: uniqueEmail(), password: 'x', remember: true }, ['body.remember']],
      ['/api/v1/auth/verify-email', { token: LONG }, ['body.token']],
      ['/api/v1/auth/verify-email', { token: 7 }, ['body.token']],
      ['/api/v1/auth/verify-email', {}, ['body.token']],
      ['/api/v1/auth/verify-email/resend', { email: 'nope' }, ['body.email']],
      ['/api/v1/auth/password-reset', { email: LONG }, ['body.email']],
      ['/api/v1/auth/password-reset', { email: uniqueEmail(), extra: 1 }, ['body.extra']],
      ['/api/v1/auth/password-reset/confirm', { token: 'abc', password: LONG }, ['body.password']],
      ['/api/v1/auth/password-reset/confirm', { token: 'abc', password: 'short' }, ['body.password']],
      ['/api/v1/auth/password-reset/confirm', { token: null, password: 'a long enough one' }, ['body.token']],
    ])('POST %s refuses %j', async (url, payload, paths) => {
      expect(await refused('POST', url, payload)).toEqual(paths);
    });
  });

  describe('billing data', () => {
    const url = '/api/v1/account/billing';
    const good = { ...BILLING, mobile: '+34612000111' };

    it.each([
      ['a 10,000-character legal name', { ...good, legalName: LONG }, ['body.legalName']],
      [
        'a 10,000-character address line',
        { ...good, address: { ...good.address, line1: LONG } },
        ['body.address.line1'],
      ],
      ['a 10,000-character tax id', { ...good, taxId: LONG }, ['body.taxId']],
      [
        'a three-letter country',
        { ...good, address: { ...good.address, country: 'ESP' } },
        ['body.address.country'],
      ],
      [
        'a lower-case country',
        { ...good, address: { ...good.address, country: 'es' } },
        ['body.address.country'],
      ],
      [
        'a country that does not exist',
        { ...good, address: { ...good.address, country: 'XX' } },
        ['body.address.country'],
      ],
      ['a VAT id with a wrong check digit', { ...good, vatId: 'ESB12345675' }, ['body.vatId']],
      ['a VAT id of the wrong form for Germany', { ...good, vatId: 'DE12345' }, ['body.vatId']],
      ['a VAT id with no country prefix', { ...good, vatId: 'B12345674' }, ['body.vatId']],
      ['a VAT id with an unknown prefix', { ...good, vatId: 'QQ123456789' }, ['body.vatId']],
      ['Greece written GR in a VAT id', { ...good, vatId: 'GR094259216' }, ['body.vatId']],
      ['letters for a mobile', { ...good, mobile: 'call me maybe' }, ['body.mobile']],
      ['too few digits for a mobile', { ...good, mobile: '+3461' }, ['body.mobile']],
      ['a landline for a mobile', { ...good, mobile: '+34 912 345 678' }, ['body.mobile']],
      ['a 10,000-character mobile', { ...good, mobile: LONG }, ['body.mobile']],
      ['a malformed invoice e-mail', { ...good, invoiceEmail: 'billing at example' }, ['body.invoiceEmail']],
      ['a number for the legal name', { ...good, legalName: 12 }, ['body.legalName']],
      ['a string for the address', { ...good, address: 'Calle Mayor 1, Madrid' }, ['body.address']],
      ['an extra field', { ...good, iban: 'ES91 2100 0418 4502 0005 1332' }, ['body.iban']],
      [
        'an extra address field',
        { ...good, address: { ...good.address, planet: 'Earth' } },
        ['body.address.planet'],
      ],
      ['a missing address', { ...good, address: undefined }, ['body.address']],
      ['a blank city', { ...good, address: { ...good.address, city: '  ' } }, ['body.address.city']],
      [
        'several problems at once',
        { ...good, vatId: 'ESX', mobile: '0', address: { ...good.address, country: 'ZZ' } },
        ['body.address.country', 'body.mobile', 'body.vatId'],
      ],
    ])('refuses %s and stores nothing', async (_label, payload, paths) => {
      const before = await storedAccount();
      expect(await refused('PUT', url, payload, customer.headers)).toEqual(paths);
      expect(await storedAccount()).toEqual(before);
    });

    it('reads a number without + in the address country when no default country is set', async () => {
      const res = await t.app.inject({
        method: 'PUT',
        url,
        headers: customer.headers,
        payload: { ...good, mobile: '0034 612 000 222', address: { ...good.address, country: 'FR' } },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().billing.mobile).toBe('+34612000222');
      const national = await t.app.inject({
        method: 'PUT',
        url,
        headers: customer.headers,
        payload: { ...good, mobile: '06 12 34 56 78', address: { ...good.address, country: 'FR' } },
      });
      expect(national.json().billing.mobile).toBe('+33612345678');
    });

    it('reads a number without + in the default country of the preferences', async () => {
      await t.app.inject({
        method: 'PUT',
        url: '/api/v1/account/preferences',
        headers: customer.headers,
        payload: { country: 'GB', currency: 'GBP', timezone: 'Europe/London', language: 'en' },
      });
      const res = await t.app.inject({
        method: 'PUT',
        url,
        headers: customer.headers,
        payload: { ...good, mobile: '07400 123456' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().billing.mobile).toBe('+447400123456');
    });
  });

  describe('preferences', () => {
    const url = '/api/v1/account/preferences';
    const good = { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'es' };

    it.each([
      ['an unknown currency', { ...good, currency: 'BTC' }, ['body.currency']],
      ['a lower-case currency', { ...good, currency: 'eur' }, ['body.currency']],
      ['an unknown time zone', { ...good, timezone: 'Mars/Olympus_Mons' }, ['body.timezone']],
      ['a misspelt time zone', { ...good, timezone: 'Europe/Madridd' }, ['body.timezone']],
      ['an offset for a time zone', { ...good, timezone: '+02:00' }, ['body.timezone']],
      ['a 10,000-character time zone', { ...good, timezone: LONG }, ['body.timezone']],
      ['an unknown language', { ...good, language: 'fr' }, ['body.language']],
      ['an invalid country', { ...good, country: 'UK' }, ['body.country']],
      ['a number for the country', { ...good, country: 34 }, ['body.country']],
      ['an extra field', { ...good, theme: 'dark' }, ['body.theme']],
      ['a missing field', { country: 'ES', currency: 'EUR', language: 'es' }, ['body.timezone']],
    ])('refuses %s and stores nothing', async (_label, payload, paths) => {
      const before = await storedAccount();
      expect(await refused('PUT', url, payload, customer.headers)).toEqual(paths);
      expect(await storedAccount()).toEqual(before);
    });

    it('accepts UTC and stores an aliased zone by its canonical name', async () => {
      for (const [given, stored] of [
        ['UTC', 'UTC'],
        ['America/New_York', 'America/New_York'],
        ['Asia/Calcutta', 'Asia/Calcutta'],
      ]) {
        const res = await t.app.inject({
          method: 'PUT',
          url,
          headers: customer.headers,
          payload: { ...good, timezone: given },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().preferences.timezone).toBe(stored);
      }
    });
  });

  describe('codes, keys and admin queries', () => {
    it.each([['12345'], ['1234567'], ['abcdef'], [123456], [null]])('refuses the code %j', async (code) => {
      expect(
        await refused('POST', '/api/v1/account/mobile-verification/confirm', { code }, customer.headers),
      ).toEqual(['body.code']);
    });

    it.each([
      [{ name: LONG }, ['body.name']],
      [{ name: '' }, ['body.name']],
      [{ name: 5 }, ['body.name']],
      [{ name: 'ok', scopes: ['all'] }, ['body.scopes']],
    ])('refuses the API key %j and stores nothing', async (payload, paths) => {
      const before = await counts();
      expect(await refused('POST', '/api/v1/api-keys', payload, customer.headers)).toEqual(paths);
      expect(await counts()).toEqual(before);
    });

    it.each([
      [`/api/v1/admin/accounts?q=${LONG}`, ['querystring.q']],
      ['/api/v1/admin/accounts?limit=0', ['querystring.limit']],
      ['/api/v1/admin/accounts?limit=501', ['querystring.limit']],
      ['/api/v1/admin/accounts?cursor=bm90LWEtY3Vyc29y', ['querystring.cursor']],
      ['/api/v1/admin/simulator/messages?to=hello', ['querystring.to']],
    ])('refuses GET %s', async (url, paths) => {
      expect(await refused('GET', url, undefined, ops.headers)).toEqual(paths);
    });

    it('refuses a suspension reason of 10,000 characters', async () => {
      expect(
        await refused(
          'POST',
          `/api/v1/admin/accounts/${customer.accountId}/suspend`,
          { reason: LONG },
          ops.headers,
        ),
      ).toContain('body.reason');
      const { rows } = await t.ctx.db.query<{ status: string }>('select status from accounts where id = $1', [
        customer.accountId,
      ]);
      expect(rows[0]?.status).not.toBe('suspended');
    });
  });
});
