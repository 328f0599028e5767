// Sign-up tells nobody who has an account, and cannot relay a stranger's words: an address with
// an account gets the same answer as a new one (its owner is e-mailed instead), in about the same
// time; names are one line without control characters, and an e-mail to an address nobody has
// proved carries at most a short, link-free name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/accounts/email-tokens.js';
import { salutationName } from '../../src/accounts/names.js';
import { adminSession, randomIp, signUpVerified, uniqueEmail } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

describe('sign-up privacy', () => {
  let t: TestApp;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    // Many sign-ups with the same addresses in a few seconds: lift the hourly limits.
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_MULTIPLIER: '20' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const signUp = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload, remoteAddress: randomIp() });
  const users = async (email: string) =>
    (await t.ctx.db.query<{ n: number }>('select count(*)::int as n from users where email = $1', [email]))
      .rows[0]?.n;
  const mailTo = (to: string, subject: RegExp) =>
    smtp.waitFor((m) => m.to.includes(to) && subject.test(m.subject));

  it('answers an address with an account exactly as a new one, and e-mails its owner instead', async () => {
    const owner = await signUpVerified(t, { name: 'Owner Ltd' });
    const ops = await adminSession(t);
    const fresh = await signUp({
      email: uniqueEmail('fresh'),
      password: 'a fresh pass phrase',
      name: 'Mallory',
    });
    const taken = await signUp({
      email: owner.email.toUpperCase(),
      password: 'mallory pass phrase',
      name: 'Mallory',
    });
    const operator = await signUp({ email: ops.email, password: 'mallory pass phrase', name: 'Mallory' });

    for (const res of [fresh, taken, operator]) {
      expect(res.statusCode, res.body).toBe(201);
      expect(Object.keys(res.json()).sort()).toEqual(['accountId', 'userId']);
      expect(res.json().accountId).toMatch(/^acc_[a-z2-7]{24}$/);
      expect(res.json().userId).toMatch(/^usr_[a-z2-7]{24}$/);
      expect(res.headers['content-type']).toBe(fresh.headers['content-type']);
    }
    // The ids given for a taken address name nothing, and nothing was created or changed.
    expect(taken.json().userId).not.toBe(owner.userId);
    expect(taken.json().accountId).not.toBe(owner.accountId);
    const { rows } = await t.ctx.db.query('select 1 from users where id = $1 or account_id = $2', [
      taken.json().userId,
      taken.json().accountId,
    ]);
    expect(rows).toEqual([]);
    expect(await users(owner.email)).toBe(1);
    expect(await users(ops.email)).toBe(1);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.email, password: owner.password },
      remoteAddress: randomIp(),
    });
    expect(login.statusCode).toBe(200);

    // The owners hear of it, without a word of what the caller typed.
    for (const to of [owner.email, ops.email]) {
      const mail = await mailTo(to, /tried to sign up/);
      expect(mail.text).toContain('/forgot-password');
      expect(mail.text).toContain('/login');
      expect(mail.text).not.toContain('Mallory');
      expect(mail.text).not.toMatch(/verify-email\?token=/);
    }
  });

  it('spends about the same time on an address with an account as on a new one', async () => {
    const owners = await Promise.all([1, 2, 3].map(() => signUpVerified(t)));
    const time = async (email: string) => {
      const started = performance.now();
      const res = await signUp({ email, password: 'timing pass phrase', name: 'Timer' });
      expect(res.statusCode).toBe(201);
      return performance.now() - started;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const fresh: number[] = [];
    const taken: number[] = [];
    for (let i = 0; i < 11; i++) {
      fresh.push(await time(uniqueEmail('timing')));
      taken.push(await time(owners[i % owners.length]?.email ?? ''));
    }
    // Both hash the password (tens of milliseconds); skipping that on one path shows as a
    // factor of ten or more, far outside what the noise of a loaded machine does to medians.
    const ratio = median(taken) / median(fresh);
    expect(ratio, `fresh ${fresh.map(Math.round)} taken ${taken.map(Math.round)}`).toBeGreaterThan(0.5);
    expect(ratio, `fresh ${fresh.map(Math.round)} taken ${taken.map(Math.round)}`).toBeLessThan(2);
  });

  describe('names', () => {
    it.each([
      ['a line break', 'Ana\r\nBcc: victim@example.com'],
      ['a line feed', 'Ana\nClick here'],
      ['a tab', 'Ana\tLtd'],
      ['a control character', 'Ana\u0007'],
      ['a line separator', 'Ana\u2028Ltd'],
      ['a right-to-left override', 'Ana \u202Egnp.exe'],
      ['a bidirectional isolate', 'Ana \u2067Ltd'],
      ['101 characters', 'A'.repeat(101)],
    ])('refuses a name with %s, and stores nothing', async (_label, name) => {
      const email = uniqueEmail('name');
      const res = await signUp({ email, password: 'names pass phrase', name });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.fields.map((f: { path: string }) => f.path)).toEqual(['body.name']);
      expect(await users(email)).toBe(0);
    });

    it('accepts names in any script, with punctuation, up to 100 characters', async () => {
      for (const name of [
        'José Ñúñez',
        'Zoë & Søn ApS',
        '山田太郎',
        'محمد',
        'Dr. O’Brien-Smith',
        'B'.repeat(100),
      ]) {
        const res = await signUp({ email: uniqueEmail('name'), password: 'names pass phrase', name });
        expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
      }
    });

    it('greets an unverified address by a short, link-free name only', async () => {
      const cases: [string, string | null][] = [
        ['Ana García', 'Ana García'],
        ['Visit https://evil.example/win now', null],
        ['Claim your prize at evil.example', null],
        ['www evil example', null],
        ['prize@evil.example', null],
        ['evil。example', null],
        ['An ordinary but rather long name of a company', null],
      ];
      for (const [name, greeted] of cases) {
        expect(salutationName(name), name).toBe(greeted);
        const email = uniqueEmail('greet');
        expect((await signUp({ email, password: 'greeting pass phrase', name })).statusCode).toBe(201);
        const mail = await mailTo(email, /Confirm your e-mail/);
        const first = mail.text.split(/\r?\n/)[0];
        expect(first).toBe(greeted ? `Hello ${greeted},` : 'Hello,');
        if (!greeted) {
          expect(mail.text).not.toContain(name);
          expect(mail.html).not.toContain(name);
        }
      }
    });

    it('greets an unverified address asking for a password reset the same way', async () => {
      const email = uniqueEmail('reset-unverified');
      const name = 'Free money at evil.example';
      expect((await signUp({ email, password: 'unverified pass phrase', name })).statusCode).toBe(201);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email },
        remoteAddress: randomIp(),
      });
      expect(res.statusCode).toBe(202);
      const mail = await mailTo(email, /Reset your password/);
      expect(mail.text.split(/\r?\n/)[0]).toBe('Hello,');
      expect(mail.text).not.toContain('evil.example');
    });

    it('keeps the full name in e-mails to an address its owner has proved', async () => {
      const name = 'Example.com Trading Ltd';
      const owner = await signUpVerified(t, { name });
      const token = await issueToken(t.ctx.db, owner.userId, 'reset_password', t.ctx.now());
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, password: 'a brand new pass phrase' },
        remoteAddress: randomIp(),
      });
      expect(res.statusCode).toBe(200);
      const mail = await mailTo(owner.email, /password was changed/);
      expect(mail.text.split(/\r?\n/)[0]).toBe(`Hello ${name},`);
    });
  });
});
