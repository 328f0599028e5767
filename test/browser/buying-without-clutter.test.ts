// Buying without clutter, in a real browser against the real server and its Stripe sandbox:
// "Confirm and pay" again for the same quote goes back to the same order's payment page; a
// declined saved card leaves one order, which "Pay with another card" pays on the payment page
// in its place; orders awaiting payment for more than a day are canceled in one click; the price
// list's calculator shows the money cost with VAT beside the credits; no internal pack id shows.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import { type ApiSession, apiWrite, heading, LUMEN_TRAVEL, readyCustomer, seeText } from './helpers.js';

const CUSTOMER = { ...LUMEN_TRAVEL, email: 'clutter@lumen-travel.test', mobile: '+34612345677' };

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let customer: ApiSession;
const problems: string[] = [];

interface PurchaseJson {
  id: string;
  status: string;
  paymentMethod: string;
  replacedBy?: string | null;
}

async function purchases(): Promise<PurchaseJson[]> {
  const res = await context.request.get(`${portal.url}/api/v1/purchases?limit=100`);
  return ((await res.json()) as { data: PurchaseJson[] }).data;
}

async function onSandbox(p: Page): Promise<void> {
  await p.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
}

async function payOnSandbox(p: Page, card: string): Promise<void> {
  await onSandbox(p);
  await p.getByLabel('Card number').fill(card);
  await p.getByLabel('Expiry').fill('12 / 34');
  await p.getByLabel('CVC').fill('123');
  const name = p.getByLabel('Name on card');
  if (await name.count()) await name.fill('Ana Lumen');
  await p.getByRole('button', { name: /^(Pay|Save card)/ }).click();
}

