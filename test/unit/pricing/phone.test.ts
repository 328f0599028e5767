import { describe, expect, it } from 'vitest';
import type { CountryCode } from '../../../src/pricing/countries.js';
import { countryCodes, toCountryCode } from '../../../src/pricing/countries.js';
import {
  parseRecipient,
  RECIPIENT_REFUSAL_MESSAGES,
  type RecipientRefusal,
} from '../../../src/pricing/phone.js';

describe('parseRecipient accepts', () => {
  it.each<[string, CountryCode | undefined, string, CountryCode, string]>([
    ['+44 7400 123456', undefined, '+447400123456', 'GB', 'MOBILE'],
    ['07400 123456', 'GB', '+447400123456', 'GB', 'MOBILE'],
    ['+34 612 345 678', undefined, '+34612345678', 'ES', 'MOBILE'],
    ['612345678', 'ES', '+34612345678', 'ES', 'MOBILE'],
    ['612 34 56 78', 'ES', '+34612345678', 'ES', 'MOBILE'],
    ['0044 7400 123456', 'ES', '+447400123456', 'GB', 'MOBILE'],
    ['+44 (0) 7400-123456', undefined, '+447400123456', 'GB', 'MOBILE'],
    ['  +44 7400 123456  ', undefined, '+447400123456', 'GB', 'MOBILE'],
    ['+44 7624 123456', undefined, '+447624123456', 'IM', 'MOBILE'],
    ['+44 7781 123456', undefined, '+447781123456', 'GG', 'MOBILE'],
    ['+1 201 555 0123', undefined, '+12015550123', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['(201) 555-0123', 'US', '+12015550123', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['+1 416 555 0123', undefined, '+14165550123', 'CA', 'FIXED_LINE_OR_MOBILE'],
    ['+1 876 555 1234', undefined, '+18765551234', 'JM', 'MOBILE'],
    ['+1 787 234 5678', undefined, '+17872345678', 'PR', 'FIXED_LINE_OR_MOBILE'],
    ['+7 912 345 6789', undefined, '+79123456789', 'RU', 'MOBILE'],
    ['+7 701 123 4567', undefined, '+77011234567', 'KZ', 'MOBILE'],
    ['+49 1512 3456789', undefined, '+4915123456789', 'DE', 'MOBILE'],
    ['+30 691 234 5678', undefined, '+306912345678', 'GR', 'MOBILE'],
    ['+420 601 123 456', undefined, '+420601123456', 'CZ', 'MOBILE'],
    ['+358 18 12345', undefined, '+3581812345', 'AX', 'FIXED_LINE'],
    ['+590 690 12 34 56', undefined, '+590690123456', 'GP', 'MOBILE'],
    ['+971 50 123 4567', undefined, '+971501234567', 'AE', 'MOBILE'],
    ['+81 90 1234 5678', undefined, '+819012345678', 'JP', 'MOBILE'],
    ['+86 131 2345 6789', undefined, '+8613123456789', 'CN', 'MOBILE'],
    ['+55 11 91234 5678', undefined, '+5511912345678', 'BR', 'MOBILE'],
    ['+234 802 123 4567', undefined, '+2348021234567', 'NG', 'MOBILE'],
    ['+44 20 7946 0958', undefined, '+442079460958', 'GB', 'FIXED_LINE'],
    ['+33 1 23 45 67 89', undefined, '+33123456789', 'FR', 'FIXED_LINE'],
    ['+34 900 123 456', undefined, '+34900123456', 'ES', 'TOLL_FREE'],
    ['+44 70 1234 5678', undefined, '+447012345678', 'GB', 'PERSONAL_NUMBER'],
    ['+44 7400 123456', 'ES', '+447400123456', 'GB', 'MOBILE'],
  ])('%s (default %s) as %s in %s', (input, country, e164, expectedCountry, type) => {
    expect(parseRecipient(input, country)).toEqual({ ok: true, e164, country: expectedCountry, type });
  });
});

describe('parseRecipient refuses', () => {
  it.each<[string, CountryCode | undefined, RecipientRefusal]>([
    ['hello', undefined, 'not_a_number'],
    ['', 'ES', 'not_a_number'],
    ['+', 'ES', 'not_a_number'],
    ['x'.repeat(300), undefined, 'not_a_number'],
    ['call +447400123456 now', undefined, 'not_a_number'],
    ['+447400123456a', undefined, 'not_a_number'],
    ['1-800-FLOWERS', 'US', 'not_a_number'],
    ['+44', undefined, 'too_short'],
    ['+4474', undefined, 'too_short'],
    ['12', 'ES', 'too_short'],
    ['+44 7400 1234567', undefined, 'too_long'],
    ['+447400123456789012', undefined, 'too_long'],
    [`+4${'4'.repeat(300)}`, undefined, 'too_long'],
    ['+44 7400 12345', undefined, 'invalid_for_country'],
    ['+1 999 555 0123', undefined, 'invalid_for_country'],
    ['+49 16 12345678', undefined, 'invalid_for_country'],
    ['07400123456', undefined, 'no_country'],
    ['+999 123456', undefined, 'no_country'],
    ['+800 1234 5678', undefined, 'no_country'],
    ['+34 803 123 456', undefined, 'not_sms_capable'],
    ['+33 8 99 12 34 56', undefined, 'not_sms_capable'],
    ['+49 900 1 234567', undefined, 'not_sms_capable'],
    ['+44 871 123 4567', undefined, 'not_sms_capable'],
    ['+44 55 1234 5678', undefined, 'not_sms_capable'],
    ['+34 612 345 678 ext 5', undefined, 'has_extension'],
  ])('%j (default %s): %s', (input, country, reason) => {
    expect(parseRecipient(input, country)).toEqual({ ok: false, reason });
  });

  it('every refusal has a message for people', () => {
    for (const message of Object.values(RECIPIENT_REFUSAL_MESSAGES))
      expect(message.length).toBeGreaterThan(10);
  });
});

describe('country codes', () => {
  it.each([
    ['ES', 'ES'],
    ['XK', 'XK'],
    ['es', undefined],
    ['EU', undefined],
    ['', undefined],
  ])('toCountryCode(%j) is %s', (value, expected) => {
    expect(toCountryCode(value)).toBe(expected);
  });

  it('countryCodes reads a space-separated list and refuses an unknown code', () => {
    expect(countryCodes('ES GR')).toEqual(['ES', 'GR']);
    expect(() => countryCodes('ES QQ')).toThrow(/QQ/);
  });
});
