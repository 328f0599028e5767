// Sending in a real browser against the real server (the simulator carrier delivers every
// number except those ending in 0000): a verified customer with a few credits sends a message
// and follows it to delivered with its history; one to a failing number is failed and its
// credits come back; a scheduled message holds its credits; a campaign from a CSV larger than
// the balance sends what the credit covers and leaves the rest waiting in the campaign and the
// Outbox, and Remove outbox cancels it and releases what was held; a refused send says what it
// needs; a second campaign waits until an operator's adjustment arrives and then goes out by
// itself. Phone width too. Set PORTAL_SCREENSHOTS=<dir> to keep screenshots.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import {
  type ApiSession,
  adjustCredits,
  apiLogin,
  heading,
  LUMEN_TRAVEL,
  navLink,
  OPERATOR,
  readyCustomer,
  screenshots,
  seeText,
  verifyAccount,
} from './helpers.js';

const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let customer: ApiSession;
let admin: ApiSession;
let tmp: string;
const pageErrors: string[] = [];

interface Balance {
  credits: string;
  held: string;
  available: string;
}

async function balance(): Promise<Balance> {
  return (await (await context.request.get(`${portal.url}/api/v1/balance`)).json()) as Balance;
}

async function waitForBalance(p: Page, credits: number, timeout = 20_000): Promise<void> {
  await seeText(p.getByTestId('balance-available'), new RegExp(`^${credits.toLocaleString('en')}$`), timeout);
}

function messagesPost(p: Page): Promise<Request> {
  return p.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/messages');
}

/** A datetime-local value `days` ahead, in the browser's own time zone. */
function localInputValue(p: Page, days: number): Promise<string> {
  return p.evaluate(`(() => {
    const at = new Date(Date.now() + ${days} * 86400000);
    const pad = (n) => String(n).padStart(2, '0');
    return at.getFullYear() + '-' + pad(at.getMonth() + 1) + '-' + pad(at.getDate()) + 'T' + pad(at.getHours()) + ':' + pad(at.getMinutes());
  })()`);
}

/** The Outbox in the navigation; its name carries the badge's count when there is one. */
function outboxLink(p: Page) {
  return p.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: /^Outbox/ });
}

/** No sideways scrolling at the page's width. */
async function fitsWidth(p: Page): Promise<void> {
  const { scroll, width } = (await p.evaluate(
    '({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })',
  )) as { scroll: number; width: number };
  expect(scroll).toBeLessThanOrEqual(width);
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  customer = await readyCustomer(portal, context, LUMEN_TRAVEL);
  const adminContext = await browser.newContext();
  admin = await apiLogin(portal, adminContext, OPERATOR.email, OPERATOR.password);
  await verifyAccount(portal, admin, customer.accountId);
  // Five credits: a Spanish SMS part costs one.
  await adjustCredits(portal, admin, customer.accountId, 5, 'messaging test starter');
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-messaging-'));
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
});

