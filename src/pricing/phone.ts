// Recipients to E.164, with libphonenumber-js's full ("max") metadata so that number types and
// the country behind shared calling codes (+1, +44, +7) are known.
//
// Which numbers pass: every valid number of a country, of any type (mobile, fixed line — many
// networks deliver SMS to landlines by voice —, toll free, VoIP, personal, pager, unknown), except
// the types no SMS reaches: premium rate, shared cost, voicemail access and UAN (corporate
// switchboard) numbers. Numbers without a country (+800, +882 and other non-geographic codes)
// are refused: prices are per country. Numbers with an extension are refused: SMS has none.
//
// Without "+", a number is read in the given default country, including that country's
// international prefix ("0044…" in ES). Cost: one parse and one type match per number (about
// 10–30 µs); the reason for a refusal is worked out only on the refusal path.

import {
  type CountryCode,
  type NumberType,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';

export type PhoneNumberType = Exclude<NumberType, undefined>;

export type RecipientRefusal =
  | 'not_a_number'
  | 'too_short'
  | 'too_long'
  | 'invalid_for_country'
  | 'no_country'
  | 'not_sms_capable'
  | 'has_extension';

export type ParsedRecipient =
  | {
      readonly ok: true;
      readonly e164: string;
      readonly country: CountryCode;
      /** undefined when the metadata knows the number is valid but not its type. */
      readonly type: PhoneNumberType | undefined;
    }
  | { readonly ok: false; readonly reason: RecipientRefusal };

export const RECIPIENT_REFUSAL_MESSAGES: Readonly<Record<RecipientRefusal, string>> = {
  not_a_number: 'is not a phone number',
  too_short: 'is too short to be a phone number',
  too_long: 'is too long to be a phone number',
  invalid_for_country: 'is not a valid number in its country',
  no_country:
    'has no country: write it with + and the country code, or set a default country (non-geographic numbers such as +800 cannot be priced)',
  not_sms_capable: 'is a premium-rate, shared-cost, voicemail or corporate number that cannot receive SMS',
  has_extension: 'has an extension, which SMS cannot reach',
};

const NOT_SMS_CAPABLE: ReadonlySet<PhoneNumberType> = new Set<PhoneNumberType>([
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOICEMAIL',
  'UAN',
]);

/** Parses one recipient (spaces around it ignored); numbers without "+" are read in defaultCountry. */
export function parseRecipient(raw: string, defaultCountry?: CountryCode): ParsedRecipient {
  const input = raw.trim();
  const phone = parsePhoneNumberFromString(input, { defaultCountry, extract: false });
  if (!phone) return refusal(input, defaultCountry);
  // With max metadata, a number is valid exactly when its type is known; isValid() is asked only
  // when no type matched, as a guard for countries whose metadata lists no types.
  const type = phone.getType();
  if (type === undefined && !phone.isValid()) return refusal(input, defaultCountry);
  if (type !== undefined && NOT_SMS_CAPABLE.has(type)) return { ok: false, reason: 'not_sms_capable' };
  if (!phone.country) return { ok: false, reason: 'no_country' };
  if (phone.ext) return { ok: false, reason: 'has_extension' };
  return { ok: true, e164: phone.number, country: phone.country, type };
}

function refusal(input: string, defaultCountry: CountryCode | undefined): ParsedRecipient {
  if (!/\d/.test(input)) return { ok: false, reason: 'not_a_number' };
  switch (validatePhoneNumberLength(input, defaultCountry)) {
    case 'INVALID_COUNTRY':
      return { ok: false, reason: 'no_country' };
    case 'TOO_SHORT':
      return { ok: false, reason: 'too_short' };
    case 'TOO_LONG':
      return { ok: false, reason: 'too_long' };
    case 'NOT_A_NUMBER':
      return { ok: false, reason: 'not_a_number' };
    default:
      // The length is possible (or INVALID_LENGTH: a length the country never uses).
      return { ok: false, reason: 'invalid_for_country' };
  }
}
