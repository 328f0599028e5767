// Automatic refills in a real browser against the real server, as the seed's step 8 describes:
// Refills → Automatic refills, switch the service on, fill in the limit of credits, the recharge
// credits, the maximum recharges in the last 30 days and the card, Save, and read the status.
// Bad input is refused with the API's errors beside the fields and nothing saved. Then the
// customer sends until the limit is crossed and sees exactly one refill appear, with the new
// balance in the top bar, and gets one e-mail for it, which is its receipt. A card that needs
// the bank's confirmation (sandbox 4000 0027 6000 3184) shows a banner on the page and e-mails
// a link; following it and approving credits the account, with no charge attempted in between. On PGlite, and on PostgreSQL as well when
// TEST_DATABASE_URL is set. Set PORTAL_SCREENSHOTS=<dir> to keep screenshots.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../helpers/db.js';
import { launchBrowser, type Mail, mailsTo, type Portal, startPortal, waitForMail } from './harness.js';
import {
  type ApiSession,
  adjustCredits,
  apiLogin,
  apiWrite,
  fieldError,
  heading,
  LUMEN_TRAVEL,
  navLink,
  OPERATOR,
  readyCustomer,
  screenshots,
  seeText,
  verifyAccount,
} from './helpers.js';

const CUSTOMER = { ...LUMEN_TRAVEL, email: 'refills@lumen-travel.test' };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

interface Rule {
  enabled: boolean;
  thresholdCredits: string;
  rechargeCredits: string;
  maxRechargesPer30Days: number;
  cardId: string | null;
  rechargesLast30Days: number;
  pausedReason: string | null;
}
interface Purchase {
  id: string;
  status: string;
  credits: string;
  source?: string;
}

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let customer: ApiSession;
let admin: ApiSession;
const pageErrors: string[] = [];

async function api<T>(pathname: string): Promise<T> {
  const response = await customer.request.get(`${portal.url}/api/v1${pathname}`);
  if (!response.ok()) throw new Error(`GET ${pathname}: ${response.status()} ${await response.text()}`);
  return (await response.json()) as T;
}

const rule = () => api<Rule>('/auto-refill');
const available = async () => Number((await api<{ available: string }>('/balance')).available);
async function automaticPurchases(): Promise<Purchase[]> {
  const page = await api<{ data: Purchase[] }>('/purchases?limit=100');
  return page.data.filter((p) => p.source === 'auto_refill');
}

async function topBarBalance(p: Page): Promise<number> {
  const text = (await p.getByTestId('balance-available').textContent()) ?? '';
  return Number(text.replace(/,/g, ''));
}

async function waitForBalance(p: Page, credits: number, timeout = 30_000): Promise<void> {
  await seeText(p.getByTestId('balance-available'), new RegExp(`^${credits.toLocaleString('en')}$`), timeout);
}

/**
 * axe-core's serious and critical violations of the page as it is now, at desktop and at phone
 * width (the states this page has beyond the empty one the page harness sees).
 */
async function accessibilityProblems(p: Page): Promise<string[]> {
  const found: string[] = [];
  for (const viewport of [
    { width: 1280, height: 860 },
    { width: 390, height: 844 },
  ]) {
    await p.setViewportSize(viewport);
    // A notice fading in is half transparent: contrast is judged once finite animations have ended.
    await p.evaluate(
      'Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => undefined))).then(() => undefined)',
    );
    // Evaluated through the debugging protocol: the page's Content-Security-Policy stays as it is.
    await p.evaluate(AXE);
    const violations = (await p.evaluate(
      "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
    )) as string[];
    found.push(...violations.map((v) => `${viewport.width}px ${v}`));
  }
  await p.setViewportSize({ width: 1280, height: 860 });
  return found;
}