describe('sending single messages', () => {
  it('counts characters and parts as the text is typed, checks the sender id and shows the cost', async () => {
    await page.goto(`${portal.url}/`);
    await heading(page, /^Welcome/);
    await seeText(page.locator('.check-item', { hasText: 'Send your first message' }), 'Send SMS');
    await navLink(page, 'Send SMS').click();
    await heading(page, 'Send SMS');
    await seeText(page.locator('main'), 'Numbers without + are read as Spain numbers');

    const text = page.getByRole('textbox', { name: 'Message', exact: true });
    await text.fill('Hello from Lumen Travel');
    const counter = page.getByTestId('sms-counter');
    await seeText(counter, '23 characters');
    expect(await page.getByTestId('sms-encoding').textContent()).toBe('GSM-7');
    expect(await page.getByTestId('sms-segments').textContent()).toBe('1 SMS part');
    expect(await page.getByTestId('sms-left').textContent()).toBe('137 left in this part');
    // An extension character counts two; one emoji turns the whole text into UCS-2.
    await text.fill('Price: 10€');
    await seeText(page.getByTestId('sms-left'), /^149 left/);
    await text.fill('Hello 👋');
    await seeText(page.getByTestId('sms-encoding'), 'UCS-2');
    expect(await page.getByTestId('sms-left').textContent()).toBe('62 left in this part');
    await seeText(page.locator('.sms-note'), 'cannot be written in the GSM alphabet');
    await text.fill('x'.repeat(161));
    await seeText(page.getByTestId('sms-segments'), '2 SMS parts');
    expect(await page.getByTestId('sms-left').textContent()).toBe('145 left in this part');

    const sender = page.getByLabel('Sender id');
    await sender.fill('LumenTravelSpain');
    await seeText(page.locator('.field', { has: sender }).locator('.field-error'), 'at most 11 characters');
    await sender.fill('Lumen');
    expect(await page.locator('.field', { has: sender }).locator('.field-error').isVisible()).toBe(false);

    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('612345001');
    await text.fill('Your booking LT-1042 is confirmed. See you in Madrid!');
    const estimate = page.getByTestId('estimate');
    await seeText(estimate.getByTestId('estimate-credits'), /^1$/);
    await seeText(estimate, 'Spain');
    expect(await estimate.getByTestId('estimate-available').textContent()).toBe('5 credits');
    expect(await estimate.getByTestId('estimate-shortfall').textContent()).toBe('0 credits');
    await shot(page, 's01-send-form');
  });

  it('sends a message with its own Idempotency-Key and follows it to delivered with its history', async () => {
    const [sent] = await Promise.all([
      messagesPost(page),
      page.getByRole('button', { name: 'Send', exact: true }).click(),
    ]);
    expect(sent.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.postDataJSON()).toMatchObject({
      to: '612345001',
      from: 'Lumen',
      onInsufficientCredit: 'reject',
    });
    const results = page.getByTestId('send-results');
    await seeText(page.getByTestId('send-summary'), '1 of 1 accepted');
    await seeText(results.locator('tr[data-to="612345001"]'), '+34612345001');
    await waitForBalance(page, 4);
    await shot(page, 's02-send-results');

    await navLink(page, 'Messages').click();
    await heading(page, 'Messages');
    const row = page.locator('tr[data-to="+34612345001"]');
    await seeText(row, 'Delivered', 15_000);
    await shot(page, 's03-messages');
    await row.getByRole('link', { name: '+34612345001' }).click();
    await heading(page, 'Message to +34612345001');
    await seeText(page.getByTestId('message-status').first(), 'Delivered');
    const history = page.getByTestId('message-history');
    const statuses = await history
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('delivered');
    expect(await history.locator('time').count()).toBe(statuses.length);
    expect(await page.getByTestId('message-encoding').textContent()).toBe('GSM-7');
    expect(await page.getByTestId('message-segments').textContent()).toBe('1 SMS part');
    expect(await page.getByTestId('message-price').textContent()).toContain('1 credit per part');
    expect(await page.getByTestId('message-outcome').textContent()).toBe('Delivered');
    await shot(page, 's04-message-delivered');
  });

  it('shows a message to a number ending in 0000 failed, with its credit given back', async () => {
    await navLink(page, 'Send SMS').click();
    await heading(page, 'Send SMS');
    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('+34 612 340 000');
    await page
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Your booking LT-1043 is confirmed.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await seeText(page.getByTestId('send-summary'), '1 of 1 accepted');
    await page.getByTestId('send-results').getByRole('link', { name: '+34612340000' }).click();
    await heading(page, 'Message to +34612340000');
    await seeText(page.getByTestId('message-status').first(), 'Failed', 15_000);
    await seeText(page.getByTestId('message-refunded'), 'Yes');
    expect(await page.getByTestId('message-outcome').textContent()).toContain('Its credits were given back');
    const statuses = await page
      .getByTestId('message-history')
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
    expect(statuses.at(-1)).toBe('failed');
    // Charged nothing in the end: 4 available, nothing held.
    await waitForBalance(page, 4);
    expect(await balance()).toMatchObject({ available: '4', held: '0' });
    await shot(page, 's05-message-failed');
  });

  it('schedules a message, whose credit is held in the outbox until then', async () => {
    await navLink(page, 'Send SMS').click();
    await heading(page, 'Send SMS');
    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('+34612345009');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('See you next week!');
    await page.getByText('Later', { exact: true }).click();
    await page.getByLabel('Send at').fill(await localInputValue(page, 2));
    const [sent] = await Promise.all([
      messagesPost(page),
      page.getByRole('button', { name: 'Send', exact: true }).click(),
    ]);
    expect(new Date(sent.postDataJSON().scheduleAt).getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    await seeText(page.getByTestId('send-results'), 'Scheduled');
    await waitForBalance(page, 3);
    expect(await balance()).toMatchObject({ available: '3', held: '1' });
    await seeText(page.getByTestId('outbox-badge'), /^1/);
  });
});

describe('a campaign larger than the balance', () => {
  let campaignUrl = '';

  it('reads the CSV’s columns, sends what the credit covers and leaves the rest waiting', async () => {
    const rows = [
      'phone;name',
      ...Array.from({ length: 8 }, (_, i) => `+3461234510${i + 1};Guest ${i + 1}`),
      'not-a-number;Nobody',
    ];
    const csv = path.join(tmp, 'spring-guests.csv');
    await writeFile(csv, `${rows.join('\n')}\n`);

    await navLink(page, 'Campaigns').click();
    await heading(page, 'Campaigns');
    await seeText(page.locator('main'), 'No campaigns yet');
    await page.getByRole('link', { name: 'New campaign' }).click();
    await heading(page, 'New campaign');
    await seeText(page.locator('main'), 'a header row first');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(csv);
    const info = page.getByTestId('csv-info');
    await seeText(info, '9 rows');
    expect(await info.textContent()).toContain('separated by semicolon');
    expect(await info.textContent()).toContain('numbers in “phone”');
    expect(await page.getByRole('textbox', { name: 'Name', exact: true }).inputValue()).toBe('spring-guests');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Spring guests');
    await page
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Hi , spring rooms are 20% off this week.');
    // The caret after "Hi ", where the placeholder goes.
    const message = page.getByRole('textbox', { name: 'Message', exact: true });
    await message.press('Control+Home');
    for (let i = 0; i < 3; i++) await message.press('ArrowRight');
    await page.getByTestId('csv-columns').getByRole('button', { name: 'Insert {name}' }).click();
    expect(await page.getByRole('textbox', { name: 'Message', exact: true }).inputValue()).toBe(
      'Hi {name}, spring rooms are 20% off this week.',
    );
    await seeText(page.locator('.sms-note'), '{placeholders} are filled in for each recipient');
    // The server reads the file for the estimate: 8 messages of one part, 3 credits available.
    const estimate = page.getByTestId('estimate');
    await seeText(estimate.getByTestId('estimate-credits'), /^8$/);
    expect(await estimate.getByTestId('estimate-shortfall').textContent()).toBe('5 credits');
    expect(await estimate.getByTestId('estimate-invalid').textContent()).toContain('Row 10: not-a-number');
    await page.getByText('Send now', { exact: true }).click();
    await shot(page, 's06-campaign-new');

    const created = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/campaigns',
    );
    await page.getByRole('button', { name: 'Start campaign' }).click();
    const response = await created;
    expect(response.status()).toBe(201);
    expect(response.request().headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await heading(page, 'Spring guests');
    campaignUrl = page.url();

    // 3 credits available: three go out, five wait; the bad row is listed with its row number.
    await seeText(page.getByTestId('count-delivered'), /^3$/, 20_000);
    expect(await page.getByTestId('count-waiting_credit').textContent()).toBe('5');
    await seeText(page.getByTestId('campaign-waiting'), '5 messages are waiting for credit');
    const invalid = page.getByTestId('invalid-rows');
    await seeText(invalid, 'not-a-number');
    expect(await invalid.locator('tbody tr').first().locator('td').first().textContent()).toBe('10');
    await seeText(page.getByTestId('estimate-shortfall'), '5 credits');
    await page.getByTestId('estimate-topup').waitFor();
    await waitForBalance(page, 0);
    await shot(page, 's07-campaign-waiting');

    // Its messages, filtered by the campaign, say the same.
    await page.getByRole('link', { name: 'Waiting for credit' }).click();
    await heading(page, 'Messages');
    await seeText(page.getByTestId('messages-table'), 'Waiting for credit');
    expect(await page.locator('tbody tr[data-status="waiting_credit"]').count()).toBe(5);
    expect(await page.locator('tbody tr[data-status="delivered"]').count()).toBe(0);
    expect(await page.locator('#msg-campaign').inputValue()).toMatch(/./);
  });

  it('shows the waiting messages in the Outbox, and Remove outbox cancels them and releases the held credit', async () => {
    await seeText(page.getByTestId('outbox-badge'), /^6/);
    await outboxLink(page).click();
    await heading(page, 'Outbox');
    await seeText(page.getByTestId('outbox-messages'), /^6$/);
    expect(await page.getByTestId('outbox-waiting').textContent()).toBe('5');
    expect(await page.getByTestId('outbox-reserved').textContent()).toBe('1');
    const byCampaign = page.getByTestId('outbox-campaigns');
    await seeText(byCampaign, 'Spring guests');
    expect(await byCampaign.locator('tbody tr').first().locator('.cell-messages').textContent()).toBe('5');
    await seeText(page.locator('main'), 'go out by themselves');
    await page.getByTestId('outbox-topup').waitFor();
    await shot(page, 's08-outbox');

    await page.getByTestId('remove-outbox').click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog, 'All 6 messages not yet handed to a carrier will be canceled');
    expect(await dialog.textContent()).toContain('1 credit held for them goes back to your balance');
    await shot(page, 's09-remove-outbox-dialog');
    await dialog.getByRole('button', { name: 'Remove 6 messages' }).click();
    await seeText(page.locator('.notice'), '6 messages canceled; 1 credit released');
    await seeText(page.getByTestId('outbox-empty'), 'The outbox is empty');
    await waitForBalance(page, 1);
    expect(await balance()).toMatchObject({ available: '1', held: '0', credits: '1' });
    expect(await page.getByTestId('outbox-badge').isHidden()).toBe(true);
    await shot(page, 's10-outbox-empty');

    await page.goto(campaignUrl);
    await heading(page, 'Spring guests');
    await seeText(page.getByTestId('count-canceled'), /^5$/);
    expect(await page.getByTestId('count-waiting_credit').textContent()).toBe('0');
    expect(await page.getByTestId('count-delivered').textContent()).toBe('3');
    expect(await page.getByTestId('campaign-remove-outbox').count()).toBe(0);
    // Finished, not "Completed · 8 of 8 done": what was sent and what was removed.
    await seeText(page.getByTestId('campaign-status'), /^Finished$/);
    expect(await page.getByTestId('campaign-outcome').textContent()).toBe(' · 3 sent · 5 removed');
    expect(await page.getByTestId('campaign-charged').textContent()).toBe('3 credits');
    // The latest messages follow the counts: the removed ones were never charged.
    const canceled = page.locator('[data-testid="messages-table"] tbody tr[data-status="canceled"]');
    await canceled.first().waitFor();
    expect(await canceled.count()).toBe(5);
    for (const cell of await canceled.locator('.cell-credits').all()) {
      expect(await cell.textContent()).toBe('0nothing charged');
    }
    await shot(page, 's10b-campaign-finished');
  });

  it('says when Remove outbox releases nothing, because nothing was held', async () => {
    await navLink(page, 'Send SMS').click();
    await heading(page, 'Send SMS');
    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('+34612345012');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(`Long news: ${'x'.repeat(160)}`);
    await page.getByText('Let it wait in the outbox', { exact: true }).click();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await seeText(page.getByTestId('send-results'), 'Waiting for credit');
    await outboxLink(page).click();
    await heading(page, 'Outbox');
    await page.getByTestId('remove-outbox').click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog, 'No credits are held for them');
    await dialog.getByRole('button', { name: 'Remove 1 message' }).click();
    await seeText(page.locator('.notice'), '1 message canceled; 0 credits released');
    await seeText(page.getByTestId('outbox-empty'), 'The outbox is empty');
  });

  it('refuses a send that costs more than is available, saying what it needs', async () => {
    await navLink(page, 'Send SMS').click();
    await heading(page, 'Send SMS');
    await page.getByRole('textbox', { name: 'Recipients', exact: true }).fill('+34612345011');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(`Long news: ${'x'.repeat(160)}`);
    await seeText(page.getByTestId('estimate-shortfall'), '1 credit');
    await page.getByTestId('estimate-topup').waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await seeText(page.getByTestId('send-summary'), '0 of 1 accepted');
    expect(await page.getByTestId('refusal').textContent()).toContain(
      'Not enough credit: it needs 2 credits and 1 credit is available.',
    );
    await shot(page, 's11-send-refused');
    expect(await balance()).toMatchObject({ available: '1', held: '0' });
  });
});

