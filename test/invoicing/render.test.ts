// The renderers of an issued invoice: PDF, UBL (Peppol BIS 3.0), CII and Factur-X, for the five VAT
// cases and a credit note. No database: each case is a fixture document (fixtures.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { InvoiceService } from '@e-invoice-eu/core';
import { describe, expect, it } from 'vitest';
import type { InvoiceDocument } from '../../src/invoicing/document.js';
import { VAT_WORDING } from '../../src/invoicing/document.js';
import { toEInvoiceModel } from '../../src/invoicing/render/en16931.js';
import { facturXFonts } from '../../src/invoicing/render/facturx.js';
import { renderCii, renderFacturX, renderInvoicePdf, renderUbl } from '../../src/invoicing/render/index.js';
import { creditsLabel, decimal, formatMoney } from '../../src/invoicing/render/texts.js';
import {
  CASES,
  creditNote,
  domesticBusiness,
  euBusinessReverseCharge,
  euConsumer,
  outsideEu,
} from './fixtures.js';
import {
  assertWellFormed,
  embeddedFiles,
  pdfStreams,
  hasPdftotext,
  pdftotext,
  squash,
  standardFontText,
} from './inspect.js';

const cases = Object.entries(CASES);
const abs = (n: bigint) => (n < 0n ? -n : n);

/** The first element's text content by local name (namespace prefixes ignored). */
function first(xml: string, path: string): string | undefined {
  return xml.match(new RegExp(`<(?:\\w+:)?${path}\\b[^>]*>([^<]*)</`))?.[1];
}

