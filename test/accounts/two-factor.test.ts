// Two-factor authentication (TOTP, recovery codes): optional for every portal user, required for
// operator admins where ADMIN_TWO_FACTOR=required (always with NODE_ENV=production). The codes
// are made here from the secret the API shows, at the time the app's clock says.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/accounts/admin.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import {
  adminSession,
  logIn,
  newApiKey,
  randomIp,
  type Session,
  sessionCookie,
  signUpVerified,
  uniqueEmail,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Headers = Record<string, string>;

/** The app's clock, moved by hand: a TOTP code is good for its 30-second step. */
function manualClock(t: TestApp) {
  const state = { now: Date.now() };
  t.ctx.now = () => new Date(state.now);
  return {
    next: () => {
      state.now += 30_000;
    },
    code: (secret: string) =>
      new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
        timestamp: state.now,
      }),
  };
}

function twoFactorHelpers(t: TestApp) {
  const post = (url: string, headers: Headers, payload?: unknown) =>
    t.app.inject({
      method: 'POST',
      url,
      headers,
      remoteAddress: randomIp(),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const passwordStep = (email: string, password: string) =>
    post('/api/v1/auth/login', {}, { email, password });
  const codeStep = (challenge: string, code: string) =>
    post('/api/v1/auth/login/two-factor', {}, { challenge, code });
  return { post, passwordStep, codeStep };
}

describe('two-factor authentication, optional (the default)', () => {
  let t: TestApp;
  let clock: ReturnType<typeof manualClock>;
  let h: ReturnType<typeof twoFactorHelpers>;
  beforeAll(async () => {
    t = await createTestApp();
    h = twoFactorHelpers(t);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = manualClock(t);
  });

  /** Turns two-factor on for a session's user; answers the secret and the recovery codes. */
  const enable = async (s: Session) => {
    const setup = await h.post('/api/v1/auth/two-factor/setup', s.headers, { password: s.password });
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret } = setup.json();
    const on = await h.post('/api/v1/auth/two-factor/enable', s.headers, { code: clock.code(secret) });
    expect(on.statusCode, on.body).toBe(200);
    return { secret: secret as string, recoveryCodes: on.json().recoveryCodes as string[] };
  };

  it('keeps a login one step for users without it, admins included', async () => {
    const s = await signUpVerified(t);
    expect((await h.passwordStep(s.email, s.password)).statusCode).toBe(200);
    const email = uniqueEmail('ops');
    await createAdmin(t.ctx.db, { email, password: 'operator pass phrase' }, t.ctx.now());
    const admin = await h.passwordStep(email, 'operator pass phrase');
    expect(admin.statusCode).toBe(200);
    expect(admin.json().user.role).toBe('admin');
  });

  it('enrols with a QR code and a first code, then asks for a code after the password', async () => {
    const s = await signUpVerified(t);
    const setup = await h.post('/api/v1/auth/two-factor/setup', s.headers, { password: s.password });
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret, uri, qrCode } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toBe(
      `otpauth://totp/Tollgate:${encodeURIComponent(s.email)}?issuer=Tollgate&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(qrCode.split(',')[1], 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    expect(svg).not.toContain(secret);
    expect(setup.headers['cache-control']).toBe('no-store');

    // Not on until a code proves the app has the secret.
    expect((await h.passwordStep(s.email, s.password)).statusCode).toBe(200);
    const wrong = await h.post('/api/v1/auth/two-factor/enable', s.headers, { code: '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.fields[0].path).toBe('body.code');
    const on = await h.post('/api/v1/auth/two-factor/enable', s.headers, { code: clock.code(secret) });
    expect(on.statusCode, on.body).toBe(200);
    const { recoveryCodes } = on.json();
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes)
      expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: s.headers });
    expect(status.json()).toEqual({
      enabled: true,
      enabledAt: expect.any(String),
      recoveryCodesLeft: 10,
      required: false,
    });
    const { rows } = await t.ctx.db.query<{ code_hash: string }>(
      'select code_hash from two_factor_recovery_codes where user_id = $1',
      [s.userId],
    );
    expect(rows.map((r) => r.code_hash)).not.toContain(recoveryCodes[0]);

    // The password alone no longer logs in: it answers a challenge, and no session.
    clock.next();
    const first = await h.passwordStep(s.email, s.password);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.headers['set-cookie']).toBeUndefined();
    const { challenge, expiresAt, enrolment } = first.json().twoFactor;
    expect(enrolment).toBeNull();
    expect(new Date(expiresAt).getTime()).toBe(t.ctx.now().getTime() + 5 * 60_000);
    const code = clock.code(secret);
    const second = await h.codeStep(challenge, code);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().user.email).toBe(s.email);
    const cookie = sessionCookie(second.headers['set-cookie']);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/account', headers: { cookie } })).statusCode,
    ).toBe(200);

    // A code works once, even in another login within its 30 seconds.
    const again = await h.passwordStep(s.email, s.password);
    expect((await h.codeStep(again.json().twoFactor.challenge, code)).statusCode).toBe(400);
  });

  it('logs in with a recovery code, once', async () => {
    const s = await signUpVerified(t);
    const { recoveryCodes } = await enable(s);
    const recovery = recoveryCodes[3] ?? '';
    const first = await h.passwordStep(s.email, s.password);
    // Typed however: upper case, spaces for dashes.
    const typed = recovery.toUpperCase().replaceAll('-', ' ');
    expect((await h.codeStep(first.json().twoFactor.challenge, typed)).statusCode).toBe(200);
    const second = await h.passwordStep(s.email, s.password);
    expect((await h.codeStep(second.json().twoFactor.challenge, recovery)).statusCode).toBe(400);
    const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: s.headers });
    expect(status.json().recoveryCodesLeft).toBe(9);
  });

  it('ends a challenge after five wrong codes, and after five minutes', async () => {
    const s = await signUpVerified(t);
    const { secret } = await enable(s);
    clock.next();
    const first = await h.passwordStep(s.email, s.password);
    const { challenge } = first.json().twoFactor;
    for (let i = 0; i < 5; i++) {
      const res = await h.codeStep(challenge, String(100000 + i));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('body.code');
    }
    const used = await h.codeStep(challenge, clock.code(secret));
    expect(used.statusCode).toBe(400);
    expect(used.json().error.details.fields[0].path).toBe('body.challenge');

    const late = await h.passwordStep(s.email, s.password);
    clock.next();
    for (let i = 0; i < 10; i++) clock.next();
    const expired = await h.codeStep(late.json().twoFactor.challenge, clock.code(secret));
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.details.fields[0].path).toBe('body.challenge');
  });

  it('asks for the password to set it up, and the password and a code to turn it off or renew codes', async () => {
    const s = await signUpVerified(t);
    const refused = await h.post('/api/v1/auth/two-factor/setup', s.headers, { password: 'not my password' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.fields[0].path).toBe('body.password');
    const { secret, recoveryCodes } = await enable(s);
    // Setting up again while on is refused (turn it off first).
    expect(
      (await h.post('/api/v1/auth/two-factor/setup', s.headers, { password: s.password })).statusCode,
    ).toBe(409);

    clock.next();
    const renewed = await h.post('/api/v1/auth/two-factor/recovery-codes', s.headers, {
      password: s.password,
      code: clock.code(secret),
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.json().recoveryCodes).not.toContain(recoveryCodes[0]);

    clock.next();
    const wrongPassword = await h.post('/api/v1/auth/two-factor/disable', s.headers, {
      password: 'not my password',
      code: clock.code(secret),
    });
    expect(wrongPassword.statusCode).toBe(400);
    const oldRecovery = await h.post('/api/v1/auth/two-factor/disable', s.headers, {
      password: s.password,
      code: recoveryCodes[0],
    });
    expect(oldRecovery.statusCode).toBe(400);
    const off = await h.post('/api/v1/auth/two-factor/disable', s.headers, {
      password: s.password,
      code: renewed.json().recoveryCodes[0],
    });
    expect(off.statusCode, off.body).toBe(204);
    expect((await h.passwordStep(s.email, s.password)).statusCode).toBe(200);
    const { rows } = await t.ctx.db.query('select 1 from two_factor_recovery_codes where user_id = $1', [
      s.userId,
    ]);
    expect(rows).toEqual([]);
  });

  it('is changed only from a portal session, never with an API key', async () => {
    const s = await signUpVerified(t);
    const key = await newApiKey(t, s);
    for (const url of ['/api/v1/auth/two-factor/setup', '/api/v1/auth/two-factor/disable']) {
      const res = await h.post(url, key.headers, { password: s.password, code: '123456' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details.reason).toBe('session_required');
    }
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers: key.headers });
    expect(read.statusCode).toBe(403);
  });

  it('lets an operator remove it for an owner who lost the app and the codes, telling the owner', async () => {
    const s = await signUpVerified(t);
    await enable(s);
    const ops = await adminSession(t);
    const url = `/api/v1/admin/accounts/${s.accountId}/two-factor`;
    expect((await t.app.inject({ method: 'DELETE', url, headers: s.headers })).statusCode).toBe(403);
    const removed = await t.app.inject({ method: 'DELETE', url, headers: ops.headers });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await h.passwordStep(s.email, s.password)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url, headers: ops.headers })).statusCode).toBe(409);
    const unknown = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/admin/accounts/acc_aaaaaaaaaaaaaaaaaaaaaaaa/two-factor',
      headers: ops.headers,
    });
    expect(unknown.statusCode).toBe(404);
    const { rows } = await t.ctx.db.query<{ template: string }>(
      `select template from email_outbox where to_address = $1 and template = 'two-factor-disabled'`,
      [s.email],
    );
    expect(rows).toHaveLength(1);
  });

  it('e-mails the owner when it is turned on and off', async () => {
    const s = await signUpVerified(t);
    const { secret } = await enable(s);
    clock.next();
    await h.post('/api/v1/auth/two-factor/disable', s.headers, {
      password: s.password,
      code: clock.code(secret),
    });
    const { rows } = await t.ctx.db.query<{ template: string }>(
      `select template from email_outbox where to_address = $1 and template like 'two-factor%' order by created_at`,
      [s.email],
    );
    expect(rows.map((r) => r.template)).toEqual(['two-factor-enabled', 'two-factor-disabled']);
  });
});

describe('two-factor authentication, required for operator admins', () => {
  let t: TestApp;
  let clock: ReturnType<typeof manualClock>;
  let h: ReturnType<typeof twoFactorHelpers>;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TWO_FACTOR: 'required' } });
    h = twoFactorHelpers(t);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    clock = manualClock(t);
  });

  it('enrols an admin at the first login, then asks for a code at every login', async () => {
    const email = uniqueEmail('ops');
    const password = 'operator pass phrase';
    await createAdmin(t.ctx.db, { email, password }, t.ctx.now());
    const first = await h.passwordStep(email, password);
    expect(first.statusCode, first.body).toBe(202);
    const { challenge, enrolment } = first.json().twoFactor;
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    // Abandoned and started again: the same secret, so an app that scanned it still works.
    const retried = await h.passwordStep(email, password);
    expect(retried.json().twoFactor.enrolment.secret).toBe(enrolment.secret);

    const enrolled = await h.codeStep(challenge, clock.code(enrolment.secret));
    expect(enrolled.statusCode, enrolled.body).toBe(200);
    expect(enrolled.json().recoveryCodes).toHaveLength(10);
    const cookie = sessionCookie(enrolled.headers['set-cookie']);
    const desk = await t.app.inject({ method: 'GET', url: '/api/v1/admin/accounts', headers: { cookie } });
    expect(desk.statusCode, desk.body).toBe(200);

    clock.next();
    const next = await h.passwordStep(email, password);
    expect(next.statusCode).toBe(202);
    expect(next.json().twoFactor.enrolment).toBeNull();
    const second = await h.codeStep(next.json().twoFactor.challenge, clock.code(enrolment.secret));
    expect(second.statusCode).toBe(200);
    const headers = {
      cookie: sessionCookie(second.headers['set-cookie']),
      'x-csrf-token': second.json().csrfToken,
    };
    const status = await t.app.inject({ method: 'GET', url: '/api/v1/auth/two-factor', headers });
    expect(status.json()).toMatchObject({ enabled: true, required: true });
    clock.next();
    const off = await h.post('/api/v1/auth/two-factor/disable', headers, {
      password,
      code: clock.code(enrolment.secret),
    });
    expect(off.statusCode).toBe(409);
    expect(off.json().error.details.reason).toBe('two_factor_required');
  });

  it('refuses an admin session that did not pass a second factor', async () => {
    const email = uniqueEmail('ops');
    await createAdmin(t.ctx.db, { email, password: 'operator pass phrase' }, t.ctx.now());
    // A session made while two-factor was optional, say.
    t.ctx.config.accounts.adminTwoFactor = 'optional';
    let old: Session;
    try {
      old = await logIn(t, email, 'operator pass phrase');
    } finally {
      t.ctx.config.accounts.adminTwoFactor = 'required';
    }
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/admin/accounts', headers: old.headers });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details.reason).toBe('two_factor_required');
  });

  it('leaves customers free to choose', async () => {
    const s = await signUpVerified(t);
    expect((await h.passwordStep(s.email, s.password)).statusCode).toBe(200);
  });
});

describe('ADMIN_TWO_FACTOR', () => {
  it('is required with NODE_ENV=production, optional elsewhere unless turned on', () => {
    expect(loadConfig({}).accounts.adminTwoFactor).toBe('optional');
    expect(loadConfig({ ADMIN_TWO_FACTOR: 'required' }).accounts.adminTwoFactor).toBe('required');
    expect(loadConfig({ NODE_ENV: 'production' }).accounts.adminTwoFactor).toBe('required');
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_TWO_FACTOR: 'optional' })).toThrow(ConfigError);
  });
});
