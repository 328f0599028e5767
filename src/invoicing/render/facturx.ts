// Factur-X / ZUGFeRD (EN 16931 profile): the invoice PDF as PDF/A-3b with the CII XML attached as
// factur-x.xml (AFRelationship Alternative) and described in the XMP metadata with the Factur-X
// extension schema. Drawn by the same code as the plain PDF, so both read the same.
//
// PDF/A wants every font embedded, so this PDF embeds DejaVu Sans from where the usual
// distributions install it (Debian/Ubuntu fonts-dejavu-core, Fedora, Arch, Alpine). Where it is
// not found it falls back to the built-in Helvetica: the e-invoice XML is the same and valid, but
// the PDF is then not strictly PDF/A (docs/OPERATIONS.md says to install the fonts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvoiceDocument } from '../document.js';
import { renderCii } from './en16931.js';
import { drawInvoicePdf, type PdfFonts, STANDARD_FONTS } from './pdf.js';

const FONT_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/share/fonts/TTF',
  '/usr/share/fonts/dejavu',
];

let fonts: PdfFonts | undefined;

/** The fonts the Factur-X PDF embeds, read once. */
export function facturXFonts(): PdfFonts {
  if (fonts) return fonts;
  for (const dir of FONT_DIRS) {
    const regular = join(dir, 'DejaVuSans.ttf');
    const bold = join(dir, 'DejaVuSans-Bold.ttf');
    if (existsSync(regular) && existsSync(bold)) {
      fonts = { embedded: true, key: regular, regular: readFileSync(regular), bold: readFileSync(bold) };
      return fonts;
    }
  }
  fonts = STANDARD_FONTS;
  return fonts;
}

const FX_NS = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';

function property(name: string, description: string): string {
  return `<rdf:li rdf:parseType="Resource">
<pdfaProperty:name>${name}</pdfaProperty:name>
<pdfaProperty:valueType>Text</pdfaProperty:valueType>
<pdfaProperty:category>external</pdfaProperty:category>
<pdfaProperty:description>${description}</pdfaProperty:description>
</rdf:li>`;
}

/** The Factur-X XMP: the document's identity and the extension schema PDF/A needs to allow it. */
function facturXXmp(modified: Date): string {
  return `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:ModifyDate>${modified.toISOString().split('.')[0]}Z</xmp:ModifyDate>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:fx="${FX_NS}">
<fx:DocumentType>INVOICE</fx:DocumentType>
<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
<fx:Version>1.0</fx:Version>
<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas>
<rdf:Bag>
<rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>${FX_NS}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property>
<rdf:Seq>
${property('DocumentFileName', 'The name of the embedded XML document')}
${property('DocumentType', 'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER')}
${property('Version', 'The actual version of the standard applying to the embedded XML document')}
${property('ConformanceLevel', 'The conformance level of the embedded XML document')}
</rdf:Seq>
</pdfaSchema:property>
</rdf:li>
</rdf:Bag>
</pdfaExtension:schemas>
</rdf:Description>`;
}

/** The Factur-X PDF of an invoice or credit note; the same document, the same bytes. */
export async function renderFacturX(doc: InvoiceDocument): Promise<Buffer> {
  const xml = await renderCii(doc);
  const created = new Date(`${doc.issueDate}T00:00:00Z`);
  return drawInvoicePdf(doc, facturXFonts(), {
    attachment: {
      name: 'factur-x.xml',
      data: Buffer.from(xml, 'utf8'),
      description: 'Factur-X invoice (EN 16931)',
      relationship: 'Alternative',
    },
    xmp: facturXXmp(created),
  });
}
