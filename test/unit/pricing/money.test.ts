import { describe, expect, it } from 'vitest';
import {
  addMoney,
  CURRENCIES,
  CURRENCY_EXPONENT,
  formatMinorUnits,
  formatMoney,
  isCurrency,
  money,
  moneyToJson,
  roundHalfUp,
} from '../../../src/pricing/money.js';

describe('roundHalfUp', () => {
  it.each([
    [0n, 1n, 0n],
    [4n, 2n, 2n],
    [14n, 10n, 1n],
    [15n, 10n, 2n],
    [16n, 10n, 2n],
    [25n, 10n, 3n],
    [35n, 10n, 4n],
    [149n, 100n, 1n],
    [150n, 100n, 2n],
    [1n, 2n, 1n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [4_999_999n, 1_000_000n, 5n],
    [4_499_999n, 1_000_000n, 4n],
    [4_500_000n, 1_000_000n, 5n],
    [-15n, 10n, -2n],
    [-14n, 10n, -1n],
    [-25n, 10n, -3n],
    [123_456_789_012_345_678_901_234_567_890n, 10n, 12_345_678_901_234_567_890_123_456_789n],
    [123_456_789_012_345_678_901_234_567_895n, 10n, 12_345_678_901_234_567_890_123_456_790n],
  ])('%i / %i -> %i', (numerator, denominator, expected) => {
    expect(roundHalfUp(numerator, denominator)).toBe(expected);
  });

  it.each([0n, -10n])('refuses the denominator %i', (denominator) => {
    expect(() => roundHalfUp(1n, denominator)).toThrow(RangeError);
  });
});

describe('currencies', () => {
  it('EUR, USD, GBP and CZK all have two minor digits', () => {
    expect(CURRENCIES).toEqual(['EUR', 'USD', 'GBP', 'CZK']);
    for (const currency of CURRENCIES) expect(CURRENCY_EXPONENT[currency]).toBe(2);
  });

  it.each([
    ['EUR', true],
    ['CZK', true],
    ['eur', false],
    ['JPY', false],
    [42, false],
    [undefined, false],
  ])('isCurrency(%j) is %s', (value, expected) => {
    expect(isCurrency(value)).toBe(expected);
  });
});

describe('money values', () => {
  it('takes integer minor units as number or bigint', () => {
    expect(money(4500, 'EUR')).toEqual({ amount: 4500n, currency: 'EUR' });
    expect(money(4500n, 'EUR')).toEqual({ amount: 4500n, currency: 'EUR' });
  });

  it.each([45.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %s minor units', (amount) => {
    expect(() => money(amount, 'EUR')).toThrow(RangeError);
  });

  it('adds amounts of one currency and refuses mixing', () => {
    expect(addMoney(money(100, 'GBP'), money(21, 'GBP'))).toEqual({ amount: 121n, currency: 'GBP' });
    expect(() => addMoney(money(100, 'GBP'), money(1, 'EUR'))).toThrow(RangeError);
  });

  it('converts to JSON numbers only when they stay exact', () => {
    expect(moneyToJson(money(4500n, 'EUR'))).toEqual({ amount: 4500, currency: 'EUR' });
    expect(moneyToJson(money(BigInt(Number.MAX_SAFE_INTEGER), 'EUR')).amount).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => moneyToJson(money(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'EUR'))).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it.each([
    [4500n, '45.00'],
    [5n, '0.05'],
    [0n, '0.00'],
    [-5n, '-0.05'],
    [123_456n, '1234.56'],
    [12_345_678_901_234_567_890n, '123456789012345678.90'],
  ])('%i minor units are "%s"', (amount, expected) => {
    expect(formatMinorUnits(amount, 'EUR')).toBe(expected);
  });

  it.each([
    [money(4500, 'EUR'), 'en', '€45.00'],
    [money(4500, 'USD'), 'en-US', '$45.00'],
    [money(-5, 'GBP'), 'en-GB', '-£0.05'],
    [money(123_400, 'CZK'), 'en', 'CZK\u00a01,234.00'],
    [money(123_400, 'CZK'), 'cs-CZ', '1\u00a0234,00\u00a0Kč'],
    [money(123_450, 'EUR'), 'de-DE', '1.234,50\u00a0€'],
    [money(12_345_678_901_234_567_890n, 'USD'), 'en-US', '$123,456,789,012,345,678.90'],
  ])('%o in %s reads "%s"', (value, locale, expected) => {
    expect(formatMoney(value, locale)).toBe(expected);
  });

  it('uses English by default', () => {
    expect(formatMoney(money(4500, 'EUR'))).toBe('€45.00');
  });
});
