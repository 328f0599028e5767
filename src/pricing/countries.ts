// Country codes are libphonenumber-js's list (ISO 3166-1 alpha-2 plus AC, TA and XK): one list
// for recipients, price lists, billing and tax.

import { type CountryCode, isSupportedCountry } from 'libphonenumber-js/max';

export type { CountryCode } from 'libphonenumber-js/max';

/** Space-separated codes ("AT BE BG") to a checked list; throws on a code the library lacks. */
export function countryCodes(list: string): CountryCode[] {
  return list.split(' ').map((code) => {
    if (!isSupportedCountry(code)) throw new RangeError(`unknown country code: ${code}`);
    return code;
  });
}

/** The code when libphonenumber-js knows it ("es" is not accepted: codes are upper case). */
export function toCountryCode(value: string): CountryCode | undefined {
  return isSupportedCountry(value) ? value : undefined;
}
