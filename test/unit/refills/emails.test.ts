// The refill e-mails in both languages: each says its event in the account's language, in plain
// text and HTML alike, with its link; the "succeeded" one carries the receipt's lines; and what a
// failure does to the rule.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { AppContext } from '../../../src/context.js';
import { purchaseCredited, type ReceiptValues } from '../../../src/notifications/templates-money.js';
import { escapeHtml } from '../../../src/notifications/templates.js';
import {
  reasonText,
  refillCapReached,
  refillDeclined,
  refillNeedsAuthentication,
  refillPaused,
  refillSucceeded,
} from '../../../src/refills/emails.js';
import { failureEffect, retryDelayMs } from '../../../src/refills/outcomes.js';

const base = { name: 'Ana', rulesUrl: 'https://portal.example/refills' };

/** A refill's receipt figures as the purchase core formats them, per language. */
const receipt = {
  en: {
    name: 'Ana',
    purchaseId: 'pur_1',
    credits: '1,000',
    subtotal: '€50.00',
    taxRate: '21 %',
    tax: '€10.50',
    total: '€60.50',
    paymentMethod: 'card',
    paidOn: '3 March 2025',
    available: '1,050',
    url: 'https://portal.example/purchases/pur_1',
  },
  es: {
    name: 'Ana',
    purchaseId: 'pur_1',
    credits: '1.000',
    subtotal: '50,00 €',
    taxRate: '21 %',
    tax: '10,50 €',
    total: '60,50 €',
    paymentMethod: 'card',
    paidOn: '3 de marzo de 2025',
    available: '1.050',
    url: 'https://portal.example/purchases/pur_1',
  },
} satisfies Record<'en' | 'es', ReceiptValues>;

describe('refill e-mails', () => {
  const all = (lang: 'en' | 'es') => [
    refillSucceeded(lang, { ...receipt[lang], ...base, balance: '1,050' }),
    refillDeclined(lang, {
      ...base,
      credits: '1,000',
      total: '€60.50',
      reason: 'insufficient_funds',
      retryAt: 'tomorrow',
    }),
    refillNeedsAuthentication(lang, {
      ...base,
      credits: '1,000',
      total: '€60.50',
      link: 'https://bank.example/auth/pi_1',
    }),
    refillCapReached(lang, { ...base, maximum: 2, freesAt: 'soon' }),
    refillPaused(lang, { ...base, reason: 'card_declined', detail: 'lost_card' }),
  ];

  it('are written in English and in Spanish, the same words in text and HTML, each with its link', () => {
    const [en, es] = [all('en'), all('es')];
    for (let i = 0; i < en.length; i++) {
      const a = en[i];
      const b = es[i];
      if (!a || !b) throw new Error('missing template');
      expect(a.subject).not.toBe(b.subject);
      expect(a.text).toContain('Hello Ana,');
      expect(b.text).toContain('Hola, Ana:');
      for (const mail of [a, b]) {
        const link = /(https:\/\/\S+)/.exec(mail.text)?.[1] ?? '';
        expect(link).not.toBe('');
        expect(mail.html).toContain(link);
        expect(mail.html).toContain('<!doctype html>');
      }
    }
    expect(en[2]?.text).toContain('https://bank.example/auth/pi_1');
    expect(es[1]?.text).toContain('la tarjeta no tiene fondos suficientes');
    expect(en[4]?.text).toContain('reported lost');
  });

  it('a refill succeeded is its receipt: the receipt’s lines, the balance and both links, in text and HTML', () => {
    const en = refillSucceeded('en', { ...receipt.en, ...base, balance: '1,050' });
    const es = refillSucceeded('es', { ...receipt.es, ...base, balance: '1.050' });
    const lines = {
      en: [
        'Credits: 1,000',
        'Amount: €50.00',
        'Tax (21 %): €10.50',
        'Total: €60.50',
        'Payment method: Card',
        'Paid on: 3 March 2025',
        'Purchase: pur_1',
        'Your balance is now 1,050 credits',
      ],
      es: [
        'Créditos: 1.000',
        'Importe: 50,00 €',
        'Impuestos (21 %): 10,50 €',
        'Total: 60,50 €',
        'Forma de pago: Tarjeta',
        'Fecha de pago: 3 de marzo de 2025',
        'Compra: pur_1',
        'Su saldo es ahora de 1.050 créditos',
      ],
    };
    for (const [mail, lang] of [
      [en, 'en'],
      [es, 'es'],
    ] as const) {
      for (const line of lines[lang]) expect(mail.text).toContain(line);
      // The same lines, as the receipt's table, in HTML.
      for (const line of lines[lang].slice(0, 7)) {
        const [label = '', value = ''] = line.split(': ');
        expect(mail.html).toContain(
          `${escapeHtml(label)}</th><td style="padding:4px 0">${escapeHtml(value)}</td>`,
        );
      }
      for (const link of ['https://portal.example/purchases/pur_1', 'https://portal.example/refills']) {
        expect(mail.text).toContain(link);
        expect(mail.html).toContain(link);
      }
      // The details are the receipt's own, from the receipt's helper.
      const receiptText = purchaseCredited(lang, receipt[lang]).text;
      const details = receiptText.slice(receiptText.indexOf(lang === 'es' ? 'Créditos:' : 'Credits:'));
      expect(mail.text).toContain(details.slice(0, details.indexOf('\n\n')));
    }
  });

  it('names an unknown decline code as it came', () => {
    expect(reasonText('en', 'approve_with_id')).toContain('approve_with_id');
    expect(reasonText('es', 'approve_with_id')).toContain('approve_with_id');
  });
});

describe('what a failure does to the rule', () => {
  const ctx = { config: loadConfig({ DATA_DIR: '/tmp/tollgate-test' }) } as AppContext;

  it('backs off 1 h, 6 h, then pauses at the third decline in a row', () => {
    expect(failureEffect(ctx, 'generic_decline', 0)).toEqual({ pause: null, failures: 1 });
    expect(retryDelayMs(ctx, 1)).toBe(3_600_000);
    expect(failureEffect(ctx, 'insufficient_funds', 1)).toEqual({ pause: null, failures: 2 });
    expect(retryDelayMs(ctx, 2)).toBe(6 * 3_600_000);
    expect(failureEffect(ctx, 'generic_decline', 2)).toEqual({ pause: 'card_declined', failures: 3 });
  });

  it('pauses at once for a code never to retry, an expired card or a removed one', () => {
    for (const code of ['lost_card', 'stolen_card', 'do_not_honor', 'pickup_card'])
      expect(failureEffect(ctx, code, 0).pause).toBe('card_declined');
    expect(failureEffect(ctx, 'expired_card', 0).pause).toBe('card_expired');
    expect(failureEffect(ctx, 'card_removed', 0).pause).toBe('card_removed');
  });

  it('reads the delays from AUTO_REFILL_RETRY_DELAYS and refuses a malformed one', () => {
    const custom = {
      config: loadConfig({ DATA_DIR: '/tmp/t', AUTO_REFILL_RETRY_DELAYS: '30m,2h' }),
    } as AppContext;
    expect(retryDelayMs(custom, 1)).toBe(30 * 60_000);
    expect(retryDelayMs(custom, 5)).toBe(2 * 3_600_000);
    expect(() => loadConfig({ DATA_DIR: '/tmp/t', AUTO_REFILL_RETRY_DELAYS: 'soon' })).toThrow(
      /AUTO_REFILL_RETRY_DELAYS/,
    );
  });
});
