// The invoice (or credit note) as a PDF, drawn with pdfkit from the stored document only. Nothing in
// it depends on the moment of rendering: the creation date and the file id derive from the
// document, so the same document gives the same bytes (the download, the e-mail attachment and a
// re-render years later agree).
//
// Fonts: the plain PDF uses pdfkit's built-in Helvetica (nothing to embed, a few ms); characters
// outside its Windows-1252 set lose their accents (č → c) rather than print as garbage. The
// Factur-X PDF/A-3 must embed its fonts and passes TrueType ones in (see facturx.ts).
import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { loadEmbeddedFont, loadStandardFonts } from './font-cache.js';
import type { InvoiceDocument, InvoiceLine, Party, VatBreakdown } from '../document.js';
import {
  creditsLabel,
  dayIn,
  formatDate,
  formatInteger,
  formatShortDate,
  formatMoney,
  formatRate,
  formatUnitPrice,
  type Language,
  TEXTS,
  type Texts,
  vatWording,
} from './texts.js';

/** pdfkit's built-in Helvetica (not embedded; Windows-1252 only), or TrueType fonts to embed. */
export type PdfFonts =
  | { embedded: false }
  /** `key` names the files for the parsed-font cache (font-cache.ts). */
  | { embedded: true; key: string; regular: Buffer; bold: Buffer };

export const STANDARD_FONTS: PdfFonts = { embedded: false };

/** What the Factur-X renderer adds: PDF/A-3b, the CII XML attached, its XMP description. */
export interface PdfA {
  attachment: { name: string; data: Buffer; description: string; relationship: 'Alternative' | 'Data' };
  xmp: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const RIGHT = PAGE.width - PAGE.margin;
const BOTTOM = PAGE.height - 70;
const GREY = '#555555';
const RULE = '#bbbbbb';

/** Windows-1252 beyond Latin-1: what Helvetica can also print. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if (cp <= 0xff || WIN_ANSI_EXTRA.has(ch)) {
      out += ch;
      continue;
    }
    const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
    const bcp = base.codePointAt(0) ?? 0x3f;
    out += base.length > 0 && (bcp <= 0xff || WIN_ANSI_EXTRA.has(base)) ? base : '?';
  }
  return out;
}

const LOGO = { width: 140, height: 48 };
const logos = new Map<string, Buffer | null>();

/**
 * The logo's bytes, read once per process; a logo that went missing since the invoice was issued
 * is left out rather than failing the PDF.
 */
function logoOf(path: string | undefined): Buffer | null {
  if (!path) return null;
  let logo = logos.get(path);
  if (logo === undefined) {
    try {
      logo = readFileSync(path);
    } catch {
      logo = null;
    }
    logos.set(path, logo);
  }
  return logo;
}

const regionNames = new Map<Language, Intl.DisplayNames>();
function countryName(language: Language, code: string): string {
  let names = regionNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language === 'es' ? 'es-ES' : 'en-GB'], { type: 'region' });
    regionNames.set(language, names);
  }
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

class Writer {
  readonly pdf: PDFKit.PDFDocument;
  private readonly winAnsiOnly: boolean;
  private readonly regular: string;
  private readonly bold: string;
  y = PAGE.margin;

  constructor(pdf: PDFKit.PDFDocument, fonts: PdfFonts) {
    this.pdf = pdf;
    if (fonts.embedded) {
      loadEmbeddedFont(pdf, 'R', fonts.key ? `${fonts.key}:regular` : '', fonts.regular);
      loadEmbeddedFont(pdf, 'B', fonts.key ? `${fonts.key}:bold` : '', fonts.bold);
      this.regular = 'R';
      this.bold = 'B';
      this.winAnsiOnly = false;
    } else {
      loadStandardFonts(pdf, ['Helvetica', 'Helvetica-Bold']);
      this.regular = 'Helvetica';
      this.bold = 'Helvetica-Bold';
      this.winAnsiOnly = true;
    }
  }

  clean(text: string): string {
    return this.winAnsiOnly ? winAnsi(text) : text;
  }

