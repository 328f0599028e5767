// Transactions people can read, in a real browser against the real server: a campaign's
// messages are one row with the count and the total that opens to its messages, the single
// sends one row, an adjustment one row with its reason; "Every movement" lists them one by one;
// both CSV downloads; the dashboard's last transactions are the grouped rows; and in Spanish
// the rows speak Spanish with Spanish numbers.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import {
  type ApiSession,
  adjustCredits,
  apiLogin,
  apiWrite,
  heading,
  LUMEN_TRAVEL,
  OPERATOR,
  readyCustomer,
  seeText,
  verifyAccount,
} from './helpers.js';

const CUSTOMER = { ...LUMEN_TRAVEL, email: 'tx@lumen-travel.test', mobile: '+34612345688' };
const RECIPIENTS = 12;

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let customer: ApiSession;
let campaignId: string;
const problems: string[] = [];

async function waitUntil(what: string, check: () => Promise<boolean>, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  customer = await readyCustomer(portal, context, CUSTOMER);
  const adminContext = await browser.newContext();
  const admin = await apiLogin(portal, adminContext, OPERATOR.email, OPERATOR.password);
  await verifyAccount(portal, admin, customer.accountId);
  await adjustCredits(portal, admin, customer.accountId, 5000, 'Welcome credit for the pilot');
  const campaign = await apiWrite<{ id: string }>(portal, customer, 'POST', '/campaigns', {
    name: 'Spring guests',
    text: 'Hello {name}',
    recipients: Array.from({ length: RECIPIENTS }, (_, n) => ({
      to: `+346123452${String(n).padStart(2, '0')}`,
      vars: { name: `Ana ${n}` },
    })),
  });
  campaignId = campaign.id;
  for (const n of [1, 2]) {
    await apiWrite(portal, customer, 'POST', '/messages', { to: `+34612345${300 + n}`, text: 'Hello' });
  }
  // The worker in the server sends them; wait until every one is charged.
  await waitUntil('the messages to be charged', async () => {
    const res = await context.request.get(`${portal.url}/api/v1/transactions?type=consumption&limit=500`);
    const body = (await res.json()) as { data: unknown[] };
    return body.data.length === RECIPIENTS + 2;
  });
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

describe('transactions people can read', () => {
  it('shows a campaign as one row with its count and total, which opens to its messages', async () => {
    await page.goto(`${portal.url}/transactions`);
    await heading(page, 'Transactions');
    const table = page.getByTestId('transactions-table');
    const group = table.locator(`tr[data-transaction-id^="group:"][data-type="consumption"]`, {
      hasText: 'Spring guests',
    });
    await seeText(group, `Campaign “Spring guests” · ${RECIPIENTS} messages`);
    await seeText(group.locator('.cell-credits'), `−${RECIPIENTS}`);
    const singles = table.locator('tr[data-type="consumption"]', { hasText: 'Single messages' });
    await seeText(singles, 'Single messages · 2 messages');
    await seeText(table.locator('tr[data-type="adjustment"]'), 'Welcome credit for the pilot');
    await seeText(table.locator('tr[data-type="adjustment"] .cell-credits'), '+5,000');
    // A handful of rows, not one per message.
    expect(await table.locator('tr[data-transaction-id]').count()).toBe(3);

    const open = group.getByTestId('transaction-expand');
    expect(await open.textContent()).toBe(`Show its ${RECIPIENTS} messages`);
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    await open.click();
    await waitUntil(
      'the messages to show',
      async () => (await open.getAttribute('aria-expanded')) === 'true',
    );
    const members = table.locator('tr.transaction-member');
    expect(await members.count()).toBe(RECIPIENTS);
    await seeText(members.first(), /SMS to \+346123452\d\d/);
    await seeText(members.first().locator('.cell-credits'), '−1');
    // Each message links to its history.
    expect(await members.first().getByRole('link').getAttribute('href')).toMatch(/^\/messages\/msg_/);
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    expect(await members.first().isVisible()).toBe(false);
  });

  it('lists every movement one by one in the other view', async () => {
    await page.getByTestId('transactions-view-all').click();
    await waitUntil('the detailed view', async () => page.url().includes('view=all'));
    const table = page.getByTestId('transactions-table');
    await waitUntil(
      'every movement',
      async () => (await table.locator('tr[data-transaction-id]').count()) === RECIPIENTS + 3,
    );
    expect(await page.getByTestId('transactions-view-all').getAttribute('aria-current')).toBe('page');
  });

  it('downloads both views as CSV', async () => {
    for (const [id, rows, name] of [
      ['transactions-csv-grouped', 3, /grouped\.csv$/],
      ['transactions-csv', RECIPIENTS + 3, /\d\.csv$/],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
      expect(download.suggestedFilename()).toMatch(name);
      const path = await download.path();
      const text = (await import('node:fs/promises')).readFile(path, 'utf8');
      expect((await text).trim().split(/\r?\n/)).toHaveLength(rows + 1);
    }
  });

  it('shows the grouped rows as the dashboard’s last transactions', async () => {
    await page.goto(`${portal.url}/`);
    const last = page.getByTestId('last-transactions');
    await seeText(last, `Campaign “Spring guests” · ${RECIPIENTS} messages`);
    await seeText(last, 'Single messages · 2 messages');
    expect(await last.locator('li').count()).toBe(3);
  });

  it('speaks Spanish, with Spanish numbers', async () => {
    await apiWrite(portal, customer, 'PUT', '/account/language', { language: 'es' });
    await page.goto(`${portal.url}/transactions`);
    await heading(page, 'Movimientos');
    const table = page.getByTestId('transactions-table');
    await seeText(table, `Campaña «Spring guests» · ${RECIPIENTS} mensajes`);
    await seeText(table, 'Mensajes sueltos · 2 mensajes');
    await seeText(table.locator('tr[data-type="adjustment"] .cell-credits'), '+5.000');
    await seeText(table.getByTestId('transaction-expand'), `Ver sus ${RECIPIENTS} mensajes`);
    await apiWrite(portal, customer, 'PUT', '/account/language', { language: 'en' });
  });

  it('showed no script or console error', () => {
    expect(campaignId).toMatch(/^cmp_/);
    expect(problems).toEqual([]);
  });
});
