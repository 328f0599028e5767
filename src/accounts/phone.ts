// Phone numbers: parsed with libphonenumber's full metadata. Numbers written without + are
// read in the account's default country.
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

const MOBILE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export type PhoneResult =
  | { ok: true; e164: string; country: string | undefined }
  | { ok: false; problem: string };

/** A number that can receive SMS, in E.164; `defaultCountry` reads numbers without +. */
export function parseMobile(input: string, defaultCountry: string | null): PhoneResult {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed))
    return { ok: false, problem: 'may hold only digits, spaces and a leading +' };
  // 00 is the international prefix of most of the world: 0034… means +34….
  const text = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const international = text.startsWith('+');
  if (!international && !defaultCountry) {
    return { ok: false, problem: 'needs its country code (+…), or a default country in the preferences' };
  }
  const parsed = parsePhoneNumberFromString(
    text,
    international ? undefined : { defaultCountry: defaultCountry as CountryCode },
  );
  if (!parsed?.isValid()) return { ok: false, problem: 'is not a valid phone number' };
  const type = parsed.getType();
  if (type !== undefined && !MOBILE_TYPES.has(type)) return { ok: false, problem: 'is not a mobile number' };
  return { ok: true, e164: parsed.number, country: parsed.country };
}