  /** Text at (x, y) within width; returns its height. */
  text(
    s: string,
    x: number,
    y: number,
    width: number,
    opts: { bold?: boolean; size?: number; align?: 'left' | 'right'; color?: string } = {},
  ): number {
    const t = this.clean(s);
    this.pdf
      .font(opts.bold ? this.bold : this.regular)
      .fontSize(opts.size ?? 9)
      .fillColor(opts.color ?? '#000000');
    const o = { width, align: opts.align ?? 'left', lineGap: 1 } as const;
    this.pdf.text(t, x, y, o);
    return this.pdf.heightOfString(t, o);
  }

  rule(y: number): void {
    this.pdf.moveTo(PAGE.margin, y).lineTo(RIGHT, y).lineWidth(0.5).strokeColor(RULE).stroke();
  }

  /** Starts a new page when `needed` points do not fit on this one. */
  ensure(needed: number, onNewPage?: () => void): void {
    if (this.y + needed <= BOTTOM) return;
    this.pdf.addPage();
    this.y = PAGE.margin;
    onNewPage?.();
  }
}

function partyBlock(
  w: Writer,
  t: Texts,
  language: Language,
  heading: string,
  p: Party,
  x: number,
  y: number,
) {
  const width = 235;
  let h = w.text(heading.toUpperCase(), x, y, width, { size: 7.5, color: GREY });
  h += w.text(p.name, x, y + h, width, { bold: true, size: 10 });
  const lines = [
    ...p.addressLines,
    [p.postalCode, p.city].filter(Boolean).join(' '),
    countryName(language, p.country),
  ].filter((l) => l.length > 0);
  if (p.vatId) lines.push(`${t.vatId}: ${p.vatId}`);
  if (p.email) lines.push(p.email);
  for (const l of lines) h += w.text(l, x, y + h, width);
  return h;
}

const COLS = {
  pos: { x: PAGE.margin, w: 18 },
  date: { x: PAGE.margin + 18, w: 72 },
  desc: { x: PAGE.margin + 90, w: 140 },
  qty: { x: PAGE.margin + 230, w: 60 },
  price: { x: PAGE.margin + 290, w: 80 },
  rate: { x: PAGE.margin + 370, w: 45 },
  net: { x: PAGE.margin + 415, w: RIGHT - PAGE.margin - 415 },
};

function tableHeader(w: Writer, t: Texts): void {
  const y = w.y;
  const o = { size: 7.5, color: GREY } as const;
  w.text('#', COLS.pos.x, y, COLS.pos.w, o);
  w.text(t.date, COLS.date.x, y, COLS.date.w, o);
  w.text(t.description, COLS.desc.x, y, COLS.desc.w, o);
  w.text(t.quantity, COLS.qty.x, y, COLS.qty.w, { ...o, align: 'right' });
  w.text(t.unitPrice, COLS.price.x, y, COLS.price.w, { ...o, align: 'right' });
  w.text(t.vatRate, COLS.rate.x, y, COLS.rate.w, { ...o, align: 'right' });
  w.text(t.net, COLS.net.x, y, COLS.net.w, { ...o, align: 'right' });
  w.y += 13;
  w.rule(w.y);
  w.y += 5;
}

function rateCell(language: Language, l: Pick<InvoiceLine, 'vatTreatment' | 'vatRateBasisPoints'>): string {
  return l.vatTreatment === 'outside_scope' ? '—' : `${formatRate(language, l.vatRateBasisPoints)} %`;
}

function lineRow(w: Writer, doc: InvoiceDocument, l: InvoiceLine): void {
  const lang = doc.language;
  const y = w.y;
  const day = dayIn(doc.issuer.timeZone ?? 'UTC', l.paidAt);
  w.text(String(l.position), COLS.pos.x, y, COLS.pos.w);
  const hd = w.text(formatShortDate(lang, day), COLS.date.x, y, COLS.date.w);
  const h = Math.max(hd, w.text(creditsLabel(lang, l.credits), COLS.desc.x, y, COLS.desc.w));
  w.text(formatInteger(lang, l.credits), COLS.qty.x, y, COLS.qty.w, { align: 'right' });
  w.text(
    formatUnitPrice(lang, doc.currency, l.net < 0n ? -l.net : l.net, l.credits),
    COLS.price.x,
    y,
    COLS.price.w,
    {
      align: 'right',
    },
  );
  w.text(rateCell(lang, l), COLS.rate.x, y, COLS.rate.w, { align: 'right' });
  w.text(formatMoney(lang, doc.currency, l.net), COLS.net.x, y, COLS.net.w, { align: 'right' });
  w.y += Math.max(h, 11) + 4;
}