describe('a campaign waiting for credit', () => {
  it('shows the cost and shortfall before starting, then goes out by itself when credit arrives', async () => {
    await navLink(page, 'Campaigns').click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await heading(page, 'New campaign');
    await page.getByText('Paste numbers', { exact: true }).click();
    await page
      .getByRole('textbox', { name: 'Numbers', exact: true })
      .fill(['622345001', '622345002', '+34 622 345 003', '622345004', '622345004'].join('\n'));
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Late check-in');
    await page
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Late check-in is available until midnight.');
    await seeText(page.locator('.source-paste'), '4 numbers · 1 repeated left out');
    const estimate = page.getByTestId('estimate');
    await seeText(estimate.getByTestId('estimate-credits'), /^4$/);
    expect(await estimate.getByTestId('estimate-available').textContent()).toBe('1 credit');
    expect(await estimate.getByTestId('estimate-shortfall').textContent()).toBe('3 credits');
    expect(await estimate.getByTestId('estimate-topup').getAttribute('href')).toBe('/buy?credits=3');
    await page.getByText('Send now', { exact: true }).click();
    await shot(page, 's12-campaign-estimate');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await heading(page, 'Late check-in');
    await seeText(page.getByTestId('count-delivered'), /^1$/, 20_000);
    expect(await page.getByTestId('count-waiting_credit').textContent()).toBe('3');
    await seeText(page.getByTestId('outbox-badge'), /^3/);

    // The operator adds credits: the waiting messages go out without anyone pressing anything.
    await adjustCredits(portal, admin, customer.accountId, 10, 'messaging test top-up');
    await seeText(page.getByTestId('count-delivered'), /^4$/, 30_000);
    expect(await page.getByTestId('count-waiting_credit').textContent()).toBe('0');
    await seeText(page.getByTestId('campaign-status'), 'Finished', 15_000);
    await waitForBalance(page, 7);
    expect(await balance()).toMatchObject({ available: '7', held: '0' });
    await page.getByTestId('outbox-badge').waitFor({ state: 'hidden', timeout: 15_000 });
    await shot(page, 's13-campaign-completed');

    await navLink(page, 'Campaigns').click();
    await heading(page, 'Campaigns');
    expect(await page.locator('tr[data-campaign-id]').count()).toBe(2);
    await shot(page, 's14-campaigns');
    await page.goto(`${portal.url}/`);
    await heading(page, /^Welcome/);
    await seeText(page.locator('main'), 'Recent messages');
    await shot(page, 's15-dashboard');
  });
});

