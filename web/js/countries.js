// @ts-check
// ISO 3166-1 alpha-2 codes; names come from the browser (Intl.DisplayNames), so no list of
// names is shipped or kept up to date here, and they follow the portal's language.
import { intlLocale } from './i18n.js';

const CODES = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER
ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL
IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX
SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
ZM ZW`.split(/\s+/);

/** @type {Map<string, { code: string, name: string }[]>} */
const cached = new Map();

/** [{code, name}] sorted by name, in the portal's language. */
export function countries() {
  const locale = intlLocale();
  const known = cached.get(locale);
  if (known) return known;
  /** @type {Intl.DisplayNames | null} */
  let names;
  try {
    names = new Intl.DisplayNames([locale], { type: 'region' });
  } catch {
    names = null;
  }
  const list = CODES.map((code) => ({ code, name: names?.of(code) ?? code })).sort((a, b) =>
    a.name.localeCompare(b.name, locale),
  );
  cached.set(locale, list);
  return list;
}

/** Any region's name in the portal's language; codes outside the list above (AC, XK…) too. */
export function countryName(/** @type {string | null | undefined} */ code) {
  const known = countries().find((c) => c.code === code)?.name;
  if (known || !code) return known ?? '';
  try {
    return new Intl.DisplayNames([intlLocale()], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export const CURRENCIES = [
  { code: 'EUR', name: 'Euro (EUR)' },
  { code: 'USD', name: 'US dollar (USD)' },
  { code: 'GBP', name: 'Pound sterling (GBP)' },
  { code: 'CZK', name: 'Czech koruna (CZK)' },
];

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
];

export function timeZones() {
  /** @type {string[]} */
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  return zones;
}
