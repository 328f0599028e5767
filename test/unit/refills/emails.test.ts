// The refill e-mails in both languages: each says its event in the account's language, in plain
// text and HTML alike, with its link; and what a failure does to the rule.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { AppContext } from '../../../src/context.js';
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

describe('refill e-mails', () => {
  const all = (lang: 'en' | 'es') => [
    refillSucceeded(lang, {
      ...base,
      credits: '1,000',
      total: '€60.50',
      balance: '1050',
      purchaseUrl: 'https://portal.example/purchases/pur_1',
    }),
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
