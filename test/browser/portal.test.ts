// The portal in a real browser against the real server: a customer signs up, confirms the
// e-mail from the link, fills billing data, verifies the mobile with the code on the sandbox
// virtual phone, sets preferences, creates and revokes an API key; an operator verifies and
// suspends the account. Set PORTAL_SCREENSHOTS=<dir> to keep a screenshot of each page.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import { fieldError, heading, navLink, screenshots, seeText } from './helpers.js';

const ADMIN = { email: 'ops@tollgate.test', password: 'operator-passphrase-9' };
const CUSTOMER = { name: 'Acme Tours', email: 'maria@acme-tours.test', password: 'correct horse battery 7' };
const MOBILE = '+34612345678';
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS;
const shot = screenshots(SCREENSHOTS);

let portal: Portal;
let browser: Browser;
let customerContext: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function newPage(context: BrowserContext): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (error) => pageErrors.push(error.message));
  return p;
}

async function logIn(p: Page, email: string, password: string): Promise<void> {
  await p.goto(`${portal.url}/login`);
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: ADMIN.email,
    TOLLGATE_ADMIN_PASSWORD: ADMIN.password,
    // An operator verifies accounts here, so the admin flow has something to do.
    ACCOUNT_AUTO_VERIFY: 'off',
  });
  browser = await launchBrowser();
  customerContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await newPage(customerContext);
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('the portal over HTTP', () => {
  it('serves the page shell for portal paths, with a strict content security policy', async () => {
    for (const pathname of ['/', '/login', '/verify-email?token=abc', '/admin/accounts/acc_x']) {
      const res = await fetch(`${portal.url}${pathname}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('<script type="module" src="/js/main.js">');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const script = await fetch(`${portal.url}/js/main.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves the server’s SMS counter to the portal, and nothing else of the sources', async () => {
    const shared = await fetch(`${portal.url}/src/pricing/sms-parts.js`);
    expect(shared.status).toBe(200);
    expect(shared.headers.get('content-type')).toMatch(/javascript/);
    expect(await shared.text()).toContain('export function packSms');
    const sms = await (await fetch(`${portal.url}/js/sms.js`)).text();
    expect(sms).toContain("from '../../src/pricing/sms-parts.js'");
    for (const pathname of [
      '/src/pricing/segments.ts',
      '/src/config.ts',
      '/src/pricing/sms-parts.ts',
      '/tsconfig.json',
    ]) {
      expect((await fetch(`${portal.url}${pathname}`)).status, pathname).toBe(404);
    }
  });

  it('keeps JSON 404s for unknown API and health paths and missing files', async () => {
    for (const pathname of ['/api/v1/no-such-thing', '/api/nope', '/health/deep', '/js/missing.js']) {
      const res = await fetch(`${portal.url}${pathname}`);
      expect(res.status, pathname).toBe(404);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.requestId).toMatch(/^req_/);
    }
  });
});

describe('a customer in the browser', () => {
  it('signs up and is asked to check their e-mail', async () => {
    await page.goto(`${portal.url}/signup`);
    await heading(page, 'Create your account');
    await shot(page, '01-signup');
    await page.getByLabel('Your name or company').fill(CUSTOMER.name);
    await page.getByLabel('Work e-mail').fill(CUSTOMER.email);
    await page.getByLabel('Password').fill(CUSTOMER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Check your e-mail');
    await seeText(page.locator('main'), CUSTOMER.email);
    await shot(page, '02-check-email');
  });

  it('cannot log in before confirming the e-mail, and sees why', async () => {
    await logIn(page, CUSTOMER.email, CUSTOMER.password);
    await seeText(page.locator('.notice-error'), /Request id req_/);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('opens the link from the verification e-mail, then logs in to the dashboard', async () => {
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) =>
      m.text.includes('/verify-email?token='),
    );
    const link = linkIn(mail.text, `${portal.url}/verify-email?token=`);
    await page.goto(link);
    await seeText(page.locator('main'), 'Your e-mail address is confirmed');
    expect(page.url()).not.toContain('token='); // taken out of the address bar
    await shot(page, '03-email-verified');
    await page.getByRole('link', { name: 'Log in' }).first().click();
    await page.getByLabel('E-mail').fill(CUSTOMER.email);
    await page.getByLabel('Password').fill(CUSTOMER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(page, /^Welcome/);
    await seeText(page.locator('.topbar'), CUSTOMER.name);
    await seeText(page.getByTestId('balance-available'), /^0$/);
    await seeText(page.locator('.status-banner'), 'Pending verification');
    await shot(page, '04-dashboard-new');

    // Top up (in the top bar) explains what a purchase still needs.
    await page.locator('.topbar').getByRole('link', { name: 'Top up' }).click();
    await heading(page, 'Buy credits');
    await seeText(page.locator('main'), /Still missing: complete billing data, a verified mobile number/);
    await shot(page, '04b-buy-missing');
  });

  it('stays logged in, on the same page, across a reload', async () => {
    await page.reload();
    await heading(page, 'Buy credits');
    await seeText(page.locator('.topbar'), CUSTOMER.name);
  });

  it('sees a bad VAT id next to its field, then saves complete billing data', async () => {
    await navLink(page, 'Billing data').click();
    await heading(page, 'Billing data');
    await page.getByLabel('Legal name').fill('Acme Tours S.L.');
    await page.getByLabel('VAT id').fill('ESX1234567');
    await page.getByLabel('Address line 1').fill('Calle Mayor 1');
    await page.getByLabel('City').fill('Madrid');
    await page.getByLabel('Postal code').fill('28013');
    await page.getByLabel('Country').selectOption('ES');
    await page.getByLabel('Invoice e-mail').fill('billing@acme-tours.test');
    await page.getByLabel('Mobile number').fill(MOBILE);
    await page.getByRole('button', { name: 'Save billing data' }).click();
    await fieldError(page, 'VAT id').waitFor({ state: 'visible' });
    expect(await page.getByLabel('VAT id').getAttribute('aria-invalid')).toBe('true');
    await seeText(page.locator('.notice-error'), /Request id req_/);
    await shot(page, '05-billing-vat-error');

    await page.getByLabel('VAT id').fill('ESB12345674');
    await page.getByRole('button', { name: 'Save billing data' }).click();
    await seeText(page.locator('.notice'), 'Billing data saved');
    // A new mobile number has to be verified: the portal goes there next.
    await heading(page, 'Mobile number');
  });

  it('receives the code on the virtual phone and verifies the mobile', async () => {
    await seeText(page.locator('.mobile-status'), MOBILE);
    await seeText(page.getByTestId('mobile-status'), /^Not verified$/);
    await page.getByRole('button', { name: 'Send code' }).click();
    const bubble = page.getByTestId('virtual-phone-messages').locator('.bubble-text').last();
    await bubble.waitFor({ state: 'visible' });
    const code = /\b(\d{4,8})\b/.exec((await bubble.textContent()) ?? '')?.[1];
    expect(code, 'a numeric code in the SMS').toBeDefined();
    await shot(page, '06-mobile-code');

    await page.getByLabel('Code from the SMS').fill('000000' === code ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await seeText(page.locator('.notice-error'), /Request id req_/);

    await page.getByLabel('Code from the SMS').fill(code ?? '');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await seeText(page.getByTestId('mobile-status'), /^Verified$/);
    await shot(page, '07-mobile-verified');
  });

  it('sets the preferences, which are kept', async () => {
    await navLink(page, 'Preferences').click();
    await heading(page, 'Preferences');
    await page.getByLabel('Default country').selectOption('ES');
    await page.getByLabel('Currency').selectOption('EUR');
    await page.getByLabel('Time zone').selectOption('Europe/Madrid');
    await page.locator('main select[name="language"]').selectOption('en');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await seeText(page.locator('.notice'), 'Preferences saved');
    await page.reload();
    await heading(page, 'Preferences');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Madrid');
    expect(await page.getByLabel('Default country').inputValue()).toBe('ES');
    await shot(page, '08-preferences');
  });

  it('creates an API key that is shown once, works, and stops working when revoked', async () => {
    await navLink(page, 'API keys').click();
    await heading(page, 'API keys');
    await page.getByLabel('Key name').fill('Shop notifications');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^tg_/);
    await seeText(page.locator('.key-reveal'), 'shown only this once');
    await shot(page, '09-api-key-created');

    const withKey = () =>
      fetch(`${portal.url}/api/v1/balance`, { headers: { authorization: `Bearer ${key}` } });
    expect((await withKey()).status).toBe(200);

    // Once the page is left, the key is never shown again: only its prefix.
    await navLink(page, 'Dashboard').click();
    await heading(page, /^Welcome/);
    await navLink(page, 'API keys').click();
    await heading(page, 'API keys');
    expect(await page.getByTestId('new-api-key').count()).toBe(0);
    const row = page.locator('tr', { hasText: 'Shop notifications' });
    await seeText(row, key.slice(0, 8));
    expect(await page.locator('main').textContent()).not.toContain(key);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await seeText(page.locator('.notice'), 'revoked');
    await row.waitFor({ state: 'detached' });
    expect((await withKey()).status).toBe(401);
  });

  it('sees credits arrive in the top bar without reloading, and what is held on hover', async () => {
    await seeText(page.getByTestId('balance-available'), /^0$/);
    // No purchase flow yet: credit the account straight through the ledger, as a grant would.
    const accountId = String(
      await page.evaluate("fetch('/api/v1/account').then((r) => r.json()).then((a) => a.id)"),
    );
    const credits = (n: bigint) => n * 1_000_000n;
    await portal.running.ctx.ledger.apply([
      {
        type: 'transfer',
        id: 'browser-grant-1',
        code: 'grant',
        debit: { system: 'grants' },
        credit: accountId,
        amount: credits(1000n),
      },
      {
        type: 'hold',
        id: 'browser-hold-1',
        code: 'consumption',
        debit: accountId,
        credit: { system: 'consumption' },
        amount: credits(25n),
      },
    ]);
    await seeText(page.getByTestId('balance-available'), /^975$/, 15_000);
    await seeText(page.locator('.balance-held'), '25 held');
    await page.locator('.balance').hover();
    const details = page.getByRole('tooltip');
    await details.waitFor({ state: 'visible' });
    expect(await details.textContent()).toContain('1,000 credits');
    if (SCREENSHOTS) await page.waitForTimeout(300); // let the pop-over finish fading in
    await shot(page, '09b-balance-hover');
  });

  it('shows on the dashboard which steps are done and that the operator review is next', async () => {
    await navLink(page, 'Dashboard').click();
    await heading(page, /^Welcome/);
    const done = page.locator('.check-done .check-title');
    await seeText(done, 'Enter your billing data');
    await seeText(done, 'Verify your mobile number');
    await seeText(done, 'Confirm your preferences');
    await seeText(page.locator('.status-banner'), 'reviewing your account');
    await page.getByRole('link', { name: 'Top up' }).first().click();
    await heading(page, 'Buy credits');
    await seeText(page.locator('main'), 'Your account has everything a purchase needs');
    await shot(page, '10-buy-ready');
  });
});

describe('an operator in the browser', () => {
  let admin: Page;

  it('logs in to the accounts list, finds the customer and verifies the account', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    admin = await newPage(context);
    await logIn(admin, ADMIN.email, ADMIN.password);
    await heading(admin, 'Accounts');
    await admin.getByLabel('Search accounts').fill('acme');
    const row = admin.locator('tr', { hasText: CUSTOMER.name });
    await seeText(row, 'Pending verification');
    await shot(admin, '11-admin-accounts');
    await row.getByRole('link', { name: CUSTOMER.name }).click();
    await heading(admin, CUSTOMER.name);
    await seeText(admin.locator('main'), MOBILE);
    await admin.getByRole('button', { name: 'Verify' }).click();
    await seeText(admin.getByTestId('account-status'), /^Active$/);
    await shot(admin, '12-admin-verified');

    await page.goto(`${portal.url}/`);
    await heading(page, /^Welcome/);
    await seeText(page.getByTestId('account-status'), /^Active$/);
    expect(await page.locator('.status-banner').isVisible()).toBe(false);
  });

  it('suspends the account, which the customer sees at once, and reactivates it', async () => {
    await admin.getByRole('button', { name: 'Suspend' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Suspend account' }).click();
    await seeText(admin.getByTestId('account-status'), /^Suspended$/);
    await page.reload();
    await seeText(page.locator('.status-banner'), 'Your account is suspended');
    await shot(page, '13-customer-suspended');

    await admin.getByRole('button', { name: 'Reactivate' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Reactivate' }).click();
    await seeText(admin.getByTestId('account-status'), /^Active$/);
  });
});

describe('the sandbox badge', () => {
  it('shows only when /health says the server is a sandbox', async () => {
    // With no Stripe keys the server runs the Stripe sandbox and says so; a real one does not.
    const health = (await (await fetch(`${portal.url}/health`)).json()) as { sandbox?: boolean };
    expect(health.sandbox).toBe(true);
    const context = await browser.newContext();
    const p = await newPage(context);
    let sandbox = false;
    await p.route('**/health', async (route) => {
      const real = await route.fetch();
      await route.fulfill({ response: real, json: { ...(await real.json()), sandbox } });
    });
    await p.goto(`${portal.url}/login`);
    await heading(p, 'Log in');
    expect(await p.locator('.sandbox-badge').isVisible()).toBe(false);

    sandbox = true;
    await p.reload();
    await p.locator('.sandbox-badge').waitFor({ state: 'visible' });
    await context.close();
  });
});

describe('sessions and passwords in the browser', () => {
  it('sends a user whose session ended back to the login page, and back where they were after', async () => {
    await page.goto(`${portal.url}/account/preferences`);
    await heading(page, 'Preferences');
    await customerContext.clearCookies();
    await navLink(page, 'Billing data').click();
    await heading(page, 'Log in');
    await seeText(page.locator('.notice'), 'Your session has ended');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account/billing');
    await page.getByLabel('E-mail').fill(CUSTOMER.email);
    await page.getByLabel('Password').fill(CUSTOMER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(page, 'Billing data');
  });

  it('recovers when a login in another tab replaced the session: the next try goes through', async () => {
    await navLink(page, 'Preferences').click();
    await heading(page, 'Preferences');
    // What the login form of another tab does: a new session (and CSRF token) in the shared cookie.
    const relogin = await customerContext.request.post(`${portal.url}/api/v1/auth/login`, {
      data: { email: CUSTOMER.email, password: CUSTOMER.password },
    });
    expect(relogin.status()).toBe(200);
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await seeText(page.locator('.notice'), 'Please try again');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await seeText(page.locator('.notice'), 'Preferences saved');
  });

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading(page, 'Log in');
    await page.goto(`${portal.url}/`);
    await heading(page, 'Log in');
  });

  it('resets a forgotten password from the e-mailed link', async () => {
    await page.goto(`${portal.url}/forgot-password`);
    await page.getByLabel('E-mail').fill(CUSTOMER.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await seeText(page.locator('main'), 'If an account exists for');
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) =>
      m.text.includes('/reset-password?token='),
    );
    await page.goto(linkIn(mail.text, `${portal.url}/reset-password?token=`));
    await heading(page, 'Choose a new password');
    const fresh = 'a brand new passphrase 42';
    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByLabel('Repeat the new password').fill(fresh);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await seeText(page.locator('main'), 'Your password has been changed');
    await logIn(page, CUSTOMER.email, fresh);
    await heading(page, /^Welcome/);
  });

  it('raised no script errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
