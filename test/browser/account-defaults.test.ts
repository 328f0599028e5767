// What a new account finds already filled in: the billing data's invoice e-mail is the address
// the account logs in with, and the time zone preference is the browser's until the preferences
// are saved (then the saved one, whatever the browser).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import { type ApiSession, apiLogin, apiWrite, heading } from './helpers.js';

const EMAIL = 'new-owner@defaults.test';
const PASSWORD = 'correct horse battery 8';
const BROWSER_ZONE = 'America/Mexico_City';

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let owner: ApiSession;
const problems: string[] = [];

beforeAll(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: BROWSER_ZONE });
  const signup = await context.request.post(`${portal.url}/api/v1/auth/signup`, {
    data: { email: EMAIL, password: PASSWORD, name: 'Nueva Cuenta' },
  });
  expect(signup.status()).toBe(201);
  const mail = await waitForMail(portal.dataDir, EMAIL, (m) => m.text.includes('/verify-email?token='));
  const token = new URL(linkIn(mail.text, `${portal.url}/verify-email?token=`)).searchParams.get('token');
  expect(
    (await context.request.post(`${portal.url}/api/v1/auth/verify-email`, { data: { token } })).ok(),
  ).toBe(true);
  owner = await apiLogin(portal, context, EMAIL, PASSWORD);
  page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('a new account’s defaults', () => {
  it('prefills the invoice e-mail with the address the account logs in with', async () => {
    await page.goto(`${portal.url}/account/billing`);
    await heading(page, 'Billing data');
    expect(await page.getByLabel('Invoice e-mail').inputValue()).toBe(EMAIL);
    // Saved billing data keeps its own invoice address.
    await apiWrite(portal, owner, 'PUT', '/account/billing', {
      legalName: 'Nueva Cuenta S.L.',
      address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' },
      invoiceEmail: 'facturas@defaults.test',
      mobile: '+34612345611',
    });
    await page.reload();
    await heading(page, 'Billing data');
    expect(await page.getByLabel('Invoice e-mail').inputValue()).toBe('facturas@defaults.test');
  });

  it('offers the browser’s time zone until preferences are saved, then the saved one', async () => {
    await page.goto(`${portal.url}/account/preferences`);
    await heading(page, 'Preferences');
    expect(await page.getByLabel('Time zone').inputValue()).toBe(BROWSER_ZONE);
    await page.getByLabel('Default country').selectOption('ES');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved').first().waitFor();
    const account = (await (await context.request.get(`${portal.url}/api/v1/account`)).json()) as {
      preferences: { timezone: string };
    };
    expect(account.preferences.timezone).toBe(BROWSER_ZONE);

    await apiWrite(portal, owner, 'PUT', '/account/preferences', {
      country: 'ES',
      currency: 'EUR',
      timezone: 'Europe/Madrid',
      language: 'en',
    });
    await page.reload();
    await heading(page, 'Preferences');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Madrid');
  });

  it('showed no script or console error', () => {
    expect(problems).toEqual([]);
  });
});