function breakdownLabel(t: Texts, language: Language, b: VatBreakdown): string {
  if (b.vatTreatment === 'outside_scope') return t.notSubject;
  return t.vatLabel(formatRate(language, b.vatRateBasisPoints));
}

function amountRow(w: Writer, label: string, value: string, bold = false): void {
  const x = PAGE.margin + 230;
  const valueWidth = 85;
  const h = w.text(label, x, w.y, RIGHT - x - valueWidth - 5, { bold });
  w.text(value, RIGHT - valueWidth, w.y, valueWidth, { bold, align: 'right' });
  w.y += Math.max(h, 11) + 3;
}

function paymentSummary(doc: InvoiceDocument, t: Texts): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const l of doc.lines) {
    const method =
      l.paymentMethod === 'card' || l.paymentMethod === 'bank_transfer'
        ? t[l.paymentMethod]
        : l.paymentMethod;
    const part = l.paymentReference ? `${method}, ${t.reference} ${l.paymentReference}` : method;
    if (seen.has(part)) continue;
    seen.add(part);
    parts.push(part);
  }
  return `${t.payment}: ${parts.join('; ')}`;
}

function draw(w: Writer, doc: InvoiceDocument): void {
  const lang = doc.language;
  const t = TEXTS[lang];
  const title = doc.kind === 'credit_note' ? t.creditNote : t.invoice;

  // Title and the document's identity, top right; the issuer's logo and name, top left.
  const logo = logoOf(doc.issuer.logoPath);
  let nameY = PAGE.margin;
  if (logo) {
    w.pdf.image(logo, PAGE.margin, PAGE.margin, { fit: [LOGO.width, LOGO.height] });
    nameY += LOGO.height + 6;
  }
  w.text(doc.issuer.name, PAGE.margin, nameY, 250, { bold: true, size: 13 });
  w.text(title, PAGE.margin + 250, PAGE.margin, RIGHT - PAGE.margin - 250, {
    bold: true,
    size: 18,
    align: 'right',
  });
  const meta: [string, string][] = [
    [t.number, doc.number],
    [t.issueDate, formatDate(lang, doc.issueDate)],
    [t.period, `${formatShortDate(lang, doc.period.start)} – ${formatShortDate(lang, doc.period.end)}`],
  ];
  if (doc.corrects)
    meta.push([t.corrects, `${doc.corrects.number} (${formatDate(lang, doc.corrects.issueDate)})`]);
  let my = PAGE.margin + 28;
  for (const [label, value] of meta) {
    w.text(`${label}:`, PAGE.margin + 200, my, 110, { color: GREY, align: 'right' });
    my += w.text(value, PAGE.margin + 315, my, RIGHT - PAGE.margin - 315, {
      bold: label === t.number,
      align: 'right',
    });
  }

  const top = Math.max(my, nameY + 20) + 18;
  const hs = partyBlock(w, t, lang, t.seller, doc.issuer, PAGE.margin, top);
  const hb = partyBlock(w, t, lang, t.buyer, doc.customer, PAGE.margin + 260, top);
  w.y = top + Math.max(hs, hb) + 6;
  w.text(`${t.account}: ${doc.accountId}`, PAGE.margin + 260, w.y, 235, { size: 7.5, color: GREY });
  w.y += 22;

  tableHeader(w, t);
  for (const l of doc.lines) {
    w.ensure(26, () => tableHeader(w, t));
    lineRow(w, doc, l);
  }
  w.rule(w.y);
  w.y += 8;

  w.ensure(30 + 14 * (doc.vatBreakdown.length + 4));
  w.text(t.vatBreakdown.toUpperCase(), PAGE.margin + 230, w.y, 245, { size: 7.5, color: GREY });
  w.y += 12;
  for (const b of doc.vatBreakdown) {
    amountRow(
      w,
      `${breakdownLabel(t, lang, b)} · ${t.taxable} ${formatMoney(lang, doc.currency, b.taxableAmount)}`,
      formatMoney(lang, doc.currency, b.vatAmount),
    );
  }
  w.y += 4;
  w.pdf
    .moveTo(PAGE.margin + 230, w.y)
    .lineTo(RIGHT, w.y)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  w.y += 6;
  amountRow(w, t.netTotal, formatMoney(lang, doc.currency, doc.totals.net));
  amountRow(w, t.vat, formatMoney(lang, doc.currency, doc.totals.vat));
  amountRow(w, t.total, formatMoney(lang, doc.currency, doc.totals.total), true);
  w.y += 10;

  const notes: string[] = [];
  for (const treatment of new Set(doc.lines.map((l) => l.vatTreatment))) {
    const wording = vatWording(lang, treatment);
    if (wording) notes.push(wording);
  }
  notes.push(doc.kind === 'credit_note' ? t.refunded : t.paid);
  notes.push(paymentSummary(doc, t));
  for (const [i, n] of notes.entries()) {
    w.ensure(24);
    w.y +=
      w.text(n, PAGE.margin, w.y, RIGHT - PAGE.margin, {
        bold: i === 0 && n !== t.paid && n !== t.refunded,
      }) + 4;
  }

  const bank = doc.issuer.bank;
  if (bank) {
    w.ensure(30);
    w.y += 6;
    w.y += w.text(
      `${t.bank}: IBAN ${bank.iban} · BIC ${bank.bic} · ${t.beneficiary}: ${bank.beneficiary}`,
      PAGE.margin,
      w.y,
      RIGHT - PAGE.margin,
      { size: 8, color: GREY },
    );
  }
}