/** Saves a card on the sandbox's page from Saved cards, confirming with the bank if it asks. */
async function saveCard(number: string, last4: string): Promise<void> {
  await navLink(page, 'Saved cards').click();
  await heading(page, 'Saved cards');
  await page.getByRole('button', { name: 'Add a card' }).click();
  await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Save card' }).click();
  const approve = page.getByRole('button', { name: 'Approve' });
  const back = page.waitForURL((url) => url.origin === portal.url && url.pathname === '/cards', {
    timeout: 15_000,
  });
  await Promise.race([
    approve
      .waitFor({ timeout: 15_000 })
      .then(() => approve.click())
      .catch(() => {}), // no bank step: the page went straight back
    back,
  ]);
  await back;
  await seeText(page.getByTestId('saved-cards'), `•••• ${last4}`, 15_000);
}

/** Single sends through the API, one credit each (Spain). */
async function send(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await apiWrite(portal, customer, 'POST', '/messages', {
      to: `+3461234${String(5000 + i).padStart(4, '0')}`,
      text: `Recordatorio ${i + 1}`,
    });
  }
}

/** Picks the saved card ending in `last4` in the page's card select. */
async function chooseCard(last4: string): Promise<void> {
  const select = page.getByLabel('Credit card');
  const value = await select.locator('option', { hasText: `•••• ${last4}` }).getAttribute('value');
  await select.selectOption(value ?? '');
}

/** Presses Save and waits for the API's answer to it; its status. */
async function save(): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/v1/auto-refill' && r.request().method() === 'PUT',
    ),
    page.getByRole('button', { name: 'Save', exact: true }).click(),
  ]);
  return response.status();
}

async function openRefills(): Promise<void> {
  await navLink(page, 'Automatic refills').click();
  await heading(page, 'Automatic refills');
}

// On the embedded database, and on PostgreSQL too when TEST_DATABASE_URL names a server (a
// database of its own is created there and dropped afterwards).
const DATABASES = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres' as const] : [])] as const;

