// The seed's whole journey once, as a new Spanish-speaking user on a phone (390 × 844) with the
// default verification by staff: sign up, confirm the e-mail from the link, log in, fill in the
// billing data, verify the mobile with the code on the sandbox phone, set the preferences, see
// that Send waits for the operator's review, be verified, buy credits with the sandbox card,
// send a message, start a campaign and remove a scheduled message from the outbox — every
// screen in Spanish, numbers in Spanish form, no sideways scrolling, no console error.
// Screenshots of each step go to test-results/journey-es/.
//
// The account, money and sign-in pages of other parts of the portal are driven by their fields'
// names and test ids, so the test holds whatever language their texts are in.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, linkIn, type Portal, startPortal, waitForMail } from './harness.js';
import { apiLogin, OPERATOR, screenshots, seeText, verifyAccount } from './helpers.js';

const USER = {
  name: 'Viajes Lumen',
  email: 'lucia@viajes-lumen.test',
  password: 'caballo correcto batería 8',
  mobile: '+34612345670',
};
const shot = screenshots(path.resolve(import.meta.dirname, '../../test-results/journey-es'));

let portal: Portal;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

async function heading(p: Page, name: string | RegExp): Promise<void> {
  await p.getByRole('heading', { level: 1, name }).waitFor({ timeout: 15_000 });
}

/** Opens the menu (a phone's navigation) and follows one of its links. */
async function viaMenu(p: Page, link: string | RegExp): Promise<void> {
  await p.getByRole('button', { name: 'Menú' }).click();
  const name = typeof link === 'string' ? new RegExp(`^${link}$`) : link;
  await p.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name }).click();
}

async function fitsPhone(p: Page): Promise<void> {
  const { scroll, inner } = (await p.evaluate(
    '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
  )) as { scroll: number; inner: number };
  expect(scroll, p.url()).toBeLessThanOrEqual(inner);
  expect(await p.evaluate('document.documentElement.lang')).toBe('es');
}

