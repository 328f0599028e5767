// The default mode's helpers in a real browser: a newcomer signs up and, from the check-email
// page, opens the Mailbox, reads the confirmation e-mail there and follows its link — no file
// opened; another browser sees nothing of it. A customer sets a webhook on the Webhooks page,
// sees the secret once, sends a test event and sees it delivered to a real receiver, signed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/messaging/webhooks/signature.js';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import { heading, LUMEN_TRAVEL, logIn, navLink, readyCustomer, screenshots, seeText } from './helpers.js';

const shot = screenshots(process.env.PORTAL_SCREENSHOTS);
const NEWCOMER = {
  name: 'Bruma Viajes',
  email: 'lucia@bruma-viajes.test',
  password: 'correct horse battery 4',
};

let portal: Portal;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
const received: { body: string; signature: string }[] = [];
const contexts: BrowserContext[] = [];
const errors: string[] = [];

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`script: ${e.message}`));
  return page;
}

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(context);
  return context;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['tollgate-signature'] ?? '') });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/tollgate`;
  portal = await startPortal({ WEBHOOK_PRIVATE_ADDRESSES: 'allow' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe('the mailbox', () => {
  it('lets a newcomer read the confirmation e-mail in the portal and follow its link', async () => {
    const page = await open(await newContext());
    await page.goto(`${portal.url}/signup`);
    await heading(page, 'Create your account');
    await page.getByLabel('Your name or company').fill(NEWCOMER.name);
    await page.getByLabel('Work e-mail').fill(NEWCOMER.email);
    await page.getByLabel('Password').fill(NEWCOMER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Check your e-mail');
    await seeText(page.getByTestId('mailbox-hint'), 'the e-mail is in the portal’s mailbox');
    await shot(page, 'mailbox-01-check-email');

    await page.getByRole('link', { name: 'Open the mailbox' }).click();
    await heading(page, 'Mailbox');
    await seeText(page.getByTestId('mailbox-scope'), 'the sign-up made in this browser');
    await seeText(page.getByTestId('mailbox-list'), NEWCOMER.email);
    const reader = page.getByTestId('mailbox-reader');
    await seeText(reader, '/verify-email?token=');
    await shot(page, 'mailbox-02-read');

    await reader.getByRole('link', { name: /\/verify-email\?token=/ }).click();
    await seeText(page.locator('main'), 'Your e-mail address is confirmed');
    await logIn(page, portal.url, NEWCOMER.email, NEWCOMER.password);
    await heading(page, /^Welcome/);

    // Logged in, the Mailbox is in the navigation and shows the e-mails to this address.
    await navLink(page, 'Mailbox').click();
    await heading(page, 'Mailbox');
    await seeText(page.getByTestId('mailbox-scope'), `The e-mails sent to ${NEWCOMER.email}`);
    await seeText(page.getByTestId('mailbox-list'), NEWCOMER.email);
    expect(errors).toEqual([]);
  });

  it('shows another browser nothing of it', async () => {
    const page = await open(await newContext());
    await page.goto(`${portal.url}/mailbox`);
    await heading(page, 'Mailbox');
    await seeText(page.getByTestId('mailbox-list'), 'No e-mail for this browser yet');
    expect(await page.getByTestId('mailbox-list').innerText()).not.toContain(NEWCOMER.email);
    expect(errors).toEqual([]);
  });
});

describe('the webhooks page', () => {
  it('sets the webhook, shows the secret once, and sends a test event that arrives signed', async () => {
    const context = await newContext();
    await readyCustomer(portal, context, LUMEN_TRAVEL);
    const page = await open(context);
    await page.goto(`${portal.url}/`);
    await navLink(page, 'Webhooks').click();
    await heading(page, 'Webhooks');
    await seeText(page.locator('main'), 'No webhook yet');
    await seeText(page.locator('main'), 'invoice.issued');

    await page.getByLabel('Address (URL)').fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await seeText(page.locator('.field-error'), /https/);
    // The refusal was the API's 400, which the browser logs; nothing else is.
    expect(errors).toEqual([expect.stringContaining('400 (Bad Request)')]);
    errors.length = 0;

    await page.getByLabel('Address (URL)').fill(receiverUrl);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secretBox = page.getByTestId('webhook-secret');
    await secretBox.waitFor();
    const secret = await secretBox.innerText();
    expect(secret).toMatch(/^whsec_/);
    await seeText(page.locator('main'), 'Receiving events since');
    await shot(page, 'webhooks-01-created');

    await page.getByRole('button', { name: 'Send a test event' }).click();
    const deliveries = page.getByTestId('webhook-deliveries');
    await seeText(deliveries, 'webhook.test');
    await seeText(deliveries.locator('tr', { hasText: 'webhook.test' }), 'Delivered', 15_000);
    await seeText(deliveries, 'HTTP 200');
    await shot(page, 'webhooks-02-delivered');
    const test = received.find((r) => r.body.includes('"webhook.test"'));
    if (!test) throw new Error('the test event did not arrive');
    expect(verifyWebhookSignature(secret, test.body, test.signature, Math.floor(Date.now() / 1000))).toBe(
      true,
    );

    // Reloaded, the secret is not shown again.
    await page.reload();
    await heading(page, 'Webhooks');
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    expect(await page.getByLabel('Address (URL)').inputValue()).toBe(receiverUrl);
    expect(errors).toEqual([]);
  });
});
