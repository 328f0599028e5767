// Reading rendered documents back in tests, without native tools: the text of a PDF drawn with the
// built-in (Windows-1252) fonts, a PDF's embedded files, and a strict XML well-formedness check.
// Where poppler's pdftotext is installed, pdfText() uses it (it also reads embedded fonts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** Every stream of a PDF, inflated where it is Flate-compressed, with its dictionary. */
export function pdfStreams(pdf: Buffer): { dict: string; data: Buffer }[] {
  const out: { dict: string; data: Buffer }[] = [];
  const text = pdf.toString('latin1');
  const re = />>\s*stream\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Walk back to the '<<' that opens this dictionary (it may hold nested ones).
    let depth = 1;
    let k = m.index - 1;
    while (k > 0 && depth > 0) {
      if (text[k - 1] === '>' && text[k] === '>') {
        depth++;
        k -= 2;
      } else if (text[k - 1] === '<' && text[k] === '<') {
        depth--;
        k -= 2;
      } else k--;
    }
    const dict = text.slice(k + 3, m.index);
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    let data = pdf.subarray(start, end);
    if (/\/Filter\s*\/FlateDecode/.test(dict)) {
      try {
        data = inflateSync(data);
      } catch {
        data = inflateSync(data.subarray(0, data.length - 1));
      }
    }
    out.push({ dict, data });
  }
  return out;
}

// Windows-1252 0x80–0x9F (Node's TextDecoder reads that label as Latin-1).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const decoder = {
  decode: (bytes: Buffer) =>
    [...bytes].map((b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b))).join(''),
};

/** The text shown by a PDF drawn with standard fonts (WinAnsi hex strings in TJ arrays). */
export function standardFontText(pdf: Buffer): string {
  const lines: string[] = [];
  for (const { data } of pdfStreams(pdf)) {
    const content = data.toString('latin1');
    for (const m of content.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?[\d.]+)*)\]\s*TJ/g)) {
      const parts = [...(m[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((h) =>
        decoder.decode(Buffer.from(h[1] ?? '', 'hex')),
      );
      lines.push(parts.join(''));
    }
  }
  return lines.join('\n');
}

export function hasPdftotext(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The text of any PDF through poppler's pdftotext. */
export function pdftotext(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Text compared without any kind of space (PDF layout and Intl's no-break spaces differ). */
export function squash(s: string): string {
  return s.replace(/[\s\u00a0\u202f]+/g, '');
}

/** The content of the embedded file streams of a PDF. */
export function embeddedFiles(pdf: Buffer): Buffer[] {
  return pdfStreams(pdf)
    .filter((s) => /\/Type\s*\/EmbeddedFile\b/.test(s.dict))
    .map((s) => s.data);
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;

/**
 * Throws unless `xml` is well-formed: one root, tags nested and closed, attributes quoted and not
 * repeated, only the five predefined entities or character references, no stray '<' or '&'.
 */
export function assertWellFormed(xml: string): void {
  let i = 0;
  const stack: string[] = [];
  let roots = 0;
  const fail = (why: string) => {
    throw new Error(`not well-formed at ${i}: ${why}: ${xml.slice(Math.max(0, i - 40), i + 40)}`);
  };
  const checkText = (s: string) => {
    for (const m of s.matchAll(/&([^;]*);?/g)) {
      if (!/^(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1] ?? '') || !m[0].endsWith(';'))
        fail('bad entity');
    }
  };
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') fail('text outside the root');
    checkText(text);
    if (lt === -1) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end === -1) fail('open comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (end === -1) fail('open CDATA');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end === -1) fail('open processing instruction');
      i = end + 2;
      continue;
    }
    const gt = xml.indexOf('>', i);
    if (gt === -1) fail('open tag');
    const tag = xml.slice(i + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) fail(`</${name}> closes nothing open`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const name = body.match(/^\S+/)?.[0] ?? '';
      if (!NAME.test(name)) fail(`bad element name ${name}`);
      const attrs = body.slice(name.length);
      const seen = new Set<string>();
      const attrRe = /\s+([^\s=]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/gy;
      let consumed = 0;
      for (let m = attrRe.exec(attrs); m; m = attrRe.exec(attrs)) {
        const attr = m[1] ?? '';
        if (!NAME.test(attr) || seen.has(attr)) fail(`bad or repeated attribute ${attr}`);
        seen.add(attr);
        checkText(m[3] ?? m[4] ?? '');
        consumed = attrRe.lastIndex;
      }
      if (attrs.slice(consumed).trim() !== '') fail(`bad attributes in <${name}>`);
      if (stack.length === 0) roots++;
      if (roots > 1) fail('more than one root');
      if (!selfClosing) stack.push(name);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`not well-formed: <${stack.join('>, <')}> never closed`);
  if (roots !== 1) throw new Error('not well-formed: no root element');
}

/** The official EN 16931 validator of the shared tools, when this clone sits beside them. */
export function en16931Validator(): string | null {
  const tool = join(process.cwd(), '..', 'shared', 'tools', 'en16931', 'validate');
  return existsSync(tool) ? tool : null;
}
