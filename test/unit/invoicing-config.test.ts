// Issuer and invoicing settings: defaults, and one clear line per bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('invoicing settings', () => {
  it('has working defaults', () => {
    const { invoicing } = loadConfig({});
    expect(invoicing).toMatchObject({
      timeZone: 'Europe/Madrid',
      invoiceSeries: 'TG',
      creditNoteSeries: 'TGC',
      issuerAddressLines: ['Calle de Ejemplo 1'],
      issuerCity: 'Madrid',
      issuerPostalCode: '28001',
      attachPdf: true,
      schedule: true,
      logoPath: undefined,
    });
  });

  it('reads the issuer address lines, series and time zone', () => {
    const { invoicing } = loadConfig({
      ISSUER_STREET: 'Hauptstraße 5\\nHinterhaus',
      ISSUER_CITY: 'Berlin',
      ISSUER_POSTAL_CODE: '10115',
      ISSUER_TIME_ZONE: 'Europe/Berlin',
      INVOICE_SERIES: 'inv',
      CREDIT_NOTE_SERIES: 'cn',
      INVOICE_EMAIL_ATTACH_PDF: 'false',
    });
    expect(invoicing).toMatchObject({
      issuerAddressLines: ['Hauptstraße 5', 'Hinterhaus'],
      issuerCity: 'Berlin',
      timeZone: 'Europe/Berlin',
      invoiceSeries: 'INV',
      creditNoteSeries: 'CN',
      attachPdf: false,
    });
  });

  it.each([
    [{ ISSUER_TIME_ZONE: 'Mars/Olympus' }, 'ISSUER_TIME_ZONE: must be an IANA time zone'],
    [{ INVOICE_SERIES: 'T G' }, 'INVOICE_SERIES: must be 1 to 10 letters'],
    [
      { INVOICE_SERIES: 'TG', CREDIT_NOTE_SERIES: 'tg' },
      'CREDIT_NOTE_SERIES: must differ from INVOICE_SERIES',
    ],
    [{ ISSUER_POSTAL_CODE: '<>' }, 'ISSUER_POSTAL_CODE: must be 2 to 12'],
    [{ INVOICE_LOGO: '/nowhere/logo.png' }, 'INVOICE_LOGO: file not found'],
    [{ INVOICE_LOGO: '/etc/hostname' }, 'INVOICE_LOGO: must be a .png or .jpg'],
    [{ INVOICE_EMAIL_ATTACH_PDF: 'maybe' }, 'INVOICE_EMAIL_ATTACH_PDF: must be true or false'],
    [{ INVOICE_RUN_BATCH: '0' }, 'INVOICE_RUN_BATCH: must be between'],
    [{ ISSUER_REGION: 'Madrid!' }, 'ISSUER_REGION: must be a region code'],
  ])('refuses %o', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