/** "Page n of m" and the number on every page, written once all pages exist. */
function footers(w: Writer, doc: InvoiceDocument): void {
  const t = TEXTS[doc.language];
  const range = w.pdf.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    w.pdf.switchToPage(range.start + i);
    // Writing below the bottom margin would make pdfkit open a new page.
    const margins = w.pdf.page.margins;
    const bottom = margins.bottom;
    margins.bottom = 0;
    w.text(
      `${doc.number} · ${t.page} ${i + 1} ${t.of} ${range.count}`,
      PAGE.margin,
      PAGE.height - 40,
      RIGHT - PAGE.margin,
      { size: 7.5, color: GREY, align: 'right' },
    );
    margins.bottom = bottom;
  }
}

/** The fixed creation date of a document: midnight UTC of its issue date. */
export function creationDateOf(doc: InvoiceDocument): Date {
  return new Date(`${doc.issueDate}T00:00:00Z`);
}

export function drawInvoicePdf(doc: InvoiceDocument, fonts: PdfFonts, pdfa?: PdfA): Promise<Buffer> {
  const t = TEXTS[doc.language];
  const created = creationDateOf(doc);
  const title = `${doc.kind === 'credit_note' ? t.creditNote : t.invoice} ${doc.number}`;
  const pdf = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    autoFirstPage: true,
    lang: doc.language,
    // No default font: pdfkit would parse Helvetica's metrics for every document (see font-cache.ts).
    font: '',
    displayTitle: true,
    pdfVersion: pdfa ? '1.7' : '1.4',
    ...(pdfa ? { subset: 'PDF/A-3b' as const, tagged: false } : {}),
    info: {
      Title: title,
      // pdfkit copies the info into the XMP metadata unescaped: a name with XML specials stays out.
      ...(/[&<>]/.test(doc.issuer.name) ? {} : { Author: doc.issuer.name }),
      Subject: doc.number,
      Creator: 'Tollgate',
      Producer: 'Tollgate (pdfkit)',
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const w = new Writer(pdf, fonts);
  draw(w, doc);
  footers(w, doc);
  if (pdfa) {
    // pdfkit writes /AFRelationship from `relationship`; its type definitions do not list it yet.
    const attachment: PDFKit.Mixins.PDFAttachmentOptions & { relationship: string } = {
      name: pdfa.attachment.name,
      type: 'text/xml',
      description: pdfa.attachment.description,
      creationDate: created,
      modifiedDate: created,
      relationship: pdfa.attachment.relationship,
    };
    pdf.file(pdfa.attachment.data, attachment);
    pdf.appendXML(pdfa.xmp);
  }
  pdf.end();
  return done;
}

/** The invoice or credit note as a PDF, in the document's language; the same document, the same bytes. */
export function renderInvoicePdf(doc: InvoiceDocument): Promise<Buffer> {
  return drawInvoicePdf(doc, STANDARD_FONTS);
}
