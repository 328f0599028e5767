// The low-balance alert on the Preferences page, in a real browser: its limit refused next to
// the field when negative, saved, the e-mail sent when an adjustment takes the balance under it
// and the page saying so, and the section in Spanish. PORTAL_SCREENSHOTS=<dir> keeps pictures.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Portal, startPortal, waitForMail } from './harness.js';
import {
  adjustCredits,
  type ApiSession,
  apiLogin,
  apiWrite,
  fieldError,
  heading,
  OPERATOR,
  readyCustomer,
  screenshots,
  seeText,
} from './helpers.js';

const CUSTOMER = {
  name: 'Faro Logística',
  email: 'marta@faro-logistica.test',
  password: 'correct horse battery 7',
  legalName: 'Faro Logística S.L.',
  country: 'ES',
  mobile: '+34612345672',
};
const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

let portal: Portal;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('the low-balance alert in the preferences', () => {
  let context: BrowserContext;
  let page: Page;
  let customer: ApiSession;
  let admin: ApiSession;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    customer = await readyCustomer(portal, context, CUSTOMER);
    admin = await apiLogin(portal, await browser.newContext(), OPERATOR.email, OPERATOR.password);
    await adjustCredits(portal, admin, customer.accountId, 1000, 'alert test starter');
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().startsWith('Missing')) pageErrors.push(message.text());
    });
  });
  afterAll(() => context.close());

  const limitField = () => page.getByLabel('Alert limit (credits)');
  const status = () => page.getByTestId('low-balance-status');

  it('shows the alert on by default, with the default rule before any purchase', async () => {
    await page.goto(`${portal.url}/account/preferences`);
    await heading(page, 'Preferences');
    await page.getByRole('group', { name: 'Low-balance alert' }).waitFor();
    expect(await page.getByLabel('E-mail me when my available credit is low').isChecked()).toBe(true);
    await seeText(status(), 'it starts with your first purchase');
  });

  it('refuses a negative limit next to the field, and saves a good one', async () => {
    await limitField().fill('-5');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await seeText(fieldError(page, 'Alert limit (credits)'), /negative/);
    await limitField().fill('600');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await seeText(page.locator('.notice'), 'Preferences saved');
    await seeText(status(), 'when available credit falls to 600 credits');
    await page.reload();
    await heading(page, 'Preferences');
    expect(await limitField().inputValue()).toBe('600');
    await shot(page, 'preferences-alert');
  });

  it('e-mails once the balance falls under the limit, and the page says it was sent', async () => {
    await adjustCredits(portal, admin, customer.accountId, -500, 'alert test spend');
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) =>
      m.subject.startsWith('Low balance'),
    );
    expect(mail.text).toContain('500');
    expect(mail.text).toContain(`${portal.url}/buy`);
    await page.reload();
    await heading(page, 'Preferences');
    await seeText(status(), 'Sent: available credit is at or below 600 credits');
  });

  it('speaks Spanish', async () => {
    await apiWrite(portal, customer, 'PUT', '/account/language', { language: 'es' });
    await page.reload();
    await heading(page, 'Preferencias');
    await page.getByRole('group', { name: 'Aviso de saldo bajo' }).waitFor();
    await seeText(status(), 'Enviado');
    expect(await page.getByLabel('Límite del aviso (créditos)').inputValue()).toBe('600');
    await shot(page, 'preferencias-aviso');
    expect(pageErrors).toEqual([]);
  });
});
