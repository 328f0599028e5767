// The default mode's mailbox: the e-mails written to DATA_DIR/mail, read back for the portal.
// Operator staff read all of them, a logged-in user those to their own address, a browser that
// is not logged in only the verification e-mail of the sign-up it made — never another's, never a
// password reset, never the notice an existing owner gets. Absent with SMTP or in production.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  newApiKey,
  randomIp,
  type Session,
  signUpVerified,
  uniqueEmail,
} from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface Summary {
  id: string;
  to: string;
  subject: string;
  at: string;
  template: string | null;
}

const cookieOf = (setCookie: string | string[] | undefined, name: string) => {
  const all = [setCookie ?? []].flat();
  const found = all.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0];
};

describe('the mailbox of the default mode', () => {
  let t: TestApp;
  let ops: Session;

  beforeAll(async () => {
    t = await createTestApp({ env: { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tollgate-mailbox-')) } });
    ops = await adminSession(t);
  });
  afterAll(() => t.close());

  const signUp = async (email: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'mailbox pass phrase', name: 'Newcomer' },
      remoteAddress: randomIp(),
    });
    expect(res.statusCode, res.body).toBe(201);
    await t.ctx.mailer.drain();
    return { res, grant: cookieOf(res.headers['set-cookie'], 'tollgate_mailbox') };
  };
  const list = (cookie?: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/mailbox',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
    });
  const one = (id: string, cookie?: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/mailbox/${id}`, headers: cookie ? { cookie } : {} });

  it('shows a newcomer who is not logged in the verification e-mail of their own sign-up, with its link', async () => {
    const email = uniqueEmail('newcomer');
    const { res, grant } = await signUp(email);
    expect(grant).toMatch(/^tollgate_mailbox=eml_/);
    const setCookie = [res.headers['set-cookie']].flat().join('\n');
    expect(setCookie).toMatch(/tollgate_mailbox=[^;]+; Path=\/api\/v1\/mailbox; HttpOnly; SameSite=Lax/);
    expect(res.json()).toEqual({ accountId: expect.any(String), userId: expect.any(String) });

    const mine = await list(grant);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.headers['cache-control']).toBe('no-store');
    expect(mine.json()).toMatchObject({
      scope: 'signup',
      data: [{ to: email, template: 'verify-email', subject: expect.any(String) }],
    });
    const id = mine.json().data[0].id as string;
    const read = await one(id, grant);
    expect(read.statusCode).toBe(200);
    expect(read.json().text).toContain('/verify-email?token=');

    // Without the cookie, the same browser is nobody: an empty mailbox, and that e-mail is not found.
    expect((await list()).json()).toEqual({ scope: 'signup', data: [] });
    expect((await one(id)).statusCode).toBe(404);
    expect((await one(id, 'tollgate_mailbox=eml_AAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await one('../../etc/passwd', grant)).statusCode).toBe(404);
  });

  it('does not show the owner’s notice to someone signing up with an address that has an account', async () => {
    const owner = await signUpVerified(t, { email: uniqueEmail('owner') });
    await t.ctx.mailer.drain();
    const { res, grant } = await signUp(owner.email);
    expect(res.json()).toEqual({ accountId: expect.any(String), userId: expect.any(String) });
    expect(grant).toMatch(/^tollgate_mailbox=eml_/);
    expect((await list(grant)).json()).toEqual({ scope: 'signup', data: [] });
    const noticeId = (grant as string).split('=')[1] as string;
    expect((await one(noticeId, grant)).statusCode).toBe(404);
    // The owner reads it once logged in.
    const own = await list(owner.cookie);
    expect(own.json().data.map((m: Summary) => m.template)).toContain('signup-attempted');
  });

  it('never shows a logged-out browser a password reset, even with a cookie naming it', async () => {
    const user = await signUpVerified(t, { email: uniqueEmail('reset') });
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: user.email },
      remoteAddress: randomIp(),
    });
    expect(asked.statusCode).toBe(202);
    // The reset is written after the answer: wait for it to be a file.
    let resetId: string | undefined;
    for (let i = 0; i < 50 && !resetId; i++) {
      await t.ctx.mailer.drain();
      const mine = (await list(user.cookie)).json().data as Summary[];
      resetId = mine.find((m) => m.template === 'reset-password')?.id;
      if (!resetId) await new Promise((r) => setTimeout(r, 100));
    }
    if (!resetId) throw new Error('no password reset e-mail was written');
    const forged = `tollgate_mailbox=${resetId}`;
    expect((await list(forged)).json()).toEqual({ scope: 'signup', data: [] });
    expect((await one(resetId, forged)).statusCode).toBe(404);
    // Its owner reads it.
    expect((await one(resetId, user.cookie)).json().text).toContain('/reset-password?token=');
  });

  it('shows a logged-in user the e-mails to their own address only, and operator staff every e-mail', async () => {
    const ana = await signUpVerified(t, { email: uniqueEmail('ana') });
    const ben = await signUpVerified(t, { email: uniqueEmail('ben') });
    await t.ctx.mailer.drain(); // their sign-up e-mails are written just after the answers
    const anas = await list(ana.cookie);
    expect(anas.json().scope).toBe('own');
    const anaMail = anas.json().data as Summary[];
    expect(anaMail.length).toBeGreaterThan(0);
    expect(anaMail.every((m) => m.to === ana.email)).toBe(true);
    const bens = (await list(ben.cookie)).json().data as Summary[];
    expect(bens.every((m) => m.to === ben.email)).toBe(true);
    const benId = bens[0]?.id as string;
    expect((await one(benId, ana.cookie)).statusCode).toBe(404);
    expect((await one(benId, ben.cookie)).statusCode).toBe(200);

    const all = await list(ops.cookie);
    expect(all.json().scope).toBe('all');
    const everyone = (all.json().data as Summary[]).map((m) => m.to);
    expect(everyone).toEqual(expect.arrayContaining([ana.email, ben.email]));
    // Newest first.
    const times = (all.json().data as Summary[]).map((m) => m.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await one(benId, ops.cookie)).json()).toMatchObject({ id: benId, to: ben.email });
  });

  it('is read in the portal: an API key is refused', async () => {
    const carl = await signUpVerified(t, { email: uniqueEmail('carl') });
    const key = await newApiKey(t, carl);
    const res = await list(undefined, key.headers);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('tells the portal it is there', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json().mailbox).toBe(true);
  });
});

describe('the mailbox outside the default mode', () => {
  it.each([
    ['production', { NODE_ENV: 'production' }],
    ['SMTP', { SMTP_URL: 'smtp://127.0.0.1:2525' }],
  ])('is not there with %s, and no sign-up sets its cookie', async (_name, env) => {
    const t = await createTestApp({ env });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/mailbox' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect((await t.app.inject({ method: 'GET', url: '/health' })).json().mailbox).toBe(false);
      const signup = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail('prod'), password: 'mailbox pass phrase', name: 'Prod' },
        remoteAddress: randomIp(),
      });
      expect(signup.statusCode).toBe(201);
      expect(cookieOf(signup.headers['set-cookie'], 'tollgate_mailbox')).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
