// Buying credits in a real browser against the real server: a customer ready to buy (billing
// data, verified mobile) picks a pack with a live quote, pays by bank transfer and reads the bank
// details; an operator marks the transfer paid and the balance grows by exactly the pack; then a
// card payment on the Stripe sandbox's hosted page, a saved card charged at once, a declined one,
// the transactions with their CSV, the operator's adjustments, refunds, statement import and
// price list, and the pages at phone width. Set PORTAL_SCREENSHOTS=<dir> to keep screenshots.
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Portal, startPortal } from './harness.js';
import {
  type ApiSession,
  apiLogin,
  apiWrite,
  heading,
  LUMEN_TRAVEL,
  logIn,
  navLink,
  OPERATOR,
  readyCustomer,
  screenshots,
  seeText,
  verifyMobile,
} from './helpers.js';

// With its VAT id: its invoices and quotes show one.
const CUSTOMER = { ...LUMEN_TRAVEL, vatId: 'ESB12345674' };
const shot = screenshots(process.env.PORTAL_SCREENSHOTS);

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let customer: ApiSession;
let adminContext: BrowserContext;
let admin: Page;
const pageErrors: string[] = [];

/** Purchases made in the test, as the customer saw them. */
const bought: { id: string; credits: number }[] = [];

async function newPage(c: BrowserContext): Promise<Page> {
  const p = await c.newPage();
  p.on('pageerror', (error) => pageErrors.push(`${p.url()}: ${error.message}`));
  return p;
}

/** The balance in the top bar, as a number of credits. */
async function topBarBalance(p: Page): Promise<number> {
  const text = (await p.getByTestId('balance-available').textContent()) ?? '';
  return Number(text.replace(/,/g, ''));
}

async function waitForBalance(p: Page, credits: number, timeout = 20_000): Promise<void> {
  await seeText(p.getByTestId('balance-available'), new RegExp(`^${credits.toLocaleString('en')}$`), timeout);
}