describe('the PDF of an invoice', () => {
  it.each(cases)('%s: its text holds the number, the customer, each line and the totals', async (_, doc) => {
    const text = squash(standardFontText(await renderInvoicePdf(doc)));
    const money = (n: bigint) => squash(formatMoney(doc.language, doc.currency, n));
    expect(text).toContain(doc.number);
    expect(text).toContain(squash(doc.customer.name));
    for (const l of doc.lines) {
      expect(text).toContain(squash(creditsLabel(doc.language, l.credits)));
      expect(text).toContain(money(l.net));
    }
    for (const b of doc.vatBreakdown) expect(text).toContain(money(b.vatAmount));
    expect(text).toContain(money(doc.totals.net));
    expect(text).toContain(money(doc.totals.vat));
    expect(text).toContain(money(doc.totals.total));
  });

  it.each(cases)('%s: the same document renders to identical bytes twice', async (_, doc) => {
    const a = await renderInvoicePdf(doc);
    const b = await renderInvoicePdf(structuredClone(doc));
    expect(a.subarray(0, 5).toString()).toBe('%PDF-');
    expect(a.equals(b)).toBe(true);
  });

  it('prints the lines in the account language: "10,000 SMS credits" and "10.000 créditos SMS"', async () => {
    const en = squash(standardFontText(await renderInvoicePdf(domesticBusiness)));
    const es = squash(standardFontText(await renderInvoicePdf(creditNote)));
    expect(en).toContain(squash('10,000 SMS credits'));
    expect(es).toContain(squash('10.000 créditos SMS'));
    expect(es).toContain(squash('Base imponible total'));
  });

  it('words the reverse charge and shows both VAT ids', async () => {
    const text = squash(standardFontText(await renderInvoicePdf(euBusinessReverseCharge)));
    expect(text).toContain(squash(VAT_WORDING.en.reverse_charge ?? 'missing'));
    expect(text).toContain(euBusinessReverseCharge.issuer.vatId);
    expect(text).toContain(euBusinessReverseCharge.customer.vatId);
  });

  it('words a sale outside the scope of EU VAT', async () => {
    const text = squash(standardFontText(await renderInvoicePdf(outsideEu)));
    expect(text).toContain(squash(VAT_WORDING.en.outside_scope ?? 'missing'));
    expect(text).not.toContain(squash(VAT_WORDING.en.reverse_charge ?? 'missing'));
  });

  it('titles a credit note as such and names the invoice it corrects', async () => {
    const text = squash(standardFontText(await renderInvoicePdf(creditNote)));
    expect(text).toContain(squash('Factura rectificativa'));
    expect(text).toContain(creditNote.corrects?.number);
    expect(text).toContain(squash(formatMoney('es', 'EUR', creditNote.totals.total)));
  });

  it('prints payment method and reference', async () => {
    const text = squash(standardFontText(await renderInvoicePdf(domesticBusiness)));
    expect(text).toContain(squash('bank transfer, reference RF18539007547034'));
    expect(text).toContain(squash('card, reference Visa •••• 4242'));
  });

  it('prints the paid date in the issuer time zone (23:30 UTC on the 29th is the 30th in Madrid)', async () => {
    const text = squash(standardFontText(await renderInvoicePdf(domesticBusiness)));
    expect(text).toContain('30Nov2026');
    expect(text).not.toContain('29Nov2026');
  });

  it('keeps letters Helvetica cannot print readable instead of dropping them (č → c, á stays)', async () => {
    const doc: InvoiceDocument = withCustomerName('Čapek Dvořák s.r.o.');
    const text = standardFontText(await renderInvoicePdf(doc));
    expect(text).toContain('Capek Dvorák s.r.o.');
  });

  it('a long invoice flows onto more pages, every line printed and every page numbered', async () => {
    const lines = Array.from({ length: 20 }, () => domesticBusiness.lines)
      .flat()
      .map((l, i) => ({ ...l, position: i + 1, purchaseId: `pur_long_${i + 1}` }));
    const doc: InvoiceDocument = { ...domesticBusiness, lines };
    const pdf = await renderInvoicePdf(doc);
    const pages = pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? [];
    expect(pages.length).toBeGreaterThan(1);
    const text = standardFontText(pdf);
    expect(text).toContain(`Page ${pages.length} of ${pages.length}`);
    const rows = text.split('\n').filter((t) => /^(5,000|10,000|15,000) SMS credits$/.test(t));
    expect(rows).toHaveLength(60);
  });

  it('prints the configured logo, and leaves out a logo file that has gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-logo-'));
    try {
      const logoPath = join(dir, 'logo.png');
      writeFileSync(logoPath, tinyPng());
      const withLogo = await renderInvoicePdf({
        ...domesticBusiness,
        issuer: { ...domesticBusiness.issuer, logoPath },
      });
      expect(withLogo.toString('latin1')).toContain('/Subtype /Image');
      const gone = {
        ...domesticBusiness,
        issuer: { ...domesticBusiness.issuer, logoPath: join(dir, 'gone.png') },
      };
      const without = await renderInvoicePdf(gone);
      expect(without.toString('latin1')).not.toContain('/Subtype /Image');
      expect(squash(standardFontText(without))).toContain(domesticBusiness.number);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(hasPdftotext())('pdftotext reads the same number, customer and total', async () => {
    const text = squash(pdftotext(await renderInvoicePdf(domesticBusiness)));
    expect(text).toContain(domesticBusiness.number);
    expect(text).toContain(squash(domesticBusiness.customer.name));
    expect(text).toContain(squash(formatMoney('en', 'EUR', domesticBusiness.totals.total)));
  });
});

