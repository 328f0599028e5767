// The accounts domain's rules as plain functions: passwords, VAT ids, phone numbers, time
// zones, languages, cookies, ids and the configuration it reads.
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone } from '../../src/accounts/billing.js';
import { isCommonPassword } from '../../src/accounts/common-passwords.js';
import { requestLanguage } from '../../src/accounts/http.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/accounts/passwords.js';
import { parseMobile } from '../../src/accounts/phone.js';
import { newId } from '../../src/accounts/secrets.js';
import { sessionCookieOf } from '../../src/accounts/sessions.js';
import { checkVatId } from '../../src/accounts/vat.js';
import { ConfigError, loadConfig } from '../../src/config.js';

type Req = Parameters<typeof requestLanguage>[0];
const req = (headers: Record<string, string>) => ({ headers }) as unknown as Req;

describe('passwords', () => {
  it.each([
    ['short', 'must be at least 10 characters'],
    ['password123', 'is one of the most common passwords; choose another'],
    ['Password2024!', 'is one of the most common passwords; choose another'],
    ['1234567890', 'is one of the most common passwords; choose another'],
    ['QWERTYUIOP', 'is one of the most common passwords; choose another'],
    ['contraseña123', 'is one of the most common passwords; choose another'],
    ['aaaaaaaaaaaa', 'is too repetitive; choose another'],
    ['ababababab', 'is too repetitive; choose another'],
  ])('refuses %j', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  it('refuses the e-mail address and the name as passwords', () => {
    expect(passwordProblem('jane.doe@example.com', { email: 'jane.doe@example.com' })).toBe(
      'must not be your e-mail address',
    );
    expect(passwordProblem('jane.doe.1', { email: 'jane.doe.1@example.com' })).toBe(
      'must not be your e-mail address',
    );
    expect(passwordProblem('JaneDoeSmith', { name: 'Jane Doe Smith' })).toBe('must not be your name');
  });

  it('accepts long and unusual passwords, counting characters rather than bytes', () => {
    expect(passwordProblem('correct horse battery staple')).toBeNull();
    expect(passwordProblem('ñandú-pingüino')).toBeNull();
    expect(passwordProblem('🦊🦊🐻🐻🐼🐼🐸🐸🐙🐙')).toBeNull();
    expect(passwordProblem('🦊🦊🦊🦊🐻🐻🐻🐻🐼🐼')).toBe('is too repetitive; choose another');
    expect(passwordProblem('🦊🦊🦊🦊🐻')).toBe('must be at least 10 characters');
    expect(isCommonPassword('trustno1')).toBe(true);
    expect(isCommonPassword('velvet tractor orbit')).toBe(false);
  });

  it('hashes with argon2id and verifies only the right password', async () => {
    const hash = await hashPassword('a secret phrase here');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a secret phrase here')).toBe(true);
    expect(await verifyPassword(hash, 'a secret phrase herE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});

describe('VAT ids', () => {
  it.each([
    ['ESB12345674', 'ESB12345674', 'ES'],
    ['es b-1234567.4', 'ESB12345674', 'ES'],
    ['DE136695976', 'DE136695976', 'DE'],
    ['ATU13585627', 'ATU13585627', 'AT'],
    ['FR40303265045', 'FR40303265045', 'FR'],
    ['EL094259216', 'EL094259216', 'GR'],
    ['IE6388047V', 'IE6388047V', 'IE'],
    ['NL004495445B01', 'NL004495445B01', 'NL'],
  ])('accepts %j as %s (%s)', (input, vatId, country) => {
    expect(checkVatId(input)).toEqual({ ok: true, vatId, country });
  });

  it.each(['ESB12345675', 'DE12345678', 'GR094259216', 'B12345674', 'XX123456789', 'ATU1358562', ''])(
    'refuses %j',
    (input) => {
      expect(checkVatId(input).ok).toBe(false);
    },
  );
});

describe('mobile numbers', () => {
  it.each([
    ['+34 612 34 56 78', null, '+34612345678'],
    ['612345678', 'ES', '+34612345678'],
    ['0034612345678', null, '+34612345678'],
    ['(201) 555-0123', 'US', '+12015550123'],
    ['07400 123456', 'GB', '+447400123456'],
    ['+420 601 230 000', null, '+420601230000'],
  ])('reads %j (default %s) as %s', (input, country, e164) => {
    expect(parseMobile(input, country)).toMatchObject({ ok: true, e164 });
  });

  it.each([
    ['612345678', null],
    ['+34 912 345 678', null],
    ['+34 800 123 456', null],
    ['+3461', null],
    ['call me', 'ES'],
    ['+1 555', null],
  ])('refuses %j (default %s)', (input, country) => {
    expect(parseMobile(input, country).ok).toBe(false);
  });
});

describe('time zones and languages', () => {
  it('knows IANA zones and their aliases, and nothing else', () => {
    expect(canonicalTimeZone('Europe/Madrid')).toBe('Europe/Madrid');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    // A name the runtime's own list leaves out is accepted and stored as the runtime knows it.
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toMatch(/Buenos_Aires$/);
    expect(canonicalTimeZone('Europe/Kiev')).not.toBeNull();
    for (const bad of ['Europe/Nowhere', 'EST5EDT ', '+01:00', 'GMT+1', '../../etc/passwd', '']) {
      expect(canonicalTimeZone(bad), bad).toBeNull();
    }
  });

  it('picks the language the browser prefers among en and es', () => {
    expect(requestLanguage(req({}))).toBe('en');
    expect(requestLanguage(req({ 'accept-language': 'es-MX,es;q=0.9,en;q=0.8' }))).toBe('es');
    expect(requestLanguage(req({ 'accept-language': 'fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4' }))).toBe('es');
    expect(requestLanguage(req({ 'accept-language': 'en;q=0.2, es;q=0.7' }))).toBe('es');
    expect(requestLanguage(req({ 'accept-language': 'de, es;q=0' }))).toBe('en');
  });
});

describe('cookies and ids', () => {
  it('reads the session cookie among others, and ignores malformed values', () => {
    const token = 'A'.repeat(43);
    expect(sessionCookieOf(req({ cookie: `theme=dark; tollgate_session=${token}; x=1` }) as never)).toBe(
      token,
    );
    expect(sessionCookieOf(req({ cookie: 'tollgate_session=<script>' }) as never)).toBeUndefined();
    expect(sessionCookieOf(req({}) as never)).toBeUndefined();
  });

  it('makes opaque, prefixed, unique ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('acc')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^acc_[a-z2-7]{24}$/);
  });
});

describe('accounts configuration', () => {
  it('defaults to verification by staff, the simulator and .eml files', () => {
    const config = loadConfig({});
    expect(config.accounts).toMatchObject({
      verification: 'staff',
      sessionIdleHours: 168,
      rateLimitMultiplier: 1,
    });
    expect(config.accounts.bootstrapAdmin).toBeUndefined();
    expect(config.mail).toEqual({ smtpUrl: undefined, from: 'Tollgate <no-reply@localhost>' });
    expect(config.sms).toMatchObject({
      carrier: 'simulator',
      sender: 'Tollgate',
      simulatorReceiptDelayMs: 0,
    });
  });

  it('reads who verifies accounts from ACCOUNT_VERIFICATION, or from its older name', () => {
    const verification = (env: Record<string, string>) => loadConfig(env).accounts.verification;
    expect(verification({ ACCOUNT_VERIFICATION: 'mobile' })).toBe('mobile');
    expect(verification({ ACCOUNT_VERIFICATION: 'staff' })).toBe('staff');
    expect(verification({ ACCOUNT_AUTO_VERIFY: 'mobile' })).toBe('mobile');
    expect(verification({ ACCOUNT_AUTO_VERIFY: 'off' })).toBe('staff');
    expect(verification({ ACCOUNT_VERIFICATION: 'staff', ACCOUNT_AUTO_VERIFY: 'mobile' })).toBe('staff');
  });

  it.each([
    [{ ACCOUNT_VERIFICATION: 'email' }, 'ACCOUNT_VERIFICATION'],
    [{ ACCOUNT_VERIFICATION: 'off' }, 'ACCOUNT_VERIFICATION'],
    [{ ACCOUNT_AUTO_VERIFY: 'email' }, 'ACCOUNT_AUTO_VERIFY'],
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ TOLLGATE_ADMIN_EMAIL: 'ops@example.com' }, 'TOLLGATE_ADMIN_PASSWORD'],
    [{ TOLLGATE_ADMIN_PASSWORD: 'x' }, 'TOLLGATE_ADMIN_EMAIL'],
    [{ TOLLGATE_ADMIN_EMAIL: 'nope', TOLLGATE_ADMIN_PASSWORD: 'x' }, 'TOLLGATE_ADMIN_EMAIL'],
    [{ SMS_SENDER: 'A sender far too long' }, 'SMS_SENDER'],
    [{ SMS_CARRIER: 'carrier-pigeon' }, 'SMS_CARRIER'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ SESSION_IDLE_HOURS: '0' }, 'SESSION_IDLE_HOURS'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY'],
  ])('refuses %j', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });

  it('trusts X-Forwarded-For from loopback proxies unless told otherwise', () => {
    expect(loadConfig({}).trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy).toBe(
      'loopback,10.0.0.0/8,fd00::/8',
    );
  });

  it('reads SMTP, the sender and the bootstrap admin', () => {
    const config = loadConfig({
      SMTP_URL: 'smtps://user:p%40ss@mail.example.com:465',
      MAIL_FROM: 'Billing <billing@example.com>',
      TOLLGATE_ADMIN_EMAIL: ' Ops@Example.com ',
      TOLLGATE_ADMIN_PASSWORD: 'a long admin phrase',
      SMS_SENDER: '+34600111222',
    });
    expect(config.mail).toEqual({
      smtpUrl: 'smtps://user:p%40ss@mail.example.com:465',
      from: 'Billing <billing@example.com>',
    });
    expect(config.accounts.bootstrapAdmin).toEqual({
      email: 'ops@example.com',
      password: 'a long admin phrase',
    });
    expect(config.sms.sender).toBe('+34600111222');
  });
});
