// @ts-check
// The portal's words and the locale its numbers, money and dates are written in.
//
// Every string a person reads comes from a message catalogue: web/locales/<language>/<area>.json,
// one file per area of the portal in each language, so a translator works on one folder and two
// people working on two areas never edit the same file. A key's first segment names its area
// ("refills.form.threshold" is the "form.threshold" entry of refills.json). Entries may be
// nested objects; a plural is an object with Intl.PluralRules categories ("one", "other", …)
// chosen by the `count` variable. `{name}` in an entry is replaced by the variable of that
// name; numbers and bigints are formatted in the locale first.
//
// A key missing from the catalogue is shown as the key itself and reported with console.error,
// which the browser tests treat as a failure; test/unit/i18n.test.ts checks that both languages
// hold the same keys and that every key the code names exists.

/** The languages the portal speaks; the first is the fallback. */
export const LANGUAGES = /** @type {const} */ (['en', 'es']);

/** @typedef {(typeof LANGUAGES)[number]} Language */

/** The catalogue files of each language (web/locales/<language>/<area>.json). */
export const AREAS = [
  'common',
  'shell',
  'format',
  'auth',
  'dashboard',
  'messaging',
  'campaigns',
  'security',
  'invoices',
  'vat',
  'preferences',
  'refills',
  'cards',
  'mailbox',
  'webhooks',
  'operator',
  'mobile',
  'apikeys',
  'transactions',
  'purchases',
  'billing',
  'pricing',
  'buy',
];

/** @type {Record<string, string>} */
const INTL_LOCALES = { en: 'en-GB', es: 'es-ES' };

/** @type {Language} */
let current = 'en';
/** @type {Map<Language, Record<string, unknown>>} */
const loaded = new Map();
/** @type {Set<() => void>} */
const listeners = new Set();

/** The nearest supported language to a tag such as "es-MX" or "en-US"; null when none. */
export function supportedLanguage(/** @type {string | null | undefined} */ tag) {
  const base = String(tag ?? '')
    .toLowerCase()
    .split('-')[0];
  return LANGUAGES.find((lang) => lang === base) ?? null;
}

const CHOSEN_KEY = 'tollgate.language';

/**
 * The language for pages shown before anyone logs in: the one last chosen in this browser's
 * top bar, else the browser's preferred supported language.
 */
export function browserLanguage() {
  const chosen = supportedLanguage(readChosen());
  if (chosen) return chosen;
  for (const tag of globalThis.navigator?.languages ?? []) {
    const lang = supportedLanguage(tag);
    if (lang) return lang;
  }
  return LANGUAGES[0];
}

function readChosen() {
  try {
    return globalThis.localStorage?.getItem(CHOSEN_KEY) ?? null;
  } catch {
    return null; // storage refused (a privacy setting): the browser's language it is
  }
}

/** Remembers a language chosen in the top bar for this browser's signed-out pages. */
export function rememberLanguage(/** @type {Language} */ lang) {
  try {
    globalThis.localStorage?.setItem(CHOSEN_KEY, lang);
  } catch {
    // not remembered: the next visit starts from the browser's language
  }
}

/** @returns {Language} */
export function language() {
  return current;
}

/** The BCP 47 locale given to Intl for the current language. */
export function intlLocale() {
  return INTL_LOCALES[current] ?? 'en-GB';
}

async function fetchCatalogue(/** @type {Language} */ lang) {
  const parts = await Promise.all(
    AREAS.map(async (area) => {
      const response = await fetch(`/locales/${lang}/${area}.json`);
      if (!response.ok)
        throw new Error(`The ${lang} catalogue ${area}.json did not load (${response.status})`);
      return [area, await response.json()];
    }),
  );
  return Object.fromEntries(parts);
}

/** Loads a language's catalogues (once) and makes it the current language. */
export async function setLanguage(/** @type {string | null | undefined} */ tag) {
  const lang = supportedLanguage(tag) ?? LANGUAGES[0];
  if (!loaded.has(lang)) loaded.set(lang, await fetchCatalogue(lang));
  const changed = lang !== current;
  current = lang;
  document.documentElement.lang = lang;
  if (changed) for (const listener of listeners) listener();
}

/** Called after the language changes, so the chrome and the page can redraw. */
export function onLanguageChange(/** @type {() => void} */ listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function lookup(/** @type {string} */ key) {
  /** @type {unknown} */
  let node = loaded.get(current);
  for (const segment of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = /** @type {Record<string, unknown>} */ (node)[segment];
  }
  return node;
}

/** Numbers for people: "5,000" / "5.000" (Spanish groups four digits too, as invoices do). */
export function formatNumber(
  /** @type {number | bigint} */ value,
  /** @type {Intl.NumberFormatOptions} */ options = {},
) {
  return new Intl.NumberFormat(intlLocale(), { useGrouping: 'always', ...options }).format(value);
}

/**
 * The text of `key` in the current language with `{variables}` filled in.
 * @param {string} key
 * @param {Record<string, string | number | bigint | null | undefined>} [vars]
 */
export function t(key, vars = {}) {
  let entry = lookup(key);
  if (entry !== null && typeof entry === 'object' && vars.count !== undefined) {
    const rules = new Intl.PluralRules(intlLocale());
    const forms = /** @type {Record<string, unknown>} */ (entry);
    entry = forms[rules.select(Number(vars.count))] ?? forms.other;
  }
  if (typeof entry !== 'string') {
    console.error(`Missing ${current} text for "${key}"`);
    return key;
  }
  return entry.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = vars[name];
    if (value === undefined || value === null) return whole;
    return typeof value === 'number' || typeof value === 'bigint' ? formatNumber(value) : String(value);
  });
}

/**
 * The text of `key` as pieces to append, with an element where the text names it: for a
 * sentence with a link or a bold word inside, whose place differs from language to language
 * ("Add it to your {link} first." / "Primero añádalo en sus {link}.").
 * @param {string} key
 * @param {Record<string, Node>} nodes
 * @param {Record<string, string | number | bigint | null | undefined>} [vars]
 * @returns {(string | Node)[]}
 */
export function tNodes(key, nodes, vars = {}) {
  return t(key, vars)
    .split(/(\{\w+\})/)
    .filter(Boolean)
    .map((piece) => (/^\{\w+\}$/.test(piece) ? (nodes[piece.slice(1, -1)] ?? piece) : piece));
}
