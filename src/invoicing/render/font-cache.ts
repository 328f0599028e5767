// pdfkit builds a standard font's metrics (its AFM widths and kerning pairs) anew for every
// document: about two thirds of the time to draw a one-page invoice. The metrics never change, so
// the first document's font objects serve as templates and later documents get copies that share
// the parsed metrics (each copy still has its own id and PDF object in its own document).
//
// This reaches into pdfkit's private font table (`_fontFamilies`, `_fontCount`, checked by shape
// at run time): if a pdfkit upgrade changes them, nothing breaks, the cache just stops applying
// and every document parses its fonts again.
//
// Embedded TrueType fonts are cached one level up: pdfkit accepts an already-parsed fontkit font.

const TEMPLATE_FIELDS = ['name', 'font', 'ascender', 'descender', 'bbox', 'lineGap', 'xHeight', 'capHeight'];
const templates = new Map<string, object>();

function fontTable(pdf: PDFKit.PDFDocument): Record<string, unknown> | null {
  const families: unknown = Reflect.get(pdf, '_fontFamilies');
  const count: unknown = Reflect.get(pdf, '_fontCount');
  if (families === null || typeof families !== 'object' || typeof count !== 'number') return null;
  return families as Record<string, unknown>;
}

/** Makes the standard fonts `names` current in `pdf`, in that order, parsing each once per process. */
export function loadStandardFonts(pdf: PDFKit.PDFDocument, names: string[]): void {
  const families = fontTable(pdf);
  for (const name of names) {
    if (!families || families[name]) {
      pdf.font(name);
      continue;
    }
    const template = templates.get(name);
    if (!template) {
      pdf.font(name);
      const made = families[name];
      if (made && typeof made === 'object' && TEMPLATE_FIELDS.every((f) => f in made))
        templates.set(name, made);
      continue;
    }
    const id = `F${Number(Reflect.get(pdf, '_fontCount')) + 1}`;
    Reflect.set(pdf, '_fontCount', Number(Reflect.get(pdf, '_fontCount')) + 1);
    const copy: object = Object.create(Object.getPrototypeOf(template));
    for (const f of TEMPLATE_FIELDS) Reflect.set(copy, f, Reflect.get(template, f));
    Reflect.set(copy, 'document', pdf);
    Reflect.set(copy, 'id', id);
    families[name] = copy;
    pdf.font(name);
  }
}

const parsed = new Map<string, object>();

/**
 * Registers a TrueType font under `alias` and makes it current: from the second document on, with
 * the fontkit font pdfkit parsed for the first (pdfkit takes a parsed font wherever it takes a
 * file; each document still makes its own subset of it).
 */
export function loadEmbeddedFont(pdf: PDFKit.PDFDocument, alias: string, key: string, file: Buffer): void {
  const font = key ? parsed.get(key) : undefined;
  if (font) Reflect.apply(pdf.registerFont, pdf, [alias, font]);
  else pdf.registerFont(alias, file);
  pdf.font(alias);
  if (font || !key) return;
  const families = fontTable(pdf);
  const made: unknown = families ? Reflect.get(families[alias] ?? {}, 'font') : undefined;
  if (made && typeof made === 'object' && typeof Reflect.get(made, 'layout') === 'function')
    parsed.set(key, made);
}
