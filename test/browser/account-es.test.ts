// The account pages in Spanish in the states the page harness does not reach: "check your
// e-mail" with and without the address, the mobile page before billing data and while a code is
// on its way (the countdown, the virtual phone), a new API key shown once and revoked, and the
// operator's VAT evidence with a purchase whose billing and mobile countries disagree. All the
// text of the page's main part is checked for English words, not only its headings and labels.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import { type ApiSession, apiLogin, apiWrite, heading, OPERATOR, screenshots, seeText } from './helpers.js';

const shot = screenshots(path.resolve(import.meta.dirname, '../../test-results/account-es'));

/** Words of English that a Spanish interface never shows (as in pages.test.ts). */
const ENGLISH = /\b(the|your|with|and|of|not|yet|credits|messages|sent|send|show|more)\b/i;

const CUSTOMER = {
  name: 'Marché Lumière',
  email: 'claire@marche-lumiere.test',
  password: 'cheval correct batterie 8',
  mobile: '+34612345688',
};

let portal: Portal;
let browser: Browser;
let guest: BrowserContext;
let customer: BrowserContext;
let admin: BrowserContext;
let session: ApiSession;
const problems: string[] = [];

async function open(context: BrowserContext, pathname: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${pathname}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${pathname}: ${e.message}`));
  await page.goto(`${portal.url}${pathname}`);
  return page;
}

/** The lines of the page's main part (and an open dialog) that hold an English word. */
async function englishIn(page: Page): Promise<string[]> {
  const text = (await page.evaluate(
    "[...document.querySelectorAll('main, dialog[open]')].map((el) => el.innerText).join('\\n')",
  )) as string;
  return text.split('\n').filter((line) => ENGLISH.test(line));
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  const spanish = { locale: 'es-ES', timezoneId: 'Europe/Madrid' };
  guest = await browser.newContext(spanish);
  customer = await browser.newContext(spanish);
  admin = await browser.newContext(spanish);
  await guest.addInitScript("localStorage.setItem('tollgate.language', 'es')");
  await admin.addInitScript("localStorage.setItem('tollgate.language', 'es')");

  const signup = await customer.request.post(`${portal.url}/api/v1/auth/signup`, {
    data: { email: CUSTOMER.email, password: CUSTOMER.password, name: CUSTOMER.name },
  });
  expect(signup.status()).toBe(201);
  const mail = await waitForMail(portal.dataDir, CUSTOMER.email, (m) =>
    m.text.includes('/verify-email?token='),
  );
  const token = new URL(linkIn(mail.text, `${portal.url}/verify-email?token=`)).searchParams.get('token');
  expect(
    (await customer.request.post(`${portal.url}/api/v1/auth/verify-email`, { data: { token } })).ok(),
  ).toBe(true);
  session = await apiLogin(portal, customer, CUSTOMER.email, CUSTOMER.password);
  await apiWrite(portal, session, 'PUT', '/account/language', { language: 'es' });
  await apiLogin(portal, admin, OPERATOR.email, OPERATOR.password);
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('the account pages in Spanish', () => {
  it('check your e-mail: one sentence around the address, or "su dirección" without one', async () => {
    const page = await open(guest, '/signup/check-email?email=claire%40marche-lumiere.test');
    await heading(page, 'Revise su correo');
    const sentence = page.locator('main p', { has: page.locator('strong') }).first();
    expect(await sentence.innerText()).toBe(
      'Hemos enviado un enlace a claire@marche-lumiere.test. Ábralo para confirmar su dirección de correo y después inicie sesión.',
    );
    expect(await sentence.locator('strong').innerText()).toBe('claire@marche-lumiere.test');
    expect(await englishIn(page)).toEqual([]);
    await shot(page, 'comprobar-correo');

    await page.goto(`${portal.url}/signup/check-email`);
    await heading(page, 'Revise su correo');
    await seeText(page.locator('main p'), /^Hemos enviado un enlace a su dirección\. Ábralo/);
    expect(await englishIn(page)).toEqual([]);
    await page.close();
  });

  it('mobile number: billing data first, then a code on the virtual phone, typed back', async () => {
    const page = await open(customer, '/account/mobile');
    await heading(page, 'Número móvil');
    await seeText(page.getByTestId('mobile-status'), /^Sin verificar$/);
    const first = page.locator('main p', { hasText: 'Primero añada su número móvil en sus' });
    await first.waitFor();
    expect(await first.getByRole('link', { name: 'datos de facturación' }).getAttribute('href')).toBe(
      '/account/billing',
    );
    expect(await englishIn(page)).toEqual([]);

    await apiWrite(portal, session, 'PUT', '/account/billing', {
      legalName: 'Marché Lumière SARL',
      address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
      invoiceEmail: CUSTOMER.email,
      mobile: CUSTOMER.mobile,
    });
    await page.reload();
    await heading(page, 'Número móvil');
    await page.getByRole('button', { name: 'Enviar código' }).click();
    await seeText(page.locator('.notice'), `Código enviado al ${CUSTOMER.mobile}`);
    await seeText(
      page.locator('.sent-info'),
      new RegExp(`^Enviado al \\${CUSTOMER.mobile}\\. El código vale hasta el .*\\d`),
    );
    // The next code waits: the button counts down in Spanish.
    const again = page.getByRole('button', { name: /^Enviar un código nuevo \(\d+ s\)$/ });
    await again.waitFor();
    expect(await again.isDisabled()).toBe(true);
    // The account speaks Spanish, so the SMS does too; the phone says what became of it.
    const bubble = page.getByTestId('virtual-phone-messages').locator('.bubble').last();
    await seeText(bubble.locator('.bubble-text'), /^Su código de verificación de Tollgate es \d{6}\./);
    await seeText(bubble.locator('.bubble-meta'), /· (aceptado|entregado)$/);
    await seeText(page.locator('.phone-head'), 'Teléfono virtual');
    expect(await englishIn(page)).toEqual([]);
    await shot(page, 'movil-codigo-enviado');

    const code = /\b(\d{6})\b/.exec(await bubble.locator('.bubble-text').innerText())?.[1] ?? '';
    await page.getByLabel('Código del SMS').fill(code);
    await page.getByRole('button', { name: 'Confirmar', exact: true }).click();
    await seeText(page.locator('.notice'), 'Número móvil verificado');
    await seeText(page.getByTestId('mobile-status'), /^Verificado$/);
    await seeText(page.locator('main .callout-success'), /^Su número móvil está verificado\./);
    expect(await englishIn(page)).toEqual([]);
    await page.close();
  });

  it('API keys: a new key shown once, then revoked, all in Spanish', async () => {
    const page = await open(customer, '/account/api-keys');
    await heading(page, 'Claves API');
    await seeText(page.locator('main .empty'), /^Aún no hay claves API\./);
    await page.getByLabel('Nombre de la clave').fill('Avisos de la tienda');
    await page.getByLabel('Alcance').selectOption('send');
    await page.getByRole('button', { name: 'Crear clave' }).click();
    const reveal = page.getByRole('region', { name: 'Su nueva clave API' });
    await seeText(reveal.locator('h2'), 'Su nueva clave «Avisos de la tienda»');
    await seeText(reveal, 'Cópiela ahora: solo se muestra esta vez.');
    await seeText(
      reveal.locator('p.muted'),
      /^Envíela como Authorization: Bearer <key> en cada petición a la API\.$/,
    );
    expect(await reveal.getByRole('button', { name: 'Copiar' }).count()).toBe(1);
    const row = page.locator('tbody tr', { hasText: 'Avisos de la tienda' });
    await seeText(row, 'Enviar mensajes');
    await seeText(row, 'nunca');
    expect(await englishIn(page)).toEqual([]);
    await shot(page, 'clave-api-nueva');

    await row.getByRole('button', { name: 'Revocar' }).click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog.locator('h2'), '¿Revocar «Avisos de la tienda»?');
    expect(await englishIn(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Revocar clave' }).click();
    await seeText(page.locator('.notice'), 'Clave API «Avisos de la tienda» revocada');
    await row.waitFor({ state: 'detached' });
    await page.close();
  });

  it('VAT evidence: the countries by name, the disagreement and the tax in Spanish', async () => {
    await apiWrite(
      portal,
      session,
      'POST',
      '/purchases',
      { packId: 'pack-1000', paymentMethod: 'bank_transfer' },
      { 'idempotency-key': 'account-es-purchase' },
    );
    const page = await open(admin, '/admin/vat-evidence');
    await heading(page, 'Pruebas de IVA');
    const row = page.locator('tbody tr').first();
    await row.waitFor();
    const cells = row.locator('td');
    expect(await cells.nth(4).innerText()).toBe('Francia\nFR');
    expect(await cells.nth(5).innerText()).toMatch(/^España\nES\n?no coincide$/);
    expect(await cells.nth(2).innerText()).toMatch(/^\d{1,3}(\.\d{3})*,\d{2}\s€$/);
    expect(await cells.nth(6).innerText()).toBe('sin consultar');
    expect(await englishIn(page)).toEqual([]);
    await shot(page, 'pruebas-iva');

    await page.locator('#vat-view').selectOption('eu_consumer');
    await page.waitForURL(/view=eu_consumer/);
    await seeText(page.locator('tbody tr').first(), 'Francia');
    expect(await englishIn(page)).toEqual([]);

    // On a phone the table scrolls inside its card; the page itself does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const { scroll, inner } = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
    )) as { scroll: number; inner: number };
    expect(scroll).toBeLessThanOrEqual(inner);
    await shot(page, 'pruebas-iva-movil');
    await page.close();
  });

  it('logged no error in the console', () => {
    expect(problems).toEqual([]);
  });
});