describe.each(DATABASES)('automatic refills on %s', (kind) => {
  let database: { url: string; drop: () => Promise<void> } | null = null;

  beforeAll(async () => {
    pageErrors.length = 0;
    database = kind === 'postgres' ? await createPostgresDatabase() : null;
    portal = await startPortal({
      TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
      TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    customer = await readyCustomer(portal, context, CUSTOMER);
    const adminContext = await browser.newContext();
    admin = await apiLogin(portal, adminContext, OPERATOR.email, OPERATOR.password);
    await verifyAccount(portal, admin, customer.accountId);
    await adjustCredits(portal, admin, customer.accountId, 20, 'refills starter');
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    await page.goto(`${portal.url}/`);
    await waitForBalance(page, 20);
    await saveCard('4242 4242 4242 4242', '4242');
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await database?.drop();
  });

  it('opens from the balance menu: the switch and the four fields of the seed, Save, and the status', async () => {
    // The top bar's balance menu names the page.
    await page.goto(`${portal.url}/`);
    await page.locator('.topbar .balance').hover();
    await page.getByTestId('balance-refills').click();
    await heading(page, 'Automatic refills');
    const toggle = page.getByRole('switch', { name: 'Automatic refills' });
    expect(await toggle.isChecked()).toBe(false);
    await seeText(page.getByTestId('refill-state'), /^Off$/);
    await seeText(page.locator('main'), 'No automatic refills yet.');

    await toggle.check();
    await page.getByLabel('Limit of credits').fill('10');
    // Written as the portal writes numbers in English: the grouping is understood.
    await page.getByLabel('Recharge credits').fill('1,000');
    await page.getByLabel('Maximum recharges in the last 30 days').fill('3');
    await chooseCard('4242');
    expect(await page.getByLabel('Credit card').locator('option:checked').textContent()).toBe(
      'Visa •••• 4242 (expires 12/34)',
    );
    // The cost of one refill, taxed as any purchase (a Spanish business: 21 % VAT).
    await seeText(page.getByTestId('refill-quote'), '1,000 credits for €60.50 (€50.00 + VAT 21 % €10.50)');
    await shot(page, 'r01-form-filled');
    expect(await save()).toBe(200);
    await seeText(page.locator('.notice'), 'Automatic refills saved and switched on');
    await seeText(page.getByTestId('refill-state'), /^Active$/);
    await seeText(
      page.getByTestId('refill-explain'),
      'When your available balance reaches 10 credits, we buy 1,000 credits with Visa •••• 4242',
    );
    await seeText(page.getByTestId('refill-used'), /^0 of 3$/);
    await shot(page, 'r02-saved');

    const saved = await rule();
    expect(saved).toMatchObject({
      enabled: true,
      thresholdCredits: '10',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 3,
    });
    expect(saved.cardId).toMatch(/\S/);

    // What was saved is what the page shows next time.
    await page.reload();
    await heading(page, 'Automatic refills');
    expect(await page.getByRole('switch', { name: 'Automatic refills' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Limit of credits').inputValue()).toBe('10');
    expect(await page.getByLabel('Recharge credits').inputValue()).toBe('1000');
    expect(await page.getByLabel('Maximum recharges in the last 30 days').inputValue()).toBe('3');

    // The saved-cards page's mention of automatic refills leads here too.
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await page.locator('main .lead').getByRole('link', { name: 'automatic refills' }).click();
    await heading(page, 'Automatic refills');
  });

  it('shows the API’s errors beside the fields for bad input, and saves nothing', async () => {
    // A negative limit and a recharge below the minimum: both named, each beside its field.
    await page.getByLabel('Limit of credits').fill('-5');
    await page.getByLabel('Recharge credits').fill('50');
    expect(await save()).toBe(400);
    for (const label of ['Limit of credits', 'Recharge credits']) {
      await fieldError(page, label).waitFor({ state: 'visible' });
      expect((await fieldError(page, label).textContent())?.trim(), label).not.toBe('');
      expect(await page.getByLabel(label).getAttribute('aria-invalid'), label).toBe('true');
    }
    await seeText(page.locator('.notice-error'), /Request id req_/);
    await shot(page, 'r03-field-errors');
    expect(await accessibilityProblems(page)).toEqual([]);

    // A maximum of 0 or of 1,000 recharges in 30 days.
    await page.getByLabel('Limit of credits').fill('10');
    await page.getByLabel('Recharge credits').fill('1000');
    for (const maximum of ['0', '1000']) {
      await page.getByLabel('Maximum recharges in the last 30 days').fill(maximum);
      expect(await save(), maximum).toBe(400);
      await fieldError(page, 'Maximum recharges in the last 30 days').waitFor({ state: 'visible' });
      expect(await fieldError(page, 'Limit of credits').isVisible()).toBe(false);
      expect(await fieldError(page, 'Recharge credits').isVisible()).toBe(false);
    }

    // No card chosen.
    await page.getByLabel('Maximum recharges in the last 30 days').fill('3');
    await page.getByLabel('Credit card').selectOption('');
    expect(await save()).toBe(400);
    await fieldError(page, 'Credit card').waitFor({ state: 'visible' });

    expect(await rule()).toMatchObject({
      enabled: true,
      thresholdCredits: '10',
      rechargeCredits: '1000',
      maxRechargesPer30Days: 3,
    });
    await page.reload();
    await heading(page, 'Automatic refills');
    expect(await page.getByLabel('Maximum recharges in the last 30 days').inputValue()).toBe('3');
    expect(await page.getByLabel('Limit of credits').inputValue()).toBe('10');
  });

  it('sends until the limit is crossed, and one refill appears with the new balance in the top bar', async () => {
    expect(await available()).toBe(20);
    expect(await automaticPurchases()).toEqual([]);
    await openRefills();
    // 20 credits, 1 credit a message: the tenth send reaches the limit of 10.
    await send(9);
    expect(await automaticPurchases()).toEqual([]);
    await send(1);

    const history = page.getByTestId('refill-history');
    await seeText(history.getByTestId('refill-outcome'), /^Credited$/, 30_000);
    await seeText(history, '1,000 credits');
    await waitForBalance(page, 1010);
    await seeText(page.getByTestId('refill-used'), /^1 of 3$/, 15_000);
    await seeText(page.getByTestId('refill-state'), /^Active$/);
    await shot(page, 'r04-refilled');
    expect(await accessibilityProblems(page)).toEqual([]);

    const purchases = await automaticPurchases();
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({ status: 'credited', credits: '1000' });
    expect(await history.locator('tbody tr').count()).toBe(1);
    expect(await topBarBalance(page)).toBe(1010);

    // One e-mail for the refill, and it is the receipt: the tax, the total and the card in it,
    // and no "Receipt:" e-mail beside it (both would leave with the same commit).
    const refillId = purchases[0]?.id ?? '?';
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) => m.text.includes(refillId), 30_000);
    expect(mail.subject).toBe('Automatic refill: 1,000 credits added');
    for (const line of ['Tax (21 %): €10.50', 'Total: €60.50', 'Payment method: Card'])
      expect(mail.text).toContain(line);
    await page.waitForTimeout(1000);
    const aboutIt = (await mailsTo(portal.dataDir, CUSTOMER.email)).filter((m) => m.text.includes(refillId));
    expect(aboutIt.map((m) => m.subject)).toEqual(['Automatic refill: 1,000 credits added']);
  });

  it('asks for the bank’s confirmation by a banner and an e-mail; following the link and approving credits the account', async () => {
    await saveCard('4000 0027 6000 3184', '3184');
    await openRefills();
    await chooseCard('3184');
    expect(await save()).toBe(200);
    await seeText(page.getByTestId('refill-explain'), '•••• 3184');

    // An operator's adjustment lowers the balance to the limit: the refill starts.
    const before = await available();
    await adjustCredits(portal, admin, customer.accountId, 10 - before, 'refills down to the limit');
    const banner = page.getByTestId('refill-banner');
    // Started by the trigger at once as a rule; the minute's sweep is the safety net if not.
    await seeText(banner, 'Your bank asks you to confirm an automatic refill', 75_000);
    await banner.getByRole('link', { name: 'Complete the payment' }).waitFor();
    await seeText(page.getByTestId('refill-state'), /^Paused$/, 15_000);
    await shot(page, 'r05-needs-authentication');
    expect(await accessibilityProblems(page)).toEqual([]);
    await waitForBalance(page, 10);

    // One e-mail with a link to complete the payment.
    const mail: Mail = await waitForMail(
      portal.dataDir,
      CUSTOMER.email,
      (m) => /confirm the payment/i.test(m.subject) && /https?:\/\//.test(m.text),
      30_000,
    );
    const links = [...mail.text.matchAll(/https?:\/\/[^\s"<>)]+/g)].map((m) => m[0]);
    const link = links.find((l) => !/\/refills\/?$/.test(new URL(l).pathname) && new URL(l).pathname !== '/');
    expect(link, mail.text).toBeDefined();

    // Nothing charged again off-session while it waits.
    const waiting = await automaticPurchases();
    expect(waiting).toHaveLength(2);
    await page.waitForTimeout(3000);
    expect(await automaticPurchases()).toHaveLength(2);

    // Following the link: the bank's step (through the purchase's page if the link leads there).
    await page.goto(link as string);
    const approve = page.getByRole('button', { name: 'Approve' });
    const confirm = page.getByRole('link', { name: 'Confirm with your bank' });
    await Promise.race([approve.waitFor({ timeout: 15_000 }), confirm.waitFor({ timeout: 15_000 })]);
    if (await confirm.isVisible()) await confirm.click();
    await approve.click();
    await page.waitForURL((url) => url.origin === portal.url, { timeout: 15_000 });
    await waitForBalance(page, 1010);

    const after = await automaticPurchases();
    expect(after).toHaveLength(2);
    expect(after.filter((p) => p.status === 'credited')).toHaveLength(2);
    await openRefills();
    expect(await page.getByTestId('refill-banner').isVisible()).toBe(false);
    await seeText(page.getByTestId('refill-used'), /^2 of 3$/);
    expect(await page.getByTestId('refill-history').locator('tbody tr').count()).toBe(2);
    await shot(page, 'r06-confirmed');
  }, 150_000);

  it('pauses at the maximum of recharges in 30 days and says what un-pauses it', async () => {
    await page.getByLabel('Maximum recharges in the last 30 days').fill('2');
    expect(await save()).toBe(200);
    await seeText(page.getByTestId('refill-state'), /^Paused$/);
    await seeText(
      page.getByTestId('refill-explain'),
      'The maximum of recharges in the last 30 days (2) was reached',
    );
    await seeText(page.getByTestId('refill-used'), /^2 of 2$/);
    await shot(page, 'r07-cap-reached');
    // The action takes the customer to the field that lifts the pause.
    await page.getByRole('button', { name: 'Raise the maximum' }).click();
    const maximum = page.getByLabel('Maximum recharges in the last 30 days');
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('maxRechargesPer30Days');
    await maximum.fill('5');
    expect(await save()).toBe(200);
    await seeText(page.getByTestId('refill-state'), /^Active$/);
    await seeText(page.getByTestId('refill-used'), /^2 of 5$/);
  });

  it('pauses when its card was removed, and the card chosen again resumes it with a refill at once', async () => {
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await page.getByRole('button', { name: /Remove .*3184/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove card' }).click();
    await page.getByTestId('saved-cards').getByText('•••• 3184').waitFor({ state: 'detached' });

    await openRefills();
    const before = await available();
    await adjustCredits(portal, admin, customer.accountId, 10 - before, 'refills down without a card');
    await seeText(page.getByTestId('refill-state'), /^Paused$/, 75_000);
    await seeText(page.getByTestId('refill-explain'), 'The card of the automatic refills was removed');
    await seeText(page.getByTestId('refill-history').getByTestId('refill-outcome').first(), /^Failed$/);
    await seeText(page.getByTestId('refill-used'), /^2 of 5$/);
    await shot(page, 'r08-card-removed');
    expect(await accessibilityProblems(page)).toEqual([]);

    // The action leads to the card; another one saved, and the limit already reached: a refill now.
    await page.getByRole('button', { name: 'Choose another card' }).click();
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('cardId');
    await chooseCard('4242');
    expect(await save()).toBe(200);
    await seeText(page.getByTestId('refill-state'), /^Active$/);
    await waitForBalance(page, 1010);
    await seeText(page.getByTestId('refill-used'), /^3 of 5$/, 15_000);
    const purchases = await automaticPurchases();
    expect(purchases.map((p) => p.status).sort()).toEqual(['credited', 'credited', 'credited', 'failed']);
  }, 150_000);

  it('works from the keyboard: the balance menu’s link, the switch, the fields and Save', async () => {
    await page.goto(`${portal.url}/`);
    await heading(page, /^Welcome/);
    // The balance takes focus; its menu opens and its link is the next stop.
    await page.locator('.topbar .balance').focus();
    await page.getByTestId('balance-refills').waitFor({ state: 'visible' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Automatic refills');
    await page.keyboard.press('Enter');
    await heading(page, 'Automatic refills');

    const toggle = page.getByRole('switch', { name: 'Automatic refills' });
    await toggle.focus();
    await page.keyboard.press('Space');
    expect(await toggle.isChecked()).toBe(false);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('thresholdCredits');
    await page.keyboard.press('Enter'); // submits the form, as Save does
    await seeText(page.locator('.notice'), 'Automatic refills saved; they are off');
    await seeText(page.getByTestId('refill-state'), /^Off$/);
    expect((await rule()).enabled).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
