// VAT ids: the form is checked per country (jsvat knows each EU member state's rules, and a
// few neighbours'). The id must start with its country prefix (EL for Greece).
import { checkVAT, countries } from 'jsvat';

export type VatResult = { ok: true; vatId: string; country: string } | { ok: false; problem: string };

export function checkVatId(input: string): VatResult {
  const vatId = input.toUpperCase().replace(/[\s.\-/]/g, '');
  if (!/^[A-Z]{2}[A-Z0-9+*]{2,14}$/.test(vatId)) {
    return { ok: false, problem: 'must start with its two-letter country prefix, e.g. ESB12345674' };
  }
  const result = checkVAT(vatId, countries);
  if (!result.isSupportedCountry || !result.country) {
    return { ok: false, problem: `has a country prefix (${vatId.slice(0, 2)}) we cannot check` };
  }
  if (!result.isValid) return { ok: false, problem: `is not a valid VAT id for ${result.country.name}` };
  return { ok: true, vatId, country: result.country.isoCode.short };
}
