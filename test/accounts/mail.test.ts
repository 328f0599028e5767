// E-mail through the outbox: written in the causing transaction, sent after commit, never for
// a rolled-back one, retried with back-off, and written as .eml files when there is no SMTP.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/jobs.js';
import { retryDelayMs } from '../../src/notifications/mailer.js';
import { verifyEmail } from '../../src/notifications/templates.js';
import { startWorker } from '../../src/worker.js';
import { randomIp, uniqueEmail } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { parseMail, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

interface OutboxRow {
  attempts: number;
  next_attempt_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
  text_body: string | null;
}

describe('e-mail over SMTP through the outbox', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const row = async (to: string) => {
    const { rows } = await t.ctx.db.query<OutboxRow>(
      'select attempts, next_attempt_at, sent_at, failed_at, last_error, text_body from email_outbox where to_address = $1',
      [to],
    );
    return rows[0];
  };
  const signUp = (email: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'mail test phrase', name: 'Mail' },
      remoteAddress: randomIp(),
    });
  const runJob = () =>
    startWorker(
      t.ctx,
      JOBS.filter((job) => job.name === 'notifications.send-outbox'),
      { schedule: false },
    ).runOnce();

  it('sends nothing for a transaction that rolls back', async () => {
    const to = uniqueEmail('rolled-back');
    await expect(
      t.ctx.db.transaction(async (tx) => {
        await t.ctx.mailer.enqueue(tx, {
          ...verifyEmail('en', { name: 'X', link: 'http://x', hours: 1 }),
          template: 't',
          to,
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await runJob();
    await t.ctx.mailer.drain();
    expect(await row(to)).toBeUndefined();
    expect(smtp.messages.filter((m) => m.to.includes(to))).toEqual([]);
  });

  it('retries with back-off while the server refuses, then delivers once it accepts', async () => {
    const email = uniqueEmail('retry');
    smtp.failing = true;
    const real = t.ctx.now;
    try {
      expect((await signUp(email)).statusCode).toBe(201);
      await t.ctx.mailer.drain();
      const first = await row(email);
      expect(first).toMatchObject({ attempts: 1, sent_at: null, failed_at: null });
      expect(first?.last_error).toContain('451');
      const base = Date.now();
      expect(first?.next_attempt_at.getTime()).toBeGreaterThan(base + 25_000);

      await runJob(); // not due yet
      expect((await row(email))?.attempts).toBe(1);

      t.ctx.now = () => new Date(base + 31_000);
      await runJob();
      const second = await row(email);
      expect(second?.attempts).toBe(2);
      expect(second?.next_attempt_at.getTime()).toBeGreaterThan(base + 31_000 + 55_000);

      smtp.failing = false;
      t.ctx.now = () => new Date(base + 31_000 + 61_000);
      await runJob();
      const sent = await row(email);
      expect(sent).toMatchObject({ attempts: 3, failed_at: null, last_error: null, text_body: null });
      expect(sent?.sent_at).toBeInstanceOf(Date);
      expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);

      await runJob();
      expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
    } finally {
      smtp.failing = false;
      t.ctx.now = real;
    }
  });

  it('gives up after ten attempts and says so in the log', async () => {
    const email = uniqueEmail('give-up');
    smtp.failing = true;
    const real = t.ctx.now;
    try {
      await signUp(email);
      await t.ctx.mailer.drain();
      let clock = Date.now();
      for (let attempt = 2; attempt <= 10; attempt++) {
        clock += 7 * 3_600_000;
        const at = clock;
        t.ctx.now = () => new Date(at);
        await runJob();
      }
      const last = await row(email);
      expect(last?.attempts).toBe(10);
      expect(last?.failed_at).toBeInstanceOf(Date);
      expect(t.logs.some((line) => line.includes('e-mail given up'))).toBe(true);
    } finally {
      smtp.failing = false;
      t.ctx.now = real;
    }
  });

  it('waits longer after each failure, up to six hours', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(6 * 3_600_000);
  });
});

describe('e-mail without SMTP', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tollgate-mail-'));
    t = await createTestApp({ env: { DATA_DIR: dir } });
  });
  afterAll(() => t.close());

  it('writes each e-mail as an .eml file under DATA_DIR/mail, with text and HTML', async () => {
    const email = uniqueEmail('file');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'file transport phrase', name: 'Ana & Bo' },
      headers: { 'accept-language': 'en-GB,en;q=0.8' },
    });
    expect(res.statusCode).toBe(201);
    await t.ctx.mailer.drain();
    const files = readdirSync(path.join(dir, 'mail')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const raw = readFileSync(path.join(dir, 'mail', files[0] ?? ''), 'utf8');
    const mail = parseMail(raw, '', [email]);
    expect(raw).toContain(`To: ${email}`);
    expect(mail.subject).toBe('Confirm your e-mail address');
    expect(mail.text).toContain('Hello Ana & Bo,');
    expect(mail.text).toMatch(/\/verify-email\?token=[A-Za-z0-9_-]{43}/);
    expect(mail.html).toContain('Hello Ana &amp; Bo,');
    expect(mail.html).not.toContain('Ana & Bo');
    // Beside it, a plain copy whose link can be copied as it stands.
    const plain = readFileSync(path.join(dir, 'mail', (files[0] ?? '').replace(/\.eml$/, '.txt')), 'utf8');
    expect(plain).toContain(`To: ${email}`);
    expect(plain).toMatch(/\/verify-email\?token=[A-Za-z0-9_-]{43}\s/);
  });
});
