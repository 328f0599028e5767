// A receipt's tax line: the rate, and beside a 0 % rate why there is no VAT, so a business
// under the reverse charge or a customer outside the EU does not read "Tax (0 %)" as a mistake.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { AppContext } from '../../../src/context.js';
import { receiptValues } from '../../../src/purchases/index.js';
import type { Purchase } from '../../../src/purchases/purchase.js';
import type { TaxTreatment } from '../../../src/pricing/tax.js';

const ctx = {
  config: loadConfig({ PUBLIC_URL: 'https://portal.example' }),
  now: () => new Date('2026-03-03T10:00:00Z'),
} as unknown as AppContext;

function purchase(taxTreatment: TaxTreatment, taxRateBasisPoints: number): Purchase {
  const subtotal = 5_000n;
  const taxAmount = (subtotal * BigInt(taxRateBasisPoints)) / 10_000n;
  return {
    id: 'pur_1',
    accountId: 'acc_1',
    credits: 1_000n,
    currency: 'EUR',
    subtotal,
    taxAmount,
    total: subtotal + taxAmount,
    taxRateBasisPoints,
    taxTreatment,
    paymentMethod: 'card',
    paidAt: new Date('2026-03-03T09:00:00Z'),
    creditedAt: new Date('2026-03-03T09:00:01Z'),
  } as Purchase;
}

const reader = (language: 'en' | 'es') => ({
  name: 'Ana',
  language,
  timezone: 'Europe/Madrid',
  availableMicros: 1_050_000_000n,
});

describe('a receipt’s tax rate', () => {
  it.each([
    ['domestic', 2100, 'en', '21 %'],
    ['eu_consumer', 1900, 'es', '19 %'],
    ['reverse_charge', 0, 'en', '0 %, reverse charge'],
    ['reverse_charge', 0, 'es', '0 %, inversión del sujeto pasivo'],
    ['outside_scope', 0, 'en', '0 %, outside the scope of EU VAT'],
    ['outside_scope', 0, 'es', '0 %, no sujeto al IVA de la UE'],
  ] as const)('%s at %i bp in %s reads "%s"', (treatment, bp, lang, expected) => {
    const values = receiptValues(ctx, purchase(treatment, bp), reader(lang));
    expect(values.taxRate).toBe(expected);
  });

  it('keeps the rest of the receipt as it was', () => {
    const values = receiptValues(ctx, purchase('domestic', 2100), reader('en'));
    expect(values).toMatchObject({
      credits: '1,000',
      subtotal: '€50.00',
      tax: '€10.50',
      total: '€60.50',
      available: '1,050',
      url: 'https://portal.example/purchases/pur_1',
    });
  });
});