describe('a draft campaign', () => {
  it('is saved without reserving anything, and Delete draft removes it', async () => {
    const before = await balance();
    await navLink(page, 'Campaigns').click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await heading(page, 'New campaign');
    await page.getByText('Paste numbers', { exact: true }).click();
    await page.getByRole('textbox', { name: 'Numbers', exact: true }).fill('622345101\n622345102');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Spring offer');
    await page
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('Spring offer: 10% off every booking this week.');
    await page.getByText('Save as a draft', { exact: true }).click();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await heading(page, 'Spring offer');
    await seeText(page.getByTestId('campaign-status'), 'Draft');
    expect(await balance()).toEqual(before);

    await page.getByTestId('campaign-delete').click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog, 'The draft and its 2 recipients are deleted');
    await shot(page, 's16-campaign-delete-draft');
    await dialog.getByRole('button', { name: 'Delete draft' }).click();
    await seeText(page.locator('.notice'), 'Draft deleted.');
    await heading(page, 'Campaigns');
    expect(await page.locator('tr[data-campaign-id]').count()).toBe(2);
    expect(await page.getByText('Spring offer').count()).toBe(0);
    expect(await balance()).toEqual(before);
  });
});

describe('at phone width', () => {
  it('lays out the sending pages without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [url, title, name] of [
      ['/send', 'Send SMS', 'p01-send'],
      ['/messages', 'Messages', 'p02-messages'],
      ['/campaigns', 'Campaigns', 'p03-campaigns'],
      ['/campaigns/new', 'New campaign', 'p04-campaign-new'],
      ['/outbox', 'Outbox', 'p05-outbox'],
    ] as const) {
      await page.goto(`${portal.url}${url}`);
      await heading(page, title);
      await shot(page, name);
      await fitsWidth(page);
    }
    await page.goto(`${portal.url}/campaigns`);
    await page.getByRole('link', { name: 'Spring guests' }).click();
    await heading(page, 'Spring guests');
    await fitsWidth(page);
    await shot(page, 'p06-campaign');
    await page.getByRole('link', { name: 'All of them' }).click();
    await heading(page, 'Messages');
    await page.locator('tbody tr').first().getByRole('link').first().click();
    await heading(page, /^Message to/);
    await fitsWidth(page);
    await shot(page, 'p07-message');
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
