// A small, strict, non-validating XML reader for bank statements: elements, attributes, text,
// CDATA, comments and processing instructions, namespace prefixes dropped. A document type
// declaration is refused outright, so no entity is ever expanded (no "billion laughs", no
// external entities); only the five predefined entities and character references are decoded.
// Anything malformed is an XmlError with its line and column.
//
// Written here rather than taken from a general parser because a statement of 10,000 entries
// must be read in a small part of a second: one pass with indexOf, no validation framework.

export interface XmlElement {
  /** The local name (without a namespace prefix). */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (CDATA included), entities decoded. */
  text: string;
}

export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 64;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isNameStart(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code > 127
  );
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57) || code === 45 || code === 46;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

export function parseXml(xml: string): XmlElement {
  const n = xml.length;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: { element: XmlElement; qname: string }[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let k = xml.indexOf('\n'); k >= 0 && k < at; k = xml.indexOf('\n', k + 1)) {
      line++;
      lineStart = k + 1;
    }
    throw new XmlError(message, line, at - lineStart + 1);
  };

  const decode = (raw: string, at: number): string => {
    let amp = raw.indexOf('&');
    if (amp < 0) return raw;
    let out = '';
    let from = 0;
    while (amp >= 0) {
      const semi = raw.indexOf(';', amp);
      const name = semi < 0 ? '' : raw.slice(amp + 1, semi);
      let char: string | undefined;
      if (/^#\d{1,7}$/.test(name)) char = safeCodePoint(Number(name.slice(1)));
      else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) char = safeCodePoint(Number.parseInt(name.slice(2), 16));
      else char = ENTITIES[name];
      if (char === undefined) fail(`"&${name.slice(0, 12)}" is not an entity this reader knows`, at + amp);
      out += raw.slice(from, amp) + char;
      from = semi + 1;
      amp = raw.indexOf('&', from);
    }
    return out + raw.slice(from);
  };

  while (i < n) {
    const lt = xml.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const top = stack[stack.length - 1];
      if (top) {
        top.element.text += decode(xml.slice(i, end), i);
      } else {
        for (let k = i; k < end; k++)
          if (!isSpace(xml.charCodeAt(k))) fail('text outside the root element', k);
      }
    }
    if (lt < 0) break;
    i = lt;
    const next = xml.charCodeAt(i + 1);
    if (next === 63) {
      // <? … ?>
      const close = xml.indexOf('?>', i + 2);
      if (close < 0) fail('a processing instruction is never closed', i);
      i = close + 2;
      continue;
    }
    if (next === 33) {
      if (xml.startsWith('<!--', i)) {
        const close = xml.indexOf('-->', i + 4);
        if (close < 0) fail('a comment is never closed', i);
        i = close + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', i)) {
        const close = xml.indexOf(']]>', i + 9);
        if (close < 0) fail('a CDATA section is never closed', i);
        const top = stack[stack.length - 1];
        if (!top) fail('CDATA outside the root element', i);
        else top.element.text += xml.slice(i + 9, close);
        i = close + 3;
        continue;
      }
      fail('document type declarations are not accepted in a statement', i);
    }
    if (next === 47) {
      // </name>
      const close = xml.indexOf('>', i + 2);
      if (close < 0) fail('an end tag is never closed', i);
      const qname = xml.slice(i + 2, close).trimEnd();
      const open = stack.pop();
      if (!open) fail(`end tag </${qname}> without a start tag`, i);
      else if (open.qname !== qname) fail(`end tag </${qname}> does not close <${open.qname}>`, i);
      i = close + 1;
      continue;
    }
    // <name attr="value" …> or <name … />
    let j = i + 1;
    if (!isNameStart(xml.charCodeAt(j))) fail('"<" must start a tag (write &lt; in text)', i);
    while (j < n && isNameChar(xml.charCodeAt(j))) j++;
    const qname = xml.slice(i + 1, j);
    const attributes: Record<string, string> = Object.create(null);
    let selfClosing = false;
    for (;;) {
      const before = j;
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      const code = xml.charCodeAt(j);
      if (code === 62) {
        j++;
        break;
      }
      if (code === 47 && xml.charCodeAt(j + 1) === 62) {
        selfClosing = true;
        j += 2;
        break;
      }
      if (j >= n) fail(`<${qname}> is never closed`, i);
      if (j === before || !isNameStart(code)) fail(`malformed attribute in <${qname}>`, j);
      const nameStart = j;
      while (j < n && isNameChar(xml.charCodeAt(j))) j++;
      const attribute = xml.slice(nameStart, j);
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      if (xml.charCodeAt(j) !== 61) fail(`attribute ${attribute} has no value`, j);
      j++;
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      const quote = xml.charCodeAt(j);
      if (quote !== 34 && quote !== 39) fail(`the value of ${attribute} must be quoted`, j);
      const close = xml.indexOf(quote === 34 ? '"' : "'", j + 1);
      if (close < 0) fail(`the value of ${attribute} is never closed`, j);
      const raw = xml.slice(j + 1, close);
      if (raw.includes('<')) fail(`"<" in the value of ${attribute}`, j);
      const key = localName(attribute);
      if (Object.hasOwn(attributes, key)) fail(`attribute ${attribute} is given twice`, nameStart);
      attributes[key] = decode(raw, j + 1);
      j = close + 1;
    }
    const element: XmlElement = { name: localName(qname), attributes, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else if (root) fail('a second root element', i);
    else root = element;
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) fail('elements are nested too deeply', i);
      stack.push({ element, qname });
    }
    i = j;
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) fail(`<${unclosed.qname}> is never closed`, n);
  if (!root) return fail('there is no root element', n);
  return root;
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function safeCodePoint(code: number): string | undefined {
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

/** The first child with this local name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** The trimmed text at a path of child names, or null. */
export function textAt(element: XmlElement | undefined, ...path: string[]): string | null {
  let at = element;
  for (const name of path) at = child(at, name);
  const text = at?.text.trim();
  return text ? text : null;
}
