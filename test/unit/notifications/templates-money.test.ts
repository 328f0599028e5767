// The money e-mails: the same facts in the text and in the HTML, in English and Spanish, every
// value escaped in the HTML, and credits written as people read them in each language.
import { describe, expect, it } from 'vitest';
import {
  bankTransferInstructions,
  bankTransferReceived,
  creditsText,
  lowBalance,
  purchaseCredited,
  refundIssued,
} from '../../../src/notifications/templates-money.js';
import { LANGUAGES } from '../../../src/notifications/templates.js';

const receipt = {
  name: 'Ana <b>',
  purchaseId: 'pur_123',
  credits: '2,000',
  subtotal: '€100.00',
  taxRate: '21 %',
  tax: '€21.00',
  total: '€121.00',
  paymentMethod: 'card' as const,
  paidOn: '7 December 2026',
  available: '2,050',
  url: 'https://portal.example/purchases/pur_123',
};

describe('money e-mail templates', () => {
  it('writes credits as each language does, exactly', () => {
    expect(creditsText(2_000_000_000n, 'en')).toBe('2,000');
    expect(creditsText(2_000_000_000n, 'es')).toBe('2.000');
    expect(creditsText(12_500_500_000n, 'es')).toBe('12.500,5');
    expect(creditsText(45_000n, 'en')).toBe('0.045');
    expect(creditsText(1_234_567_891_234_567n, 'en')).toBe('1,234,567,891.234567');
    expect(creditsText(-1_500_000n, 'es')).toBe('-1,5');
  });

  it.each(LANGUAGES)('gives every e-mail a subject, a text and an HTML body with the link (%s)', (lang) => {
    const mails = [
      purchaseCredited(lang, receipt),
      bankTransferReceived(lang, { ...receipt, paymentMethod: 'bank_transfer' }),
      bankTransferInstructions(lang, {
        name: null,
        purchaseId: 'pur_9',
        credits: '1,000',
        total: '€60.50',
        iban: 'GB93SAND00000012345678',
        bic: 'SANDGB2L',
        beneficiary: 'Tollgate Ltd',
        reference: 'RF47 1234 5678 9012',
        dueDate: '21 December 2026',
        url: 'https://portal.example/purchases/pur_9',
      }),
      refundIssued(lang, {
        name: 'Ana',
        purchaseId: 'pur_123',
        credits: '250',
        total: '€30.25',
        paymentMethod: 'bank_transfer',
        url: 'https://portal.example/purchases/pur_123',
      }),
      lowBalance(lang, {
        name: 'Ana',
        available: '90',
        limit: '100',
        defaultRule: true,
        buyUrl: 'https://portal.example/buy',
        preferencesUrl: 'https://portal.example/account/preferences',
      }),
    ];
    for (const mail of mails) {
      expect(mail.subject.length).toBeGreaterThan(5);
      expect(mail.text).toMatch(/https:\/\/portal\.example\//);
      expect(mail.html).toMatch(/href="https:\/\/portal\.example\//);
      expect(mail.html).toContain(`<title>${mail.subject.replace(/&/g, '&amp;')}</title>`);
    }
    const [credited, , instructions] = mails;
    for (const fact of ['2,000', '€100.00', '€21.00', '€121.00', '21 %']) {
      expect(credited?.text).toContain(fact);
      expect(credited?.html).toContain(fact);
    }
    for (const fact of [
      'GB93SAND00000012345678',
      'SANDGB2L',
      'Tollgate Ltd',
      'RF47 1234 5678 9012',
      '€60.50',
    ]) {
      expect(instructions?.text).toContain(fact);
      expect(instructions?.html).toContain(fact);
    }
    // A name is the customer's words: escaped in the HTML.
    expect(credited?.html).toContain('Ana &lt;b&gt;');
    expect(credited?.html).not.toContain('Ana <b>');
  });

  it('speaks the account’s language', () => {
    expect(purchaseCredited('es', receipt).text).toContain('Forma de pago: Tarjeta');
    expect(purchaseCredited('en', receipt).text).toContain('Payment method: Card');
    expect(
      lowBalance('es', {
        name: null,
        available: '5',
        limit: '10',
        defaultRule: false,
        buyUrl: 'x',
        preferencesUrl: 'y',
      }).subject,
    ).toBe('Saldo bajo: quedan 5 créditos');
  });
});
