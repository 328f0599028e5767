// Step 9 of the seed journey in a real browser: a customer bought credits last month; the operator
// issues that month's invoices from the Invoices page (with a confirmation, then what it issued);
// the customer is e-mailed, finds the invoice in My account · Invoices, opens it and downloads its
// PDF and its UBL e-invoice.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import {
  type ApiSession,
  apiLogin,
  apiWrite,
  heading,
  LUMEN_TRAVEL,
  OPERATOR,
  readyCustomer,
  seeText,
} from './helpers.js';

const CUSTOMER = { ...LUMEN_TRAVEL, email: 'facturas@lumen-travel.test', vatId: 'ESB12345674' };

let portal: Portal;
let browser: Browser;
let customerContext: BrowserContext;
let adminContext: BrowserContext;
let customer: ApiSession;
const pageErrors: string[] = [];

/** The month before the one the portal runs in: the one the operator issues. */
function lastMonth(): { month: string; paidAt: string } {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return {
    month: first.toISOString().slice(0, 7),
    paidAt: new Date(first.getTime() + 14 * 86_400_000 + 36_000_000).toISOString(),
  };
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  customerContext = await browser.newContext({ acceptDownloads: true });
  adminContext = await browser.newContext();
  customer = await readyCustomer(portal, customerContext, CUSTOMER);
  const admin = await apiLogin(portal, adminContext, OPERATOR.email, OPERATOR.password);
  // A bank transfer ordered and paid, then moved into last month as if it had been paid then.
  const purchase = await apiWrite<{ id: string }>(
    portal,
    customer,
    'POST',
    '/purchases',
    { packId: 'pack-1000', paymentMethod: 'bank_transfer' },
    { 'idempotency-key': 'invoice-browser-purchase' },
  );
  await apiWrite(portal, admin, 'POST', `/admin/purchases/${purchase.id}/mark-paid`, {
    bankReference: 'BANK-2026-0042',
    paidAt: new Date().toISOString(),
  });
  const { paidAt } = lastMonth();
  await portal.running.ctx.db.query(
    'update purchases set created_at = $2, paid_at = $2, credited_at = $2 where id = $1',
    [purchase.id, paidAt],
  );
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('monthly invoices in the portal', () => {
  it('an operator issues last month; the customer is e-mailed and downloads the PDF and the XML', async () => {
    const { month } = lastMonth();
    const admin = await adminContext.newPage();
    admin.on('pageerror', (e) => pageErrors.push(e.message));
    await admin.goto(`${portal.url}/admin/invoices`);
    await heading(admin, 'Invoices');
    await expect(admin.getByRole('textbox', { name: 'Month' }).inputValue()).resolves.toBe(month);
    await admin.getByRole('button', { name: 'Issue invoices' }).click();
    const dialog = admin.getByRole('dialog');
    await seeText(dialog, 'Every account with purchases paid that month');
    await dialog.getByRole('button', { name: 'Issue invoices' }).click();
    await seeText(admin.getByTestId('invoice-run-result'), '1 issued, 0 already issued, 0 failed.');
    await seeText(admin.getByTestId('invoice-runs'), /1\s*0\s*0/);

    // The e-mail to the billing data's invoice address links to the invoice.
    const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) => /invoice/i.test(m.subject));
    const link = linkIn(mail.text, `${portal.url}/`);

    const page = await customerContext.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${portal.url}/account/invoices`);
    await heading(page, 'Invoices');
    const table = page.getByTestId('invoices-table');
    const number = /TG-\d{4}-\d{6}/.exec((await table.textContent()) ?? '')?.[0];
    expect(number, 'an invoice number in the list').toBeTruthy();
    await seeText(table, /1\.21|12\.10|€/);

    await page.getByRole('link', { name: String(number), exact: true }).click();
    await heading(page, `Invoice ${number}`);
    await seeText(page.getByTestId('invoice-lines'), '1,000 SMS credits');
    expect(link).toContain('invoices');

    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('link', { name: `Download ${number} as PDF` })
        .first()
        .click(),
    ]);
    const pdfBytes = await readAll(await pdf.createReadStream());
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.suggestedFilename()).toBe(`${number}.pdf`);

    const [xml] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('link', { name: `Download ${number} as a UBL e-invoice (XML)` })
        .first()
        .click(),
    ]);
    const xmlText = (await readAll(await xml.createReadStream())).toString('utf8');
    expect(xmlText).toContain(`<cbc:ID>${number}</cbc:ID>`);
    expect(pageErrors).toEqual([]);
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
