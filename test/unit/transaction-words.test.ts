// A movement in words, as the API says it: purchases from their purchase (pack, card ending,
// bank transfer, automatic refill), their refunds, and the grouped rows; numbers grouped, no
// internal ids.
import { describe, expect, it } from 'vitest';
import {
  groupDescription,
  groupDigits,
  type PurchaseFacts,
  purchaseDescription,
  refundDescription,
} from '../../src/transactions/describe.js';

const base: PurchaseFacts = {
  id: 'pur_x',
  credits: '10000',
  pack: true,
  paymentMethod: 'card',
  cardLast4: '4242',
  source: 'portal',
};

describe('transaction words', () => {
  it('groups digits and keeps fractions exact', () => {
    expect(groupDigits('10000')).toBe('10,000');
    expect(groupDigits('-1234567.5')).toBe('1,234,567.5');
    expect(groupDigits('12345678901234567890')).toBe('12,345,678,901,234,567,890');
  });

  it('says a purchase from its purchase, never its ids', () => {
    expect(purchaseDescription(base)).toBe('10,000 credits — pack, card ending 4242');
    expect(purchaseDescription({ ...base, pack: false, cardLast4: null })).toBe('10,000 credits — card');
    expect(purchaseDescription({ ...base, paymentMethod: 'bank_transfer', cardLast4: null })).toBe(
      '10,000 credits — pack, bank transfer',
    );
    expect(purchaseDescription({ ...base, pack: false, source: 'auto_refill' })).toBe(
      '10,000 credits — automatic refill, card ending 4242',
    );
    expect(refundDescription('2500', base)).toBe(
      '2,500 unused credits refunded — of 10,000 bought by pack, card ending 4242',
    );
    for (const text of [purchaseDescription(base), refundDescription('1', base)]) {
      expect(text).not.toMatch(/pur_|pack-/);
    }
  });

  it('says a grouped row: the campaign or the single sends, with the count', () => {
    const group = { day: '2026-12-07', from: '', to: '', campaignId: 'cmp_1', campaignName: 'Spring sale' };
    expect(groupDescription('consumption', { ...group, count: 3899 })).toBe(
      'Campaign “Spring sale” — 3,899 messages',
    );
    expect(
      groupDescription('consumption', { ...group, campaignId: null, campaignName: null, count: 1 }),
    ).toBe('Single messages — 1 message');
    expect(groupDescription('refund', { ...group, count: 12 })).toBe(
      'Refunded, not delivered: 12 messages — campaign “Spring sale”',
    );
  });
});
