import { describe, expect, it } from 'vitest';
import {
  AmountError,
  assertTransferAmount,
  formatCredits,
  MAX_TRANSFER_MICROS,
  parseCredits,
  parseSignedCredits,
} from '../../src/ledger/amounts.js';

describe('credit amounts', () => {
  it.each([
    ['0', 0n],
    ['1', 1_000_000n],
    ['1000', 1_000_000_000n],
    ['0.045', 45_000n],
    ['0.000001', 1n],
    ['12.5', 12_500_000n],
    ['1000000000', MAX_TRANSFER_MICROS],
  ])('parses %s as %s micro-credits', (text, micros) => {
    expect(parseCredits(text)).toBe(micros);
  });

  it.each([
    ['more than 6 fraction digits', '0.0000001'],
    ['a negative amount', '-1'],
    ['a number instead of a string', 5],
    ['an empty string', ''],
    ['letters', 'ten'],
    ['exponent notation', '1e3'],
    ['a leading plus', '+1'],
    ['a trailing dot', '1.'],
    ['a leading dot', '.5'],
    ['spaces', ' 1'],
    ['a comma', '1,5'],
    ['absurdly many digits', '99999999999999999999'],
    ['null', null],
  ])('refuses %s', (_why, value) => {
    expect(() => parseCredits(value)).toThrow(AmountError);
  });

  it('names the fraction-digit problem precisely', () => {
    expect(() => parseCredits('1.1234567')).toThrow('more than 6 fraction digits');
  });

  it('accepts a sign where signed amounts are allowed', () => {
    expect(parseSignedCredits('-2.5')).toBe(-2_500_000n);
    expect(parseSignedCredits('2.5')).toBe(2_500_000n);
  });

  it.each([
    [0n, '0'],
    [1n, '0.000001'],
    [45_000n, '0.045'],
    [1_500_000n, '1.5'],
    [1_000_000_000n, '1000'],
    [-45_000n, '-0.045'],
  ])('formats %s micro-credits as "%s"', (micros, text) => {
    expect(formatCredits(micros)).toBe(text);
  });

  it('round-trips every formatted amount', () => {
    for (const micros of [0n, 7n, 999_999n, 1_000_001n, 123_456_789_012n]) {
      expect(parseCredits(formatCredits(micros))).toBe(micros);
    }
  });

  it('bounds transfer amounts: zero, negative and over-large are refused', () => {
    expect(() => assertTransferAmount(0n)).toThrow('greater than zero');
    expect(() => assertTransferAmount(-1n)).toThrow('greater than zero');
    expect(() => assertTransferAmount(MAX_TRANSFER_MICROS + 1n)).toThrow('at most');
    expect(() => assertTransferAmount(MAX_TRANSFER_MICROS)).not.toThrow();
    expect(() => assertTransferAmount(0n, { allowZero: true })).not.toThrow();
  });
});