beforeAll(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  customer = await readyCustomer(portal, context, CUSTOMER);
  page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('buying without clutter', () => {
  it('goes back to the same order when "Confirm and pay" is pressed again for the same quote', async () => {
    await page.goto(`${portal.url}/buy`);
    await heading(page, 'Buy credits');
    await seeText(page.getByTestId('quote-total'), /^€60\.50$/);
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    await onSandbox(page);
    const firstCheckout = page.url();
    // Back to the portal with the browser's Back button, and the same button again.
    await page.goBack();
    await heading(page, 'Buy credits');
    await seeText(page.getByTestId('quote-total'), /^€60\.50$/);
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    await onSandbox(page);
    expect(page.url()).toBe(firstCheckout);
    const open = (await purchases()).filter((p) => p.status === 'awaiting_payment');
    expect(open).toHaveLength(1);
  });

  it('leaves one order for a declined card, and pays it with another card in its place', async () => {
    // A card that saves, then is declined when charged.
    await page.goto(`${portal.url}/cards`);
    await heading(page, 'Saved cards');
    await page.getByRole('button', { name: 'Add a card' }).click();
    await payOnSandbox(page, '4000 0000 0000 0341');
    await page.waitForURL((url) => url.origin === portal.url && url.pathname === '/cards', {
      timeout: 15_000,
    });
    await seeText(page.getByTestId('saved-cards'), '•••• 0341');

    await page.goto(`${portal.url}/buy`);
    await heading(page, 'Buy credits');
    await page.getByTestId('pack-pack-5000').click();
    await seeText(page.getByTestId('quote-total'), /^€272\.25$/);
    await page.getByLabel(/•••• 0341/).check();
    await page.getByRole('button', { name: 'Confirm and pay €272.25' }).click();
    const problem = page.getByTestId('purchase-problem');
    await seeText(problem, 'The payment did not go through');
    const failed = (await purchases()).find((p) => p.status === 'failed');
    expect(failed).toBeDefined();

    await problem.getByRole('button', { name: 'Pay with another card' }).click();
    await payOnSandbox(page, '4242 4242 4242 4242');
    await page.waitForURL((url) => url.origin === portal.url && /^\/purchases\/pur_/.test(url.pathname), {
      timeout: 15_000,
    });
    await seeText(page.getByTestId('purchase-status'), /^Credited$/, 20_000);
    await seeText(page.getByTestId('purchase-outcome'), '5,000 credits were added to your balance');
    // The card that paid, in words; the pack in words, never its id.
    const main = page.locator('main');
    await seeText(main, 'ending 4242');
    await seeText(main, 'Pack of 5,000 credits');
    expect(await main.textContent()).not.toContain('pack-5000');

    // One order in the list for that purchase: the declined one gave its place to the paid one.
    const after = await purchases();
    expect(after.some((p) => p.id === failed?.id)).toBe(false);
    expect(after.filter((p) => p.status === 'credited')).toHaveLength(1);
    await page.goto(`${portal.url}/purchases`);
    await heading(page, 'Purchases');
    expect(await page.locator(`tr[data-purchase-id="${failed?.id}"]`).count()).toBe(0);
    // Its own page says where it went.
    await page.goto(`${portal.url}/purchases/${failed?.id}`);
    await seeText(page.getByTestId('purchase-outcome'), 'This order was paid again with another card.');
    await page.getByRole('link', { name: 'See that order' }).click();
    await seeText(page.getByTestId('purchase-status'), /^Credited$/);
  });

  it('cancels orders awaiting payment for more than a day in one click', async () => {
    const bank = await apiWrite<{ id: string }>(
      portal,
      customer,
      'POST',
      '/purchases',
      { packId: 'pack-1000', paymentMethod: 'bank_transfer' },
      { 'idempotency-key': 'clutter-old-transfer' },
    );
    const fresh = await apiWrite<{ id: string }>(
      portal,
      customer,
      'POST',
      '/purchases',
      { packId: 'pack-5000', paymentMethod: 'bank_transfer' },
      { 'idempotency-key': 'clutter-new-transfer' },
    );
    // Two orders made two days ago (the card checkout of the first test, and a transfer).
    await portal.running.ctx.db.query(
      `update purchases set created_at = created_at - interval '2 days'
        where account_id = $1 and status = 'awaiting_payment' and id <> $2`,
      [customer.accountId, fresh.id],
    );
    await page.goto(`${portal.url}/purchases`);
    await heading(page, 'Purchases');
    const stale = page.getByTestId('stale-orders');
    await seeText(stale, '2 orders have awaited payment for more than a day.');
    await stale.getByRole('button', { name: 'Cancel them' }).click();
    await seeText(page.locator('.notice'), '2 orders canceled');
    await page.getByTestId('stale-orders').waitFor({ state: 'detached' });
    const statuses = Object.fromEntries((await purchases()).map((p) => [p.id, p.status]));
    expect(statuses[bank.id]).toBe('canceled');
    expect(statuses[fresh.id]).toBe('awaiting_payment');
  });

  it('shows what the calculated credits cost in money, VAT included', async () => {
    await page.goto(`${portal.url}/pricing`);
    await heading(page, 'Price list');
    const messages = page.getByLabel('Messages');
    await messages.fill('3000');
    await seeText(page.getByTestId('calc-result'), /credits/);
    const cost = page.getByTestId('calc-money');
    await seeText(cost, /^Cost of [\d,]+ credits: €[\d,]+\.\d\d with VAT$/);
    const credits = /Buy ([\d,]+) credits/.exec(
      (await page.locator('.calc-foot').getByRole('link').textContent()) ?? '',
    )?.[1];
    const quote = await context.request.post(`${portal.url}/api/v1/pricing/quote`, {
      headers: { 'x-csrf-token': customer.csrfToken },
      data: { credits: (credits ?? '').replace(/,/g, ''), currency: 'EUR' },
    });
    const total = ((await quote.json()) as { total: { amount: number } }).total.amount;
    const shown = /€([\d,]+\.\d\d)/.exec((await cost.textContent()) ?? '')?.[1] ?? '';
    expect(Math.round(Number(shown.replace(/,/g, '')) * 100)).toBe(total);
  });

  it('showed no script error', () => {
    expect(problems).toEqual([]);
  });
});