beforeAll(async () => {
  portal = await startPortal({
    TOLLGATE_ADMIN_EMAIL: OPERATOR.email,
    TOLLGATE_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchBrowser();
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'es-ES',
    timezoneId: 'Europe/Madrid',
    isMobile: true,
    hasTouch: true,
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

describe('the seed journey in Spanish on a phone', () => {
  it('signs up, confirms the e-mail from the link and logs in', async () => {
    await page.goto(`${portal.url}/signup`);
    await heading(page, 'Cree su cuenta');
    await fitsPhone(page);
    await shot(page, '01-registro');
    await page.getByLabel('Su nombre o empresa').fill(USER.name);
    await page.getByLabel('Correo electrónico de trabajo').fill(USER.email);
    await page.getByLabel('Contraseña').fill(USER.password);
    await page.getByRole('button', { name: 'Crear cuenta' }).click();
    await heading(page, 'Revise su correo');
    await shot(page, '02-revise-su-correo');

    const mail = await waitForMail(portal.dataDir, USER.email, (m) =>
      m.text.includes('/verify-email?token='),
    );
    await page.goto(linkIn(mail.text, `${portal.url}/verify-email?token=`));
    await seeText(page.locator('main'), 'Su dirección de correo está confirmada');
    await page.getByRole('link', { name: 'Iniciar sesión' }).first().click();
    await heading(page, 'Iniciar sesión');
    await page.getByLabel('Correo electrónico').fill(USER.email);
    await page.getByLabel('Contraseña').fill(USER.password);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await heading(page, `Hola, ${USER.name}`);
    await seeText(page.locator('.topbar .brand-name'), 'Tollgate');
    await seeText(page.locator('.topbar .balance-unit'), 'créditos');
    await seeText(page.locator('.status-banner'), 'Pendiente de verificación');
    await fitsPhone(page);
    await shot(page, '03-panel-nuevo');
  });

  it('is told in Spanish what a purchase still needs', async () => {
    await viaMenu(page, 'Comprar créditos');
    await heading(page, 'Comprar créditos');
    await seeText(page.locator('main'), 'Antes de comprar');
    await seeText(
      page.locator('main'),
      'Todavía falta: los datos de facturación completos y un número móvil verificado.',
    );
    await page.getByRole('link', { name: 'Completar datos de facturación' }).waitFor();
    await fitsPhone(page);
    await shot(page, '03b-antes-de-comprar');
  });

  it('fills in the billing data, verifies the mobile and sets the preferences', async () => {
    await viaMenu(page, 'Datos de facturación');
    const form = page.locator('main form');
    await form.locator('[name="legalName"]').waitFor();
    await form.locator('[name="legalName"]').fill('Viajes Lumen S.L.');
    await form.locator('[name="vatId"]').fill('ESB12345674');
    await form.locator('[name="address.line1"]').fill('Calle Mayor 1');
    await form.locator('[name="address.city"]').fill('Madrid');
    await form.locator('[name="address.postalCode"]').fill('28013');
    await form.locator('[name="address.country"]').selectOption('ES');
    await form.locator('[name="invoiceEmail"]').fill(USER.email);
    await form.locator('[name="mobile"]').fill(USER.mobile);
    await fitsPhone(page);
    await shot(page, '04-facturacion');
    await form.locator('button[type="submit"]').click();

    // The mobile page comes next: a code on the sandbox phone, typed back.
    await page.locator('main [name="code"]').waitFor({ timeout: 15_000 });
    await page.locator('main .mobile-status, main [data-testid="mobile-status"]').first().waitFor();
    await page.locator('main button.button-primary').first().click();
    const bubble = page.getByTestId('virtual-phone-messages').locator('.bubble-text').last();
    await bubble.waitFor({ state: 'visible', timeout: 15_000 });
    const code = /\b(\d{6})\b/.exec((await bubble.textContent()) ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    await page.locator('main [name="code"]').fill(code);
    await page.locator('main [name="code"]').press('Enter');
    await page.locator('[data-testid="mobile-status"].pill-active').waitFor({ timeout: 15_000 });
    await fitsPhone(page);
    await shot(page, '05-movil-verificado');

    await viaMenu(page, 'Preferencias');
    const prefs = page.locator('main form');
    await prefs.locator('[name="country"]').selectOption('ES');
    await prefs.locator('[name="currency"]').selectOption('EUR');
    await prefs.locator('[name="timezone"]').selectOption('Europe/Madrid');
    await prefs.locator('[name="language"]').selectOption('es');
    await prefs.locator('button[type="submit"]').click();
    await page.locator('.notice').first().waitFor();
    await shot(page, '06-preferencias');
  });

  it('shows on the dashboard that our team verifies the account, and Send says why it waits', async () => {
    await viaMenu(page, 'Panel');
    await heading(page, `Hola, ${USER.name}`);
    const review = page.locator('.check-item[data-step="review"]');
    await seeText(review, 'Cuenta verificada por nuestro equipo');
    expect(await review.getAttribute('class')).not.toContain('check-done');
    await seeText(page.locator('.status-banner'), 'nuestro equipo está revisando su cuenta');
    await shot(page, '07-panel-revision');

    await viaMenu(page, 'Enviar SMS');
    await heading(page, 'Enviar SMS');
    await seeText(page.getByTestId('send-blocked'), 'nuestro equipo verifica antes su cuenta');
    const send = page.getByRole('button', { name: 'Enviar', exact: true });
    expect(await send.getAttribute('aria-disabled')).toBe('true');
    await fitsPhone(page);
    await shot(page, '08-enviar-bloqueado');

    const adminContext = await browser.newContext();
    const admin = await apiLogin(portal, adminContext, OPERATOR.email, OPERATOR.password);
    const account = (await (await context.request.get(`${portal.url}/api/v1/account`)).json()) as {
      id: string;
    };
    await verifyAccount(portal, admin, account.id);
    await adminContext.close();
  });

  it('buys 1.000 credits with the sandbox card', async () => {
    await page.goto(`${portal.url}/buy`);
    await heading(page, 'Comprar créditos');
    await page.getByTestId('pack-pack-1000').click();
    await seeText(page.getByTestId('buy-confirm'), /^Confirmar y pagar [\d.]+,\d{2}\s€$/);
    await fitsPhone(page);
    await page.getByTestId('buy-confirm').click();
    await page.locator('#card_number').waitFor({ timeout: 15_000 });
    await page.locator('#card_number').fill('4242 4242 4242 4242');
    await page.locator('#card_expiry').fill('12 / 34');
    await page.locator('#card_cvc').fill('123');
    await page.locator('#billing_name').fill('Lucía Lumen');
    await shot(page, '09-pago-sandbox');
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL((url) => url.origin === portal.url && /^\/purchases\/pur_/.test(url.pathname), {
      timeout: 20_000,
    });
    await seeText(page.getByTestId('balance-available'), /^1\.000$/, 20_000);
    await seeText(page.getByTestId('purchase-outcome'), 'Se añadieron 1.000 créditos a su saldo');
    await shot(page, '10-compra-abonada');
  });

  it('sends a message, counted and priced in Spanish', async () => {
    await viaMenu(page, 'Enviar SMS');
    await heading(page, 'Enviar SMS');
    await page.getByRole('textbox', { name: 'Destinatarios', exact: true }).fill('612345001');
    await page.getByRole('textbox', { name: 'Mensaje', exact: true }).fill('Hola desde Viajes Lumen');
    await seeText(page.getByTestId('sms-counter'), '23 caracteres');
    expect(await page.getByTestId('sms-segments').textContent()).toBe('1 parte SMS');
    await seeText(page.getByTestId('estimate-available'), '1.000 créditos');
    await fitsPhone(page);
    await shot(page, '11-enviar');
    await page.getByRole('button', { name: 'Enviar', exact: true }).click();
    await seeText(page.getByTestId('send-summary'), '1 de 1 aceptados');
    await shot(page, '12-enviado');
  });

  it('starts a campaign and follows it to delivered', async () => {
    await viaMenu(page, 'Campañas');
    await heading(page, 'Campañas');
    await page.getByRole('link', { name: 'Nueva campaña' }).click();
    await heading(page, 'Nueva campaña');
    await page.getByText('Pegar números', { exact: true }).click();
    await page.getByRole('textbox', { name: 'Números', exact: true }).fill('612345101\n612345102\n612345103');
    await page.getByRole('textbox', { name: 'Nombre', exact: true }).fill('Ofertas de otoño');
    await page.getByRole('textbox', { name: 'Mensaje', exact: true }).fill('Otoño en Madrid: 20 % menos');
    await seeText(page.getByTestId('estimate-credits'), /^3$/);
    await page.getByText('Enviar ahora', { exact: true }).click();
    await fitsPhone(page);
    await shot(page, '13-nueva-campana');
    await page.getByRole('button', { name: 'Empezar la campaña' }).click();
    await heading(page, 'Ofertas de otoño');
    await seeText(page.getByTestId('count-delivered'), /^3$/, 30_000);
    await seeText(page.getByTestId('campaign-status'), 'Terminada', 15_000);
    await seeText(page.getByTestId('campaign-outcome'), '3 enviados');
    await fitsPhone(page);
    await shot(page, '14-campana-terminada');
  });

  it('removes a scheduled message from the outbox, its held credit released', async () => {
    await viaMenu(page, 'Enviar SMS');
    await page.getByRole('textbox', { name: 'Destinatarios', exact: true }).fill('612345009');
    await page.getByRole('textbox', { name: 'Mensaje', exact: true }).fill('Nos vemos la semana que viene');
    await page.getByText('Más tarde', { exact: true }).click();
    const later = (await page.evaluate(`(() => {
      const at = new Date(Date.now() + 2 * 86400000);
      const pad = (n) => String(n).padStart(2, '0');
      return at.getFullYear() + '-' + pad(at.getMonth() + 1) + '-' + pad(at.getDate()) + 'T' + pad(at.getHours()) + ':' + pad(at.getMinutes());
    })()`)) as string;
    await page.getByLabel('Enviar el').fill(later);
    await page.getByRole('button', { name: 'Enviar', exact: true }).click();
    await seeText(page.getByTestId('send-results'), 'Programado');

    // Its name carries the badge's count.
    await viaMenu(page, /^Bandeja de salida/);
    await heading(page, 'Bandeja de salida');
    await seeText(page.getByTestId('outbox-messages'), /^1$/);
    await page.getByTestId('remove-outbox').click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog, 'El 1 crédito retenido para ellos vuelve a su saldo');
    await shot(page, '15-vaciar-bandeja');
    await dialog.getByRole('button', { name: 'Cancelar 1 mensaje' }).click();
    await seeText(page.locator('.notice'), '1 mensaje cancelado');
    await seeText(page.getByTestId('outbox-empty'), 'La bandeja de salida está vacía');
    await fitsPhone(page);
    await shot(page, '16-bandeja-vacia');
  });

  it('logged no error in the console on any screen', () => {
    expect(problems).toEqual([]);
  });
});
