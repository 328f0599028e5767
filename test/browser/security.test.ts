// Two-factor authentication and API key safety in a real browser: a customer sets up TOTP on
// the Security page (QR code, first code, recovery codes), logs in again with a code and with a
// recovery code, makes a send-only API key, and revokes every key with a password reset; an
// operator admin, who must have two-factor authentication here, enrols at the first login.
// Codes are made in the test from the key the page shows. PORTAL_SCREENSHOTS=<dir> keeps pictures.
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import { heading, logIn, navLink, readyCustomer, screenshots, seeText } from './helpers.js';

const ADMIN = { email: 'guard@tollgate.test', password: 'operator-passphrase-9' };
const CUSTOMER = {
  name: 'Nube Hosting',
  email: 'lucia@nube-hosting.test',
  password: 'correct horse battery 5',
  legalName: 'Nube Hosting S.L.',
  country: 'ES',
  mobile: '+34612345671',
};
const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

/** A code for `secret` one step ahead: never the step of a code just used (codes work once). */
function codeFor(secret: string, stepsAhead = 1): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });
}

let portal: Portal;
let browser: Browser;
const pageErrors: string[] = [];

async function newPage(context: BrowserContext): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (error) => pageErrors.push(error.message));
  // A text missing from a catalogue is reported with console.error.
  p.on('console', (message) => {
    if (message.type() === 'error' && message.text().startsWith('Missing')) pageErrors.push(message.text());
  });
  return p;
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: ADMIN.email,
    TOLLGATE_ADMIN_PASSWORD: ADMIN.password,
    ADMIN_TWO_FACTOR: 'required',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('security in the portal', () => {
  let context: BrowserContext;
  let page: Page;
  let secret = '';
  let recoveryCodes: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await readyCustomer(portal, context, CUSTOMER);
    page = await newPage(context);
  });
  afterAll(() => context.close());

  it('sets up two-factor authentication with the QR code and a first code', async () => {
    await page.goto(`${portal.url}/`);
    await navLink(page, 'Security').click();
    await heading(page, 'Security');
    await seeText(page.getByTestId('two-factor-status'), 'Off');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await page.getByLabel('Password').fill(CUSTOMER.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    // The image really loads under the portal's content security policy.
    expect(
      await page.evaluate(
        "(() => { const img = document.querySelector('.two-factor-qr'); return img.complete && img.naturalWidth > 0; })()",
      ),
    ).toBe(true);
    secret = (await page.getByTestId('two-factor-secret').textContent())?.replace(/\s+/g, '') ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await shot(page, 'security-01-scan');
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await seeText(page.locator('.field-error'), /not right/);
    await page.getByLabel('Code from the app').fill(codeFor(secret, 0));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await codes.first().waitFor();
    recoveryCodes = await codes.allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await shot(page, 'security-02-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await seeText(page.getByTestId('two-factor-status'), 'On');
    await seeText(page.locator('main'), '10 recovery codes left');
    await shot(page, 'security-03-on');
  });

  it('asks for the code after the password, and lets the owner in with it', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading(page, 'Log in');
    await logIn(page, portal.url, CUSTOMER.email, CUSTOMER.password);
    await heading(page, 'Two-factor authentication');
    await shot(page, 'security-04-login-code');
    await page.getByLabel('Code from the app').fill(codeFor(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, /^Welcome/);
  });

  it('lets the owner in with a recovery code instead', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading(page, 'Log in');
    await logIn(page, portal.url, CUSTOMER.email, CUSTOMER.password);
    await heading(page, 'Two-factor authentication');
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, /^Welcome/);
    await page.goto(`${portal.url}/account/security`);
    await seeText(page.locator('main'), '9 recovery codes left');
  });

  it('makes an API key that may only send, and shows its scope', async () => {
    await navLink(page, 'API keys').click();
    await heading(page, 'API keys');
    await page.getByLabel('Key name').fill('Shop notifications');
    await page.getByLabel('Scope').selectOption('send');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent()) ?? '';
    await seeText(page.locator('tr', { hasText: 'Shop notifications' }), 'Send messages');
    await shot(page, 'security-05-api-key-scope');
    const buy = await fetch(`${portal.url}/api/v1/purchases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ credits: '1000', paymentMethod: 'bank_transfer' }),
    });
    expect(buy.status).toBe(403);
    const balance = await fetch(`${portal.url}/api/v1/balance`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(balance.status).toBe(200);
  });

  it('offers to revoke every API key with a password reset', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading(page, 'Log in');
    const asked = await fetch(`${portal.url}/api/v1/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: CUSTOMER.email }),
    });
    expect(asked.status).toBe(202);
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) =>
      m.text.includes('/reset-password?token='),
    );
    await page.goto(linkIn(mail.text, `${portal.url}/reset-password?token=`));
    await heading(page, 'Choose a new password');
    await page.getByLabel(/^New password/).fill('a new horse battery 6');
    await page.getByLabel('Repeat the new password').fill('a new horse battery 6');
    await page.getByLabel('Also revoke every API key of this account').check();
    await shot(page, 'security-06-reset-revokes-keys');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await seeText(page.locator('main'), '1 API key was revoked.');
  });
});

describe('an operator admin where two-factor authentication is required', () => {
  it('enrols at the first login, keeps the recovery codes, and reaches the accounts', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(context);
    try {
      await logIn(page, portal.url, ADMIN.email, ADMIN.password);
      await heading(page, 'Set up two-factor authentication');
      await page.getByRole('img', { name: /QR code/ }).waitFor();
      const secret = (await page.getByTestId('two-factor-secret').textContent())?.replace(/\s+/g, '') ?? '';
      await shot(page, 'security-07-admin-enrol');
      await page.getByLabel('Code from the app').fill(codeFor(secret, 0));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByTestId('recovery-codes').waitFor();
      expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await heading(page, 'Accounts');
      await navLink(page, 'Security').click();
      await heading(page, 'Security');
      await seeText(page.locator('main'), 'cannot be turned off');
      expect(await page.getByRole('button', { name: 'Turn off' }).count()).toBe(0);
      await shot(page, 'security-08-admin-required');
    } finally {
      await context.close();
    }
  });

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