/** A 2×2 RGB PNG, made here so the test needs no image file. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.from([0, 200, 30, 30, 30, 30, 200, 0, 30, 200, 30, 250, 250, 250]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function withCustomerName(name: string): InvoiceDocument {
  return { ...domesticBusiness, customer: { ...domesticBusiness.customer, name } };
}

describe('the EN 16931 e-invoices (UBL for Peppol, CII)', () => {
  it.each(cases)('%s: UBL and CII are well-formed XML with the right document type', async (_, doc) => {
    const ubl = await renderUbl(doc);
    const cii = await renderCii(doc);
    assertWellFormed(ubl);
    assertWellFormed(cii);
    const root = doc.kind === 'credit_note' ? 'CreditNote' : 'Invoice';
    expect(ubl).toMatch(
      new RegExp(`<${root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:${root}-2"`),
    );
    expect(first(ubl, 'CustomizationID')).toBe(
      'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
    );
    expect(first(ubl, `${root}TypeCode`)).toBe(doc.kind === 'credit_note' ? '381' : '380');
    expect(cii).toContain('<rsm:CrossIndustryInvoice');
    expect(cii).toMatch(
      /<ram:GuidelineSpecifiedDocumentContextParameter>\s*<ram:ID>urn:cen\.eu:en16931:2017<\/ram:ID>/,
    );
    expect(first(cii, 'TypeCode')).toBe(doc.kind === 'credit_note' ? '381' : '380');
  });

  it.each(cases)('%s: UBL keeps the Peppol BIS 3.0 rules the CEN tool does not check', async (_, doc) => {
    const ubl = await renderUbl(doc);
    expect(first(ubl, 'ProfileID')).toBe('urn:fdc:peppol.eu:2017:poacc:billing:01:1.0'); // R001
    const header = ubl.slice(0, ubl.search(/<cac:(Invoice|CreditNote)Line>/));
    expect((header.match(/<cbc:Note>/g) ?? []).length).toBeLessThanOrEqual(1); // R002: one note
    expect(first(ubl, 'BuyerReference')).toBe(doc.accountId); // R003
    expect(ubl).not.toMatch(/<(\w+:\w+)[^>]*>\s*<\/\1>|<\w+:\w+[^>]*\/>/); // R008: no empty element
    expect((ubl.match(/<cac:TaxTotal>/g) ?? []).length).toBe(1); // R053
    // R010/R020: the electronic addresses, where the document knows them.
    if (doc.customer.email) expect(ubl).toContain(`<cbc:EndpointID schemeID="EM">${doc.customer.email}<`);
    if (doc.issuer.email) expect(ubl).toContain(`<cbc:EndpointID schemeID="EM">${doc.issuer.email}<`);
  });

  it.each(cases)('%s: the data satisfies @e-invoice-eu/core JSON schema of EN 16931', async (_, doc) => {
    // InvoiceService validates its input against the library's schema (cardinalities, code lists)
    // before writing; the renderers skip that for speed, so it is checked here.
    const service = new InvoiceService({ log() {}, warn() {}, error() {} });
    await expect(
      service.generate(toEInvoiceModel(doc), { format: 'UBL', lang: 'en-gb' }),
    ).resolves.toBeTruthy();
  });

  it.each(cases)('%s: the XML totals equal the PDF totals', async (_, doc) => {
    const pdf = squash(standardFontText(await renderInvoicePdf(doc)));
    for (const xml of [await renderUbl(doc), await renderCii(doc)]) {
      const ubl = xml.includes('LegalMonetaryTotal');
      const net = ubl ? first(xml, 'TaxExclusiveAmount') : first(xml, 'TaxBasisTotalAmount');
      const vat = ubl ? first(xml, 'TaxAmount') : first(xml, 'TaxTotalAmount');
      const total = ubl ? first(xml, 'TaxInclusiveAmount') : first(xml, 'GrandTotalAmount');
      // A credit note's amounts are negative as stored and printed; its XML type carries the sign.
      expect([net, vat, total]).toEqual([
        decimal(abs(doc.totals.net)),
        decimal(abs(doc.totals.vat)),
        decimal(abs(doc.totals.total)),
      ]);
      for (const n of [doc.totals.net, doc.totals.vat, doc.totals.total]) {
        expect(pdf).toContain(squash(formatMoney(doc.language, doc.currency, n)));
      }
    }
  });

  it('reverse charge: category AE at 0 %, the exemption reason, both VAT ids', async () => {
    const ubl = await renderUbl(euBusinessReverseCharge);
    expect(ubl).toContain('<cbc:ID>AE</cbc:ID>');
    expect(ubl).toContain('<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>');
    expect(ubl).toContain(`<cbc:CompanyID>${euBusinessReverseCharge.issuer.vatId}</cbc:CompanyID>`);
    expect(ubl).toContain(`<cbc:CompanyID>${euBusinessReverseCharge.customer.vatId}</cbc:CompanyID>`);
    expect(first(ubl, 'TaxAmount')).toBe('0.00');
  });

  it("EU consumer: category S at the consumer's country rate", async () => {
    const ubl = await renderUbl(euConsumer);
    expect(ubl).toMatch(/<cac:TaxCategory>\s*<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>20<\/cbc:Percent>/);
    expect(first(ubl, 'TaxAmount')).toBe('5.00');
  });

  it('outside the EU: category O with no rate and no VAT id (BR-O-02)', async () => {
    const ubl = await renderUbl(outsideEu);
    expect(ubl).toContain('<cbc:TaxExemptionReasonCode>VATEX-EU-O</cbc:TaxExemptionReasonCode>');
    expect(ubl).not.toContain('<cac:PartyTaxScheme>');
    expect(ubl).not.toMatch(/<cbc:ID>O<\/cbc:ID>\s*<cbc:Percent>/);
  });

  it('credit note: positive amounts and a reference to the corrected invoice', async () => {
    const ubl = await renderUbl(creditNote);
    expect(ubl).toMatch(
      new RegExp(`<cac:InvoiceDocumentReference>\\s*<cbc:ID>${creditNote.corrects?.number}</cbc:ID>`),
    );
    expect(ubl).not.toMatch(/>-\d/);
    const cii = await renderCii(creditNote);
    expect(cii).toMatch(
      new RegExp(
        `<ram:IssuerAssignedID>${creditNote.corrects?.number}</ram:IssuerAssignedID>\\s*<ram:FormattedIssueDateTime>\\s*<qdt:DateTimeString format="102">20261201<`,
      ),
    );
  });

  it('a line is priced for its whole quantity, so quantity × price / base quantity = net exactly', async () => {
    const ubl = await renderUbl(domesticBusiness);
    expect(ubl).toMatch(
      /<cbc:PriceAmount currencyID="EUR">82\.64<\/cbc:PriceAmount>\s*<cbc:BaseQuantity unitCode="C62">10000<\/cbc:BaseQuantity>/,
    );
  });
});

describe('the Factur-X PDF', () => {
  it.each(cases)('%s: PDF/A-3 with the CII XML attached as factur-x.xml', async (_, doc) => {
    const pdf = await renderFacturX(doc);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.7')).toBe(true);
    expect(text).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(text).toContain('<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>');
    expect(text).toContain('/AFRelationship /Alternative');
    expect(text).toContain('(factur-x.xml)');
    expect(text).toContain('/OutputIntents');
    const files = embeddedFiles(pdf);
    expect(files).toHaveLength(1);
    expect(files[0]?.toString('utf8')).toBe(await renderCii(doc));
  });

  it('its XMP metadata is well-formed XML, even for an issuer named with an ampersand', async () => {
    const doc: InvoiceDocument = {
      ...domesticBusiness,
      issuer: { ...domesticBusiness.issuer, name: 'Smith & Sons <Ltd>' },
    };
    for (const pdf of [await renderFacturX(doc), await renderInvoicePdf(doc)]) {
      const xmp = pdfStreams(pdf).find((st) => /\/Type\s*\/Metadata/.test(st.dict));
      const xml = xmp?.data.toString('utf8') ?? '';
      expect(xml).toContain('<x:xmpmeta');
      assertWellFormed(xml.replace(/<\?xpacket[^>]*\?>/g, ''));
    }
  });

  it.runIf(facturXFonts().embedded)(
    'embeds its fonts (PDF/A), so every letter prints as written',
    async () => {
      const pdf = await renderFacturX(withCustomerName('Čapek Dvořák s.r.o.'));
      const text = pdf.toString('latin1');
      expect(text).toContain('/FontFile2');
      expect(text).not.toContain('/Subtype /Type1');
      if (hasPdftotext()) expect(pdftotext(pdf)).toContain('Čapek Dvořák s.r.o.');
    },
  );

  it('the same document renders to identical bytes twice', async () => {
    const a = await renderFacturX(creditNote);
    const b = await renderFacturX(structuredClone(creditNote));
    expect(a.equals(b)).toBe(true);
  });

  it.runIf(hasPdftotext())('reads as the same invoice as the plain PDF', async () => {
    const text = squash(pdftotext(await renderFacturX(creditNote)));
    expect(text).toContain(creditNote.number);
    expect(text).toContain(squash('10.000 créditos SMS'));
    expect(text).toContain(squash(formatMoney('es', 'EUR', creditNote.totals.total)));
  });
});
