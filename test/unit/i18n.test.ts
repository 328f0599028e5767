// The portal's message catalogues: every language holds the same keys, every area the code
// loads has its files, and every key the portal's code names with t('…') exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const WEB = path.resolve(import.meta.dirname, '../../web');
const LOCALES = path.join(WEB, 'locales');
const source = readFileSync(path.join(WEB, 'js/i18n.js'), 'utf8');

function listed(name: string): string[] {
  const match = new RegExp(`export const ${name} = [^\\[]*\\[([^\\]]*)\\]`).exec(source);
  if (!match?.[1]) throw new Error(`web/js/i18n.js has no ${name}`);
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

const languages = listed('LANGUAGES');
const areas = listed('AREAS');

/** Every leaf of a catalogue as "area.path.to.key"; a plural object counts as one leaf. */
function leaves(node: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  const isPlural = node !== null && typeof node === 'object' && Object.keys(node).every((k) => PLURAL.has(k));
  if (node === null || typeof node !== 'object' || isPlural) {
    out.set(prefix, node);
    return out;
  }
  for (const [key, value] of Object.entries(node)) leaves(value, `${prefix}.${key}`, out);
  return out;
}
const PLURAL = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

function catalogue(lang: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const area of areas) {
    const file = path.join(LOCALES, lang, `${area}.json`);
    leaves(JSON.parse(readFileSync(file, 'utf8')), area, out);
  }
  return out;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return jsFiles(full);
    return name.endsWith('.js') ? [full] : [];
  });
}

describe('portal message catalogues', () => {
  it('has a file for every area in every language, and no file that is not loaded', () => {
    for (const lang of languages) {
      const files = readdirSync(path.join(LOCALES, lang))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/\.json$/, ''))
        .sort();
      expect(files, lang).toEqual([...areas].sort());
    }
  });

  it('holds the same keys in every language, each a non-empty text', () => {
    const [first, ...rest] = languages.map((lang) => ({ lang, keys: catalogue(lang) }));
    if (!first) throw new Error('no languages');
    for (const { lang, keys } of [first, ...rest]) {
      for (const [key, value] of keys) {
        const texts = value !== null && typeof value === 'object' ? Object.values(value) : [value as unknown];
        for (const text of texts)
          expect(typeof text === 'string' && text.trim() !== '', `${lang} ${key}`).toBe(true);
      }
      expect([...keys.keys()].sort(), `${lang} against ${first.lang}`).toEqual([...first.keys.keys()].sort());
    }
  });

  it('has every key the portal names with t()', () => {
    const keys = catalogue(languages[0] as string);
    const missing: string[] = [];
    for (const file of jsFiles(path.join(WEB, 'js'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z][\w-]*(?:\.[\w-]+)+)'/g)) {
        const key = match[1] as string;
        if (!keys.has(key)) missing.push(`${path.relative(WEB, file)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has every key written anywhere in the code as a string, such as either side of a choice', () => {
    // t(cond ? 'a.b' : 'a.c') and tables of keys are not calls with a literal: any string that
    // starts with an area's name and a dot is taken for a key (file names end in .js or .json).
    const keys = catalogue(languages[0] as string);
    const pattern = new RegExp(`'((?:${areas.join('|')})\\.[a-zA-Z][\\w-]*(?:\\.[\\w-]+)*)'`, 'g');
    const missing: string[] = [];
    for (const file of jsFiles(path.join(WEB, 'js'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
        const key = match[1] as string;
        if (/\.(js|json)$/.test(key)) continue;
        if (!keys.has(key)) missing.push(`${path.relative(WEB, file)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
