// The whole customer journey through HTTP, with e-mail delivered to a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, sessionCookie } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { linkToken, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

describe('a new customer, from sign-up to an API key', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'http://portal.test' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const email = 'maria@example.com';
  const password = 'una contraseña larga';
  let accountId: string;
  let userId: string;
  let cookie: string;
  let csrf: string;
  let apiKey: string;
  let apiKeyId: string;

  const asCustomer = () => ({ cookie, 'x-csrf-token': csrf });

  it('signs up, answers 201 with prefixed ids, and opens the ledger account at once', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'accept-language': 'es-ES,es;q=0.9,en;q=0.5' },
      payload: { email: 'Maria@Example.com', password, name: 'María' },
    });
    expect(res.statusCode, res.body).toBe(201);
    ({ accountId, userId } = res.json());
    expect(accountId).toMatch(/^acc_[a-z2-7]{24}$/);
    expect(userId).toMatch(/^usr_[a-z2-7]{24}$/);
    expect(await t.ctx.ledger.balance(accountId)).toEqual({ balance: 0n, held: 0n, available: 0n });
  });

  it('e-mails a verification link in the account language, and never the password', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    expect(mail.subject).toBe('Confirme su dirección de correo');
    expect(mail.text).toContain('http://portal.test/verify-email?token=');
    expect(mail.html).toContain('http://portal.test/verify-email?token=');
    expect(mail.raw).not.toContain(password);
    expect(mail.text).not.toContain(password);
  });

  it('refuses to log in before the address is verified', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details.reason).toBe('email_not_verified');
  });

  it('verifies the address with the token from the link', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token: linkToken(mail, '/verify-email') },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ emailVerified: true });
  });

  it('logs in with an HttpOnly, SameSite=Lax session cookie and a CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'MARIA@example.com', password },
    });
    expect(res.statusCode, res.body).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^tollgate_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Secure');
    // Beside it, a cookie the portal's script can read that only says "signed in" (no secret).
    const hint = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('tollgate_signed_in='));
    expect(hint).toMatch(/^tollgate_signed_in=1; Path=\/; SameSite=Lax; Max-Age=\d+$/);
    expect(res.headers['cache-control']).toBe('no-store');
    cookie = sessionCookie(res.headers['set-cookie']);
    const body = res.json();
    csrf = body.csrfToken;
    expect(body.user).toEqual({ id: userId, email, name: 'María', role: 'owner', emailVerified: true });
    expect(body.account).toMatchObject({
      id: accountId,
      status: 'pending_verification',
      balance: { credits: '0', held: '0', available: '0' },
      billing: null,
      mobileVerified: false,
      canPurchase: false,
      purchaseBlockers: ['billing_data', 'mobile_verification'],
      preferences: { country: null, currency: 'EUR', timezone: 'UTC', language: 'es' },
    });
  });

  it('gives the same user, account and CSRF token back on a page reload', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json().csrfToken).toBe(csrf);
    expect(res.json().account.id).toBe(accountId);
  });

  it('stores the billing data, normalised, with the mobile in E.164', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: asCustomer(),
      payload: {
        legalName: '  María Pérez S.L. ',
        taxId: 'B12345674',
        vatId: 'es b1234567-4',
        address: { line1: 'Calle Mayor 1', line2: '', city: 'Madrid', postalCode: '28013', country: 'ES' },
        invoiceEmail: 'Facturas@Example.com',
        mobile: '612 34 56 78',
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      billing: {
        legalName: 'María Pérez S.L.',
        taxId: 'B12345674',
        vatId: 'ESB12345674',
        address: {
          line1: 'Calle Mayor 1',
          line2: null,
          city: 'Madrid',
          postalCode: '28013',
          region: null,
          country: 'ES',
        },
        invoiceEmail: 'facturas@example.com',
        mobile: '+34612345678',
      },
      billingComplete: true,
      mobileVerified: false,
      canPurchase: false,
      purchaseBlockers: ['mobile_verification'],
    });
  });

  it('sends a 6-digit code by SMS through the simulator carrier', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/mobile-verification',
      headers: asCustomer(),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().to).toBe('+34612345678');
    const admin = await adminSession(t);
    const seen = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/simulator/messages?to=%2B34612345678',
      headers: { cookie: admin.cookie },
    });
    expect(seen.statusCode).toBe(200);
    const [message] = seen.json();
    expect(message).toMatchObject({ to: '+34612345678', from: 'Tollgate', status: 'delivered' });
    expect(message.text).toMatch(/^Su código de verificación de Tollgate es \d{6}\./);
    expect(new Date(message.at).toISOString()).toBe(message.at);
  });

  it('shows the same SMS on the customer’s own sandbox phone, and confirms the code', async () => {
    const phone = await t.app.inject({
      method: 'GET',
      url: '/api/v1/simulator/messages',
      headers: { cookie },
    });
    expect(phone.statusCode).toBe(200);
    const code = /\b(\d{6})\b/.exec(phone.json()[0].text)?.[1];
    expect(code).toBeDefined();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/mobile-verification/confirm',
      headers: asCustomer(),
      payload: { code },
    });
    expect(res.statusCode, res.body).toBe(200);
    // ACCOUNT_VERIFICATION=mobile (as the tests run): a verified e-mail and mobile make the account active.
    expect(res.json()).toMatchObject({
      mobileVerified: true,
      status: 'active',
      canPurchase: true,
      canSend: true,
      verification: 'mobile',
    });
    const told = await smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Su cuenta está verificada');
    expect(told.text).toContain('http://portal.test/');
  });

  it('saves the preferences', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/preferences',
      headers: asCustomer(),
      payload: { country: 'ES', currency: 'EUR', timezone: 'Europe/Madrid', language: 'en' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().preferences).toEqual({
      country: 'ES',
      currency: 'EUR',
      timezone: 'Europe/Madrid',
      language: 'en',
      lowBalanceAlertEnabled: true,
      lowBalanceAlertCredits: null,
    });
    const account = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { cookie } });
    expect(account.json().preferences.timezone).toBe('Europe/Madrid');
  });

  it('switches the language alone, as the portal’s top bar does, keeping the other preferences', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/language',
      headers: asCustomer(),
      payload: { language: 'es' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().preferences).toEqual({
      country: 'ES',
      currency: 'EUR',
      timezone: 'Europe/Madrid',
      language: 'es',
      lowBalanceAlertEnabled: true,
      lowBalanceAlertCredits: null,
    });
    const refused = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/language',
      headers: asCustomer(),
      payload: { language: 'fr' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.fields[0].path).toBe('body.language');
    const back = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/language',
      headers: asCustomer(),
      payload: { language: 'en' },
    });
    expect(back.json().preferences.language).toBe('en');
  });

  it('creates an API key shown once, which then works as Bearer on customer routes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: asCustomer(),
      payload: { name: 'Production server' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ name: 'Production server', id: expect.stringMatching(/^key_/) });
    expect(created.key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    apiKey = created.key;
    apiKeyId = created.id;
    const { rows } = await t.ctx.db.query<{ key_hash: string }>(
      'select key_hash from api_keys where id = $1',
      [apiKeyId],
    );
    expect(rows[0]?.key_hash).not.toContain(apiKey);
    expect(rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const bearer = { authorization: `Bearer ${apiKey}` };
    const balance = await t.app.inject({ method: 'GET', url: '/api/v1/balance', headers: bearer });
    expect(balance.statusCode).toBe(200);
    expect(balance.json()).toEqual({ credits: '0', held: '0', available: '0' });
    const account = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: bearer });
    expect(account.json().id).toBe(accountId);
    // Writes with an API key need no CSRF token: a browser cannot send the header cross-site.
    const prefs = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/preferences',
      headers: bearer,
      payload: { country: 'ES', currency: 'USD', timezone: 'Europe/Madrid', language: 'en' },
    });
    expect(prefs.statusCode, prefs.body).toBe(200);
  });

  it('lists keys with prefix, creation and last use, never the key itself', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const { data, nextCursor } = res.json();
    expect(nextCursor).toBeNull();
    expect(data).toEqual([
      {
        id: apiKeyId,
        name: 'Production server',
        prefix: apiKey.slice(0, 11),
        scope: 'full',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
      },
    ]);
    expect(res.body).not.toContain(apiKey);
  });

  it('revokes the key, which stops working at once', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${apiKeyId}`,
      headers: asCustomer(),
    });
    expect(res.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/balance',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { cookie } });
    expect(list.json().data).toEqual([]);
  });

  it('logs out, after which the cookie is worthless', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asCustomer() });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/^tollgate_session=; .*Max-Age=0/);
    expect(String(res.headers['set-cookie'])).toMatch(
      /tollgate_signed_in=; Path=\/; SameSite=Lax; Max-Age=0/,
    );
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('resets a forgotten password by an e-mailed link, ending every session', async () => {
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    const stillOpen = sessionCookie(other.headers['set-cookie']);
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email },
    });
    expect(asked.statusCode).toBe(202);
    const mail = await smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Reset your password');
    expect(mail.text).toContain('http://portal.test/reset-password?token=');
    const token = linkToken(mail, '/reset-password');
    const newPassword = 'a brand new secret phrase';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: newPassword },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ passwordChanged: true, apiKeysRevoked: 0 });
    const ended = await t.app.inject({
      method: 'GET',
      url: '/api/v1/account',
      headers: { cookie: stillOpen },
    });
    expect(ended.statusCode).toBe(401);
    const oldLogin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: newPassword },
    });
    expect(newLogin.statusCode).toBe(200);
    await smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Your password was changed');
  });

  it('wrote none of the passwords, tokens, cookies, keys or codes it handled to the log', async () => {
    await t.ctx.mailer.drain();
    const log = t.logs.join('\n');
    const secrets = [password, 'a brand new secret phrase', cookie.split('=')[1] ?? '', csrf, apiKey];
    for (const mail of smtp.messages) {
      for (const match of mail.text.matchAll(/token=([A-Za-z0-9_-]+)/g)) secrets.push(match[1] ?? '');
    }
    // A bare 6-digit code could occur inside any number in the log by chance: look for it as a
    // JSON string, and for the SMS that carried it.
    const { rows } = await t.ctx.db.query<{ text: string }>('select text from simulator_messages');
    for (const row of rows) secrets.push(`"${/\b(\d{6})\b/.exec(row.text)?.[1]}"`, row.text);
    expect(secrets.filter((s) => s.length >= 8)).toHaveLength(secrets.length);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it('sent every e-mail through the SMTP server with its login, and kept no link in the outbox', async () => {
    expect(smtp.refusedLogins).toBe(0);
    await t.ctx.mailer.drain();
    const { rows } = await t.ctx.db.query<{ sent: number; bodies: number }>(
      `select count(*) filter (where sent_at is not null)::int as sent,
              count(*) filter (where text_body is not null or html_body is not null)::int as bodies
         from email_outbox`,
    );
    expect(rows[0]?.sent).toBe(smtp.messages.length);
    expect(rows[0]?.bodies).toBe(0);
  });
});