function purchaseIdOf(p: Page): string {
  const id = /\/purchases\/(pur_[^/?#]+)/.exec(p.url())?.[1];
  if (!id) throw new Error(`not on a purchase page: ${p.url()}`);
  return id;
}

/** The POST /purchases the page sends, to read its Idempotency-Key. */
function purchaseRequest(p: Page): Promise<Request> {
  return p.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/purchases');
}

/** A camt.053.001.08 statement with booked credit transfers, as a bank exports it. */
function camt053(entries: { amount: string; ref?: string; ustrd?: string; debtor: string }[]): string {
  const ntry = entries
    .map(
      (e, i) => `
      <Ntry>
        <Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>
        <AcctSvcrRef>BROWSER-${i + 1}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>${e.debtor}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf>${e.ref ? `<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${e.ref}</Ref></CdtrRefInf></Strd>` : ''}${e.ustrd ? `<Ustrd>${e.ustrd}</Ustrd>` : ''}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-BROWSER-1</MsgId><CreDtTm>2026-11-21T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-BROWSER-1</Id><CreDtTm>2026-11-21T06:00:00Z</CreDtTm>
      <Acct><Id><IBAN>GB93SAND00000012345678</IBAN></Id><Ccy>EUR</Ccy></Acct>${ntry}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  customer = await readyCustomer(portal, context, CUSTOMER);
  page = await newPage(context);
  adminContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  admin = await newPage(adminContext);
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('buying credits by bank transfer', () => {
  it('shows the packs and a live quote with tax for a pack and for any number of credits', async () => {
    expect((await (await fetch(`${portal.url}/health`)).json()) as { sandbox?: boolean }).toMatchObject({
      sandbox: true,
    });
    await page.goto(`${portal.url}/`);
    await heading(page, /^Welcome/);
    await waitForBalance(page, 0);
    // The top bar's Top up is one of the ways in.
    await page.locator('.topbar').getByRole('link', { name: 'Top up' }).click();
    await heading(page, 'Buy credits');
    await seeText(page.locator('main'), 'Your account has everything a purchase needs');

    // The first pack is chosen: 1,000 credits, €50.00 + 21 % VAT (a Spanish business, domestic).
    const quote = page.getByTestId('quote');
    await seeText(page.getByTestId('quote-total'), /^€60\.50$/);
    expect(await page.getByTestId('quote-subtotal').textContent()).toBe('€50.00');
    expect(await page.getByTestId('quote-tax-label').textContent()).toBe('VAT 21%');
    expect(await page.getByTestId('quote-tax').textContent()).toBe('€10.50');

    await page.getByTestId('pack-pack-5000').click();
    await seeText(page.getByTestId('quote-total'), /^€272\.25$/);
    expect(await quote.textContent()).toContain('5,000');

    // Any number: refused below the minimum before asking the server, priced by volume after.
    await page.getByTestId('pack-custom').click();
    const amount = page.getByLabel('Number of credits', { exact: true });
    await amount.fill('50');
    await seeText(page.locator('#buy-credits-error'), 'Buy at least 100 credits');
    expect(await amount.getAttribute('aria-invalid')).toBe('true');
    await amount.fill('2500');
    await seeText(page.getByTestId('quote-total'), /^€151\.25$/);
    expect(await page.getByTestId('quote-subtotal').textContent()).toBe('€125.00');
    expect(await page.locator('#buy-credits-error').isVisible()).toBe(false);
    await shot(page, 'm01-buy-custom-quote');
  });

  it('orders a pack by bank transfer and sees the IBAN, BIC, reference and exact amount', async () => {
    await page.getByTestId('pack-pack-1000').click();
    await seeText(page.getByTestId('quote-total'), /^€60\.50$/);
    await page.getByTestId('method-bank_transfer').click();
    const confirm = page.getByRole('button', { name: 'Confirm and get the bank details' });
    await shot(page, 'm02-buy-bank-transfer');
    const [sent] = await Promise.all([purchaseRequest(page), confirm.click()]);
    expect(sent.headers()['idempotency-key']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(sent.postDataJSON()).toMatchObject({ packId: 'pack-1000', paymentMethod: 'bank_transfer' });

    await heading(page, 'Purchase of 1,000 credits');
    const id = purchaseIdOf(page);
    await seeText(page.getByTestId('purchase-status'), /^Awaiting payment$/);
    const bank = page.getByTestId('bank-details');
    await seeText(bank.getByTestId('bank-iban'), 'GB93 SAND 0000 0012 3456 78');
    expect(await bank.getByTestId('bank-bic').textContent()).toBe('SANDGB2LXXX');
    expect(await bank.getByTestId('bank-beneficiary').textContent()).toContain('Tollgate Sandbox');
    expect(await bank.getByTestId('bank-amount').textContent()).toBe('€60.50');
    const reference = (await bank.getByTestId('bank-reference').textContent()) ?? '';
    expect(reference).toMatch(/^RF\d{2}( [0-9A-Z]{1,4})+$/);
    expect(await bank.textContent()).toContain('credits arrive when we receive the transfer');
    expect(await bank.getByTestId('bank-due').textContent()).toMatch(/\d{4}$/);
    await bank.getByRole('button', { name: 'Copy the reference' }).waitFor();

    // The same purchase through the API: the page showed what the server holds.
    const stored = (await (await context.request.get(`${portal.url}/api/v1/purchases/${id}`)).json()) as {
      bankTransfer: { referenceFormatted: string; amount: { amount: number } };
    };
    expect(stored.bankTransfer.referenceFormatted).toBe(reference);
    expect(stored.bankTransfer.amount.amount).toBe(6050);
    bought.push({ id, credits: 1000 });
    await shot(page, 'm03-bank-details');

    // Payments: the purchase is listed, awaiting payment.
    await navLink(page, 'Purchases').click();
    await heading(page, 'Purchases');
    await seeText(page.locator(`tr[data-purchase-id="${id}"]`), 'Awaiting payment');
    await page.locator(`tr[data-purchase-id="${id}"]`).getByRole('link').click();
    await heading(page, 'Purchase of 1,000 credits');
  });

  it('is marked paid by an operator, and the customer sees the balance grow by exactly the pack', async () => {
    const before = await topBarBalance(page);
    const id = bought[0]?.id ?? '';
    await logIn(admin, portal.url, OPERATOR.email, OPERATOR.password);
    await heading(admin, 'Accounts');
    await navLink(admin, 'Purchases').click();
    await heading(admin, 'Purchases');
    const row = admin.locator(`tr[data-purchase-id="${id}"]`);
    await seeText(row, CUSTOMER.legalName);
    await seeText(row, '€60.50');
    await shot(admin, 'm04-admin-awaiting');
    await row.getByRole('button', { name: 'Mark paid' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Mark paid' }).click();
    // The bank's reference is required: the dialog stays open and says so.
    await seeText(dialog.locator('.field-error'), 'Required');
    await dialog.getByLabel('Bank’s reference of the transfer').fill('BANK-2026-0001');
    await shot(admin, 'm05-admin-mark-paid');
    await dialog.getByRole('button', { name: 'Mark paid' }).click();
    await seeText(admin.locator('.notice'), '1,000 credits added');
    await row.waitFor({ state: 'detached' }); // no longer awaiting payment

    // The customer's page follows the purchase to credited; the top bar follows the balance.
    await seeText(page.getByTestId('purchase-outcome'), '1,000 credits were added to your balance', 20_000);
    await seeText(page.getByTestId('purchase-status'), /^Credited$/);
    await waitForBalance(page, before + 1000);
    expect(await page.getByTestId('bank-details').count()).toBe(0);
    await shot(page, 'm06-bank-credited');
  });
});

describe('buying credits by card', () => {
  it('pays on the sandbox’s hosted checkout page with 4242 4242 4242 4242 and lands back credited', async () => {
    const before = await topBarBalance(page);
    await navLink(page, 'Buy credits').click();
    await heading(page, 'Buy credits');
    await page.getByTestId('pack-pack-5000').click();
    await seeText(page.getByTestId('quote-total'), /^€272\.25$/);
    // Card is the default method, and with no saved card, a new one (saved for later).
    expect(await page.getByTestId('method-card').locator('input').isChecked()).toBe(true);
    expect(await page.getByLabel('A new card').isChecked()).toBe(true);
    expect(
      await page.getByLabel('Save the card for future purchases and automatic refills').isChecked(),
    ).toBe(true);
    await page.getByRole('button', { name: 'Confirm and pay €272.25' }).click();

    // The sandbox's page, on the portal's own address: clearly a sandbox, the same amount.
    await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(portal.url);
    expect(new URL(page.url()).pathname).toMatch(/^\/sandbox\/stripe\/checkout\/cs_test_/);
    expect(await page.getByTestId('checkout-amount').textContent()).toContain('272.25');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry').fill('12 / 34');
    await page.getByLabel('CVC').fill('123');
    await page.getByLabel('Name on card').fill('Ana Lumen');
    await shot(page, 'm07-sandbox-checkout');
    await page.getByRole('button', { name: /^Pay / }).click();

    await page.waitForURL((url) => url.origin === portal.url && /^\/purchases\/pur_/.test(url.pathname), {
      timeout: 15_000,
    });
    expect(new URL(page.url()).searchParams.get('checkout')).toBe('success');
    await heading(page, 'Purchase of 5,000 credits');
    await seeText(page.getByTestId('purchase-status'), /^Credited$/, 20_000);
    await seeText(page.getByTestId('purchase-outcome'), '5,000 credits were added to your balance');
    await waitForBalance(page, before + 5000);
    bought.push({ id: purchaseIdOf(page), credits: 5000 });
    await shot(page, 'm08-card-credited');
  });

  it('keeps the card, and a purchase with the saved card is credited at once', async () => {
    const before = await topBarBalance(page);
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await seeText(page.getByTestId('saved-cards'), 'Visa •••• 4242');
    await shot(page, 'm09-saved-cards');

    await page.goto(`${portal.url}/buy?pack=pack-1000`);
    await heading(page, 'Buy credits');
    expect(await page.getByTestId('pack-pack-1000').locator('input').isChecked()).toBe(true);
    const saved = page.getByLabel(/Visa •••• 4242/);
    expect(await saved.isChecked()).toBe(true);
    await seeText(page.locator('.summary'), 'Charged now to Visa •••• 4242');
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    await heading(page, 'Purchase of 1,000 credits');
    await seeText(page.getByTestId('purchase-status'), /^Credited$/);
    await waitForBalance(page, before + 1000);
    bought.push({ id: purchaseIdOf(page), credits: 1000 });
  });

  it('adds a card that is then declined, and the refusal is shown in words with nothing credited', async () => {
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await page.getByRole('button', { name: 'Add a card' }).click();
    await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
    // A card its bank refuses to verify is not saved: the page says so, and another can be tried.
    await page.getByLabel('Card number').fill('4000 0000 0000 0002');
    await page.getByLabel('Expiry').fill('12 / 34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    await seeText(page.getByRole('alert'), 'Your card was declined.');
    await shot(page, 'm10a-card-not-saved');
    // Leaving the page, the portal says so too, in its own words.
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.origin === portal.url && url.pathname === '/cards', {
      timeout: 15_000,
    });
    await seeText(page.getByTestId('card-setup-declined'), 'Your card was not saved: your bank declined it.');
    await page.getByRole('button', { name: 'Add a card' }).click();
    await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
    await page.getByLabel('Card number').fill('4000 0000 0000 0341');
    await page.getByLabel('Expiry').fill('12 / 34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.waitForURL((url) => url.origin === portal.url && url.pathname === '/cards', {
      timeout: 15_000,
    });
    await heading(page, 'Saved cards');
    await seeText(page.locator('main'), 'Your card was saved');
    await seeText(page.getByTestId('saved-cards'), '•••• 0341');

    const before = await topBarBalance(page);
    await navLink(page, 'Buy credits').click();
    await heading(page, 'Buy credits');
    await page.getByLabel(/•••• 0341/).check();
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    const problem = page.getByTestId('purchase-problem');
    await seeText(problem, 'The payment did not go through');
    await seeText(problem, 'declined by its bank');
    await seeText(page.locator('.notice-error'), /Request id req_/);
    await shot(page, 'm10-card-declined');
    await page.waitForTimeout(5500); // a balance poll or more
    expect(await topBarBalance(page)).toBe(before);

    // Removing it: gone from the list and from the choices.
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await page.getByRole('button', { name: /Remove .*0341/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove card' }).click();
    await seeText(page.locator('.notice'), 'removed');
    await page.getByTestId('saved-cards').getByText('•••• 0341').waitFor({ state: 'detached' });
    await seeText(page.getByTestId('saved-cards'), '•••• 4242');
  });

  it('asks for the bank’s confirmation of a saved card that needs it, and credits once it is given', async () => {
    await navLink(page, 'Saved cards').click();
    await heading(page, 'Saved cards');
    await page.getByRole('button', { name: 'Add a card' }).click();
    await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
    await page.getByLabel('Card number').fill('4000 0027 6000 3184');
    await page.getByLabel('Expiry').fill('12 / 34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    // Saving this card asks the bank too.
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
    await seeText(page.getByTestId('saved-cards'), '•••• 3184');

    const before = await topBarBalance(page);
    await navLink(page, 'Buy credits').click();
    await heading(page, 'Buy credits');
    await page.getByLabel(/•••• 3184/).check();
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    await heading(page, 'Purchase of 1,000 credits');
    const outcome = page.getByTestId('purchase-outcome');
    await seeText(outcome, 'Your bank asks you to confirm this payment');
    await seeText(page.getByTestId('purchase-status'), /^Awaiting payment$/);
    await shot(page, 'm10b-card-needs-authentication');
    expect(await topBarBalance(page)).toBe(before);

    await outcome.getByRole('link', { name: 'Confirm with your bank' }).click();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.origin === portal.url && /^\/purchases\/pur_/.test(url.pathname), {
      timeout: 15_000,
    });
    await seeText(page.getByTestId('purchase-status'), /^Credited$/, 20_000);
    await waitForBalance(page, before + 1000);
    bought.push({ id: purchaseIdOf(page), credits: 1000 });
  });

  it('comes back from the payment page’s Cancel to an order that can be paid later or canceled', async () => {
    const before = await topBarBalance(page);
    await navLink(page, 'Buy credits').click();
    await heading(page, 'Buy credits');
    await page.getByLabel('A new card').check();
    await page.getByRole('button', { name: 'Confirm and pay €60.50' }).click();
    await page.getByTestId('sandbox-banner').waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(
      (url) => url.origin === portal.url && url.searchParams.get('checkout') === 'cancel',
      {
        timeout: 15_000,
      },
    );
    const outcome = page.getByTestId('purchase-outcome');
    await seeText(outcome, 'You left the payment page before paying');
    await outcome.getByRole('link', { name: 'Pay by card' }).waitFor();
    await seeText(page.getByTestId('purchase-status'), /^Awaiting payment$/);
    await shot(page, 'm10c-checkout-left');

    await page.getByRole('button', { name: 'Cancel purchase' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel purchase' }).click();
    await seeText(page.getByTestId('purchase-status'), /^Canceled$/);
    await seeText(outcome, 'This purchase was canceled');
    expect(await page.getByRole('button', { name: 'Cancel purchase' }).count()).toBe(0);
    expect(await topBarBalance(page)).toBe(before);
  });

  it('explains a purchase refused for billing data (a changed mobile) and links to fix it', async () => {
    await navLink(page, 'Buy credits').click();
    await heading(page, 'Buy credits');
    await page.getByTestId('method-bank_transfer').click();
    // Meanwhile the mobile changes (another tab): it must be verified again before buying.
    await apiWrite(portal, customer, 'PUT', '/account/billing', {
      legalName: CUSTOMER.legalName,
      vatId: CUSTOMER.vatId,
      address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' },
      invoiceEmail: CUSTOMER.email,
      mobile: '+34612345670',
    });
    await page.getByRole('button', { name: 'Confirm and get the bank details' }).click();
    const problem = page.getByTestId('purchase-problem');
    await seeText(problem, 'Your account cannot buy yet');
    await problem.getByRole('link', { name: 'Verify mobile' }).waitFor();
    await shot(page, 'm11-billing-incomplete');
    await verifyMobile(portal, customer);
  });
});

describe('transactions', () => {
  it('lists the purchases with the balance after each, filters by type, and downloads the same as CSV', async () => {
    await navLink(page, 'Transactions').click();
    await heading(page, 'Transactions');
    const table = page.getByTestId('transactions-table');
    for (const p of bought) {
      // The purchase in words, linking to it; never its internal ids.
      const row = table.locator('tr', { has: page.locator(`a[href="/purchases/${p.id}"]`) });
      await seeText(row, `+${p.credits.toLocaleString('en')}`);
      await seeText(row, `${p.credits.toLocaleString('en')} credits — `);
      expect(await row.getAttribute('data-type')).toBe('purchase');
      expect(await row.textContent()).not.toMatch(/pur_|pack-\d/);
    }
    const balance = await topBarBalance(page);
    // Newest first: the first row's balance after is the balance now.
    expect(
      Number((await table.locator('tbody tr').first().locator('td').last().textContent())?.replace(/,/g, '')),
    ).toBe(balance);
    await shot(page, 'm12-transactions');

    await page.getByLabel('Type').selectOption('purchase');
    await page.waitForURL(/type=purchase/);
    await heading(page, 'Transactions');
    expect(await page.locator('[data-testid="transactions-table"] tbody tr').count()).toBe(bought.length);
    const link = page.getByTestId('transactions-csv');
    expect(await link.getAttribute('href')).toContain('type=purchase');

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^transactions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toBe('id,at,type,credits,balance_after,reference,description');
    expect(rows).toHaveLength(bought.length);
    for (const p of bought) {
      const row = rows.find((r) => r.split(',')[5] === p.id);
      expect(row, `a CSV row for ${p.id}`).toBeDefined();
      const cells = row?.split(',') ?? [];
      expect(cells[2]).toBe('purchase');
      expect(cells[3]).toBe(String(p.credits));
    }
    // The newest purchase's balance_after is the balance now.
    expect(Number(rows[0]?.split(',')[4])).toBe(balance);

    // Dates are this browser's calendar days: today holds them all, tomorrow nothing, and a
    // range that ends before it starts is refused next to the filters.
    const day = (offset: number) =>
      page.evaluate((o) => {
        const d = new Date();
        d.setDate(d.getDate() + o);
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      }, offset);
    const today = await day(0);
    const tomorrow = await day(1);
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`from=${today}`));
    await heading(page, 'Transactions');
    await seeText(
      page.getByTestId('transactions-table'),
      `+${(bought[0]?.credits ?? 0).toLocaleString('en')}`,
    );
    expect(await page.locator('[data-testid="transactions-table"] tbody tr').count()).toBe(bought.length);
    expect(await page.getByTestId('transactions-csv').getAttribute('href')).toMatch(/from=.*&to=/);
    await page.getByLabel('From', { exact: true }).fill(tomorrow);
    await page.getByLabel('To', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Apply' }).click();
    await seeText(page.locator('main'), 'No transactions match these filters.');
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Apply' }).click();
    await seeText(page.getByRole('alert'), /to must be after from/);
  });
});

describe('the operator’s money desk', () => {
  it('adjusts an account’s credits with a reason, which the customer sees in Transactions', async () => {
    await navLink(admin, 'Accounts').click();
    await heading(admin, 'Accounts');
    await admin.getByRole('link', { name: CUSTOMER.name }).click();
    await heading(admin, CUSTOMER.name);
    const before = await topBarBalance(page);
    await seeText(admin.getByTestId('admin-balance-available'), `${before.toLocaleString('en')} credits`);
    await admin.getByRole('form', { name: 'Adjust credits' }).getByLabel('Credits').fill('250');
    await admin
      .getByRole('form', { name: 'Adjust credits' })
      .getByLabel('Reason')
      .fill('Goodwill for the delayed campaign');
    await admin.getByRole('button', { name: 'Apply adjustment' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Apply adjustment' }).click();
    await seeText(admin.locator('.notice'), 'Adjusted by +250 credits');
    await seeText(
      admin.getByTestId('admin-balance-available'),
      `${(before + 250).toLocaleString('en')} credits`,
    );
    await seeText(admin.getByTestId('transactions-table'), 'Goodwill for the delayed campaign');
    await shot(admin, 'm13-admin-account-money');

    // Never below zero available: a too large take is refused with the API's message.
    await admin
      .getByRole('form', { name: 'Adjust credits' })
      .getByLabel('Credits')
      .fill(`-${before + 1000}`);
    await admin.getByRole('form', { name: 'Adjust credits' }).getByLabel('Reason').fill('Too much');
    await admin.getByRole('button', { name: 'Apply adjustment' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Apply adjustment' }).click();
    await seeText(admin.locator('.notice-error'), /Request id req_/);
    await seeText(
      admin.getByTestId('admin-balance-available'),
      `${(before + 250).toLocaleString('en')} credits`,
    );

    await waitForBalance(page, before + 250);
    await page.goto(`${portal.url}/transactions?type=adjustment`);
    await heading(page, 'Transactions');
    await seeText(page.getByTestId('transactions-table'), 'Goodwill for the delayed campaign');
    await seeText(page.getByTestId('transactions-table'), '+250');
  });

  it('refunds unused credits of a purchase', async () => {
    const before = await topBarBalance(page);
    const first = bought[0]?.id ?? '';
    await admin.goto(`${portal.url}/admin/purchases/${first}`);
    await heading(admin, /^1,000 credits for/);
    await admin.getByRole('button', { name: 'Refund' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel(/Credits to refund/).fill('100');
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await seeText(admin.locator('.notice'), 'pay €6.05 back to the customer by bank transfer');
    await seeText(admin.getByTestId('refunds'), 'To pay back by transfer');
    await shot(admin, 'm14-admin-refund');
    await waitForBalance(page, before - 100);
  });

  it('imports a camt.053 statement: the transfer with the reference and amount is matched, the rest listed', async () => {
    // Another order by bank transfer, from the customer's page.
    await page.goto(`${portal.url}/buy?pack=pack-1000`);
    await heading(page, 'Buy credits');
    await page.getByTestId('method-bank_transfer').click();
    await page.getByRole('button', { name: 'Confirm and get the bank details' }).click();
    await heading(page, 'Purchase of 1,000 credits');
    const id = purchaseIdOf(page);
    const reference = ((await page.getByTestId('bank-reference').textContent()) ?? '').replace(/\s+/g, '');
    const before = await topBarBalance(page);

    const xml = camt053([
      { amount: '60.50', ref: reference, debtor: CUSTOMER.legalName },
      { amount: '99.00', ustrd: 'Invoice 7 thanks', debtor: 'Somebody Else Ltd' },
    ]);
    await navLink(admin, 'Bank statements').click();
    await heading(admin, 'Bank statements');
    await admin.getByLabel('camt.053 statement (XML)').setInputFiles({
      name: 'statement-2026-11-20.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from(xml),
    });
    await admin.getByRole('button', { name: 'Import statement' }).click();
    const result = admin.getByTestId('statement-result');
    await seeText(result, '2 entries');
    await seeText(admin.getByTestId('statement-matched'), id);
    await seeText(admin.getByTestId('statement-matched'), CUSTOMER.legalName);
    await seeText(admin.getByTestId('statement-unmatched'), 'No RF reference in the transfer');
    await seeText(admin.getByTestId('unmatched-open'), 'Somebody Else Ltd');
    await shot(admin, 'm15-admin-statement');

    // What a person decides is recorded, and leaves the list.
    await admin
      .getByTestId('unmatched-open')
      .locator('tr', { hasText: 'Somebody Else Ltd' })
      .getByRole('button', { name: 'Resolve' })
      .click();
    await admin.getByRole('dialog').getByLabel('What was done').fill('Sent back to the sender');
    await admin.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    await seeText(admin.locator('.notice'), 'Entry resolved');
    await seeText(admin.locator('main'), 'Nothing left to decide');

    await seeText(page.getByTestId('purchase-status'), /^Credited$/, 20_000);
    await waitForBalance(page, before + 1000);
  });

  it('shows the packs and imports a price list, refusing a bad one with its line numbers', async () => {
    await navLink(admin, 'Pricing').click();
    await heading(admin, 'Pricing');
    await seeText(admin.getByTestId('price-packs'), '50,000');
    const input = admin.getByLabel('Price list (CSV)');
    await input.setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('country,prefix,credits_per_segment\nES,,1\nZZ,,2\n'),
    });
    await admin.getByRole('button', { name: 'Import price list' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Replace price list' }).click();
    await seeText(admin.getByTestId('price-list-errors'), /Line 3/);
    await shot(admin, 'm16-admin-pricing-errors');

    // The current list, downloaded and imported again, is accepted as it is.
    const csv = await (
      await adminContext.request.get(`${portal.url}/api/v1/admin/pricing/destinations.csv`)
    ).text();
    const count = csv.trim().split(/\r?\n/).length - 1;
    await input.setInputFiles({ name: 'price-list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await admin.getByRole('button', { name: 'Import price list' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Replace price list' }).click();
    await seeText(admin.locator('.notice'), `Price list replaced: ${count} destinations`);
  });
});

describe('the price list', () => {
  it('finds a destination’s price, calculates a campaign and leads to buying exactly that', async () => {
    await navLink(page, 'Price list').click();
    await heading(page, 'Price list');
    await page.getByLabel('Search destinations').fill('spain');
    const rows = page.locator('[data-testid="destinations-table"] tbody tr:not([hidden])');
    await seeText(rows.first(), 'Spain');
    expect(await rows.count()).toBe(1);
    const price = ((await rows.first().locator('td').last().textContent()) ?? '').trim();
    await page.getByLabel('Search destinations').fill('gb');
    await seeText(rows.first(), 'United Kingdom');
    await shot(page, 'm17-price-list');

    await page.getByLabel('Destination', { exact: true }).selectOption('ES');
    await page.getByLabel('Messages').fill('3000');
    const needed = Number(price) * 3000;
    await seeText(page.getByTestId('calc-result'), `${needed.toLocaleString('en')} credits`);
    await page
      .getByRole('link', { name: `Buy ${Math.max(100, Math.ceil(needed)).toLocaleString('en')} credits` })
      .click();
    await heading(page, 'Buy credits');
    expect(await page.getByLabel('Number of credits', { exact: true }).inputValue()).toBe(
      String(Math.max(100, Math.ceil(needed))),
    );
    await seeText(page.getByTestId('quote-credits'), Math.max(100, Math.ceil(needed)).toLocaleString('en'));
  });

  it('shows the reverse charge for an EU business in another member state', async () => {
    await apiWrite(portal, customer, 'PUT', '/account/billing', {
      legalName: 'Lumen Voyages SARL',
      vatId: 'FR40303265045',
      address: { line1: '1 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
      invoiceEmail: CUSTOMER.email,
      mobile: '+34612345670',
    });
    await page.goto(`${portal.url}/buy`);
    await heading(page, 'Buy credits');
    await seeText(page.getByTestId('quote-tax-label'), /^Reverse charge$/);
    expect(await page.getByTestId('quote-tax').textContent()).toBe('€0.00');
    expect(await page.getByTestId('quote-total').textContent()).toBe('€50.00');
    await seeText(page.getByTestId('quote-tax-note'), 'reverse charge');
    await shot(page, 'm18-reverse-charge');
  });
});

describe('at phone width', () => {
  it('lays out the purchase pages without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const p = await newPage(phone);
    await apiLogin(portal, phone, CUSTOMER.email, CUSTOMER.password);
    const pages: [string, string | RegExp, string][] = [
      ['/buy', 'Buy credits', 'm20-phone-buy'],
      [`/purchases/${bought[0]?.id}`, 'Purchase of 1,000 credits', 'm21-phone-purchase'],
      ['/purchases', 'Purchases', 'm21b-phone-purchases'],
      ['/transactions', 'Transactions', 'm22-phone-transactions'],
      ['/pricing', 'Price list', 'm23-phone-pricing'],
    ];
    // A bank transfer awaiting payment, for its details at phone width.
    await p.goto(`${portal.url}/buy`);
    await heading(p, 'Buy credits');
    await p.getByTestId('method-bank_transfer').click();
    await p.getByRole('button', { name: 'Confirm and get the bank details' }).click();
    await heading(p, /^Purchase of/);
    await p.getByTestId('bank-details').waitFor();
    await shot(p, 'm19-phone-bank-details');
    // The layout viewport of a phone grows to fit what overflows: compare with the device's width.
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    for (const [pathname, title, name] of pages) {
      await p.goto(`${portal.url}${pathname}`);
      await heading(p, title);
      await shot(p, name);
      expect(await p.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), pathname).toBe(
        true,
      );
    }
    await phone.close();
  });

  it('raised no script errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
