// The operator's screens that finish the job, in a real browser: packs and volume tiers edited
// on the Pricing page (a gap or an overlap shown next to the field as it is typed, the server's
// refusals next to theirs, the saved table what customers are quoted); an unmatched bank
// statement entry attached to the open order it pays (credited once); an account found by its
// VAT id however it is typed.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camt053, decimal } from '../purchases/helpers.js';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import {
  type ApiSession,
  apiLogin,
  apiWrite,
  fieldError,
  heading,
  LUMEN_TRAVEL,
  logIn,
  OPERATOR,
  readyCustomer,
  screenshots,
  seeText,
} from './helpers.js';

const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

let portal: Portal;
let browser: Browser;
let customer: ApiSession;
let operatorContext: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  const customerContext = await browser.newContext();
  customer = await readyCustomer(portal, customerContext, { ...LUMEN_TRAVEL, vatId: 'ESA28015865' });
  operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await operatorContext.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`script: ${e.message}`));
  await logIn(page, portal.url, OPERATOR.email, OPERATOR.password);
  await heading(page, 'Accounts');
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

async function balance(): Promise<string> {
  const res = await customer.request.get(`${portal.url}/api/v1/balance`);
  return ((await res.json()) as { credits: string }).credits;
}

describe('the operator', () => {
  it('finds an account by its VAT id, typed with spaces and in lower case', async () => {
    await page.getByLabel('Search accounts').fill('es a-2801 5865');
    await page.getByRole('button', { name: 'Search' }).click();
    await seeText(page.locator('main table'), 'Lumen Travel');
    await seeText(page.locator('main table'), 'ESA28015865');
    await page.getByLabel('Search accounts').fill('FR40303265045');
    await page.getByRole('button', { name: 'Search' }).click();
    await seeText(page.locator('main'), 'No account matches');
  });

  it('edits the packs and tiers, sees a gap or an overlap next to the field, and saves', async () => {
    await page.goto(`${portal.url}/admin/pricing?currency=EUR`);
    await heading(page, 'Pricing');
    const editor = page.locator('form.packs-editor');
    await seeText(editor.getByTestId('tier-check'), 'no gap and no overlap');

    // Tier 2 moved onto tier 1's start: an overlap, said next to tier 2's start.
    await editor.getByLabel('Start of tier 2', { exact: true }).fill('100');
    await seeText(fieldError(page, 'Start of tier 2'), 'two tiers would overlap');
    await seeText(editor.getByTestId('tier-check'), '1 problem to fix');
    // The first tier moved above the smallest amount: a gap below it.
    await editor.getByLabel('Start of tier 2', { exact: true }).fill('5000');
    await editor.getByLabel('Start of tier 1', { exact: true }).fill('200');
    await seeText(fieldError(page, 'Start of tier 1'), 'amounts below it have no price');
    await shot(page, 'operator-01-tier-gap');
    await page.getByRole('button', { name: 'Save prices in EUR' }).click();
    await seeText(fieldError(page, 'Start of tier 1'), 'amounts below it have no price');
    await editor.getByLabel('Start of tier 1', { exact: true }).fill('100');
    await seeText(editor.getByTestId('tier-check'), 'no gap and no overlap');

    // What only the server knows is shown next to the field too: a pack beyond the largest amount.
    await editor.getByLabel('Credits of pack 1', { exact: true }).fill('20000000');
    await page.getByRole('button', { name: 'Save prices in EUR' }).click();
    await fieldError(page, 'Credits of pack 1').waitFor({ state: 'visible' });
    expect(errors).toEqual([expect.stringContaining('400 (Bad Request)')]);
    errors.length = 0;

    await editor.getByLabel('Credits of pack 1', { exact: true }).fill('1000');
    await editor.getByLabel('Price of pack 1 in EUR', { exact: true }).fill('48.00');
    await editor.getByLabel('Price per credit of tier 6, in hundredths of EUR', { exact: true }).fill('3.1');
    await page.getByRole('button', { name: 'Save prices in EUR' }).click();
    await seeText(page.locator('.notice'), 'Prices in EUR saved');
    await heading(page, 'Pricing');
    await seeText(page.getByTestId('price-packs'), '48.00');
    await shot(page, 'operator-02-prices-saved');

    const table = (await (await fetch(`${portal.url}/api/v1/pricing/packs?currency=EUR`)).json()) as {
      packs: { id: string; price: { amount: number } }[];
      tiers: { fromCredits: string; unitPrice: string }[];
    };
    expect(table.packs.find((p) => p.id === 'pack-1000')?.price.amount).toBe(4800);
    expect(table.tiers.at(-1)).toEqual({ fromCredits: '500000', unitPrice: '3.1' });
    expect(errors).toEqual([]);
  });

  it('attaches a transfer without its reference to the order it pays, which is credited once', async () => {
    const order = await apiWrite<{ id: string; total: { amount: number } }>(
      portal,
      customer,
      'POST',
      '/purchases',
      { packId: 'pack-1000', paymentMethod: 'bank_transfer' },
      { 'idempotency-key': 'operator-test-order' },
    );
    const before = await balance();
    await page.goto(`${portal.url}/admin/bank-statements`);
    await heading(page, 'Bank statements');
    await page.getByLabel('camt.053 statement (XML)').setInputFiles({
      name: 'statement.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from(
        camt053({
          entries: [
            {
              amount: decimal(order.total.amount),
              ustrd: 'Lumen Travel pedido creditos',
              debtor: 'Lumen Travel S.L.',
            },
          ],
        }),
      ),
    });
    await page.getByRole('button', { name: 'Import statement' }).click();
    await seeText(page.getByTestId('statement-result'), '0 matched and credited');
    const row = page.getByTestId('unmatched-open').locator('tr', { hasText: 'Lumen Travel S.L.' });
    await row.getByRole('button', { name: 'Attach to order' }).click();

    const dialog = page.getByRole('dialog');
    await seeText(dialog, '1 bank-transfer order waits for exactly this amount');
    expect(await dialog.getByLabel('Order awaiting this amount').inputValue()).toBe(order.id);
    await shot(page, 'operator-03-attach');
    await dialog.getByRole('button', { name: 'Attach and credit' }).click();
    await seeText(page.locator('.notice'), '1,000 credits added to Lumen Travel');
    await seeText(page.locator('main'), 'Nothing left to decide.');
    expect(Number(await balance()) - Number(before)).toBe(1000);

    const after = await customer.request.get(`${portal.url}/api/v1/purchases/${order.id}`);
    expect(((await after.json()) as { status: string }).status).toBe('credited');
    expect(errors).toEqual([]);
  });
});

describe('a second attach of the same entry', () => {
  it('is refused by the server, crediting nothing', async () => {
    const admin = await apiLogin(portal, operatorContext, OPERATOR.email, OPERATOR.password);
    const resolved = await admin.request.get(
      `${portal.url}/api/v1/admin/bank-statements/unmatched?status=resolved`,
    );
    const entry = ((await resolved.json()) as { data: { id: string; purchaseId: string }[] }).data[0];
    if (!entry) throw new Error('no resolved entry');
    const before = await balance();
    const again = await admin.request.post(
      `${portal.url}/api/v1/admin/bank-statements/unmatched/${entry.id}/attach`,
      { headers: { 'x-csrf-token': admin.csrfToken }, data: { purchaseId: entry.purchaseId } },
    );
    expect(again.status()).toBe(409);
    expect(await balance()).toBe(before);
  });
});
