// A small, strict, non-validating XML reader for bank statements: elements, attributes, text,
// CDATA, comments and processing instructions, namespace prefixes dropped. A document type
// declaration is refused outright, so no entity is ever expanded (no "billion laughs", no
// external entities); only the five predefined entities and character references are decoded.
// Anything malformed is an XmlError with its line and column.
//
//   scanXml(xml, { open(name, attributes) {…}, close(name, text) {…} })   // streaming, no tree
//   parseXml(xml)                                                          // the whole tree
//
// Written here rather than taken from a general parser because a statement of 10,000 entries
// must be read in a small part of a second: one pass with indexOf, plain tags read by hand
// (the token pattern only for the rest), and (scanXml) no tree.

export interface XmlElement {
  /** The local name (without a namespace prefix). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (CDATA included), entities decoded; whitespace-only text is dropped. */
  readonly text: string;
}

export interface XmlHandler {
  /** A start tag (or an empty element), with its local name and attributes. */
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  /** The end of the element last opened, with its own character data. */
  close(name: string, text: string): void;
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
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

function isNameStart(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code > 127
  );
}

/** What may follow the first character of a name: [\w:.\-\u0080-\uffff]. */
function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 58 ||
    code === 46 ||
    code === 45 ||
    code > 127
  );
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function safeCodePoint(code: number): string | undefined {
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

/**
 * One token per match: a tag (end mark, name, the rest up to ">" with quoted values kept whole),
 * a comment, a CDATA section, a processing instruction, or a lone "<" (always an error).
 */
const TOKEN =
  /<(\/?)([A-Za-z_:\u0080-\uffff][\w:.\-\u0080-\uffff]*)((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>|<!--([\s\S]*?)-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|</g;
const ATTRIBUTE = /\s+([A-Za-z_:\u0080-\uffff][\w:.\-\u0080-\uffff]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Reads the document from start to end, telling the handler; throws XmlError. */
export function scanXml(xml: string, handler: XmlHandler): void {
  const n = xml.length;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  // The open elements: names as written (with any prefix), local names, and their text so far.
  const qnames: string[] = [];
  const names: string[] = [];
  const texts: string[] = [];
  let roots = 0;

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

  const text = (from: number, to: number) => {
    let k = from;
    while (k < to && isSpace(xml.charCodeAt(k))) k++;
    if (k === to) return;
    const top = texts.length - 1;
    if (top < 0) fail('text outside the root element', k);
    texts[top] += decode(xml.slice(from, to), from);
  };

  const attributesOf = (rest: string, at: number, qname: string): Record<string, string> => {
    let attributes: Record<string, string> = NO_ATTRIBUTES;
    let k = 0;
    while (k < rest.length) {
      ATTRIBUTE.lastIndex = k;
      const match = ATTRIBUTE.exec(rest);
      if (!match) {
        const left = rest.slice(k);
        if (/^\s*$/.test(left)) break;
        const named = /^\s+([^\s=]+)\s*(=?)/.exec(left);
        if (named?.[2] === '=') fail(`the value of ${named[1]} must be quoted`, at + k);
        if (named) fail(`attribute ${named[1]} has no value`, at + k);
        return fail(`malformed attribute in <${qname}>`, at + k);
      }
      const [whole, attribute = '', double, single] = match;
      const key = localName(attribute);
      if (attributes === NO_ATTRIBUTES) attributes = Object.create(null);
      else if (Object.hasOwn(attributes, key)) fail(`attribute ${attribute} is given twice`, at + k);
      attributes[key] = decode(double ?? single ?? '', at + k);
      k += whole.length;
    }
    return attributes;
  };

  const openTag = (
    qname: string,
    attributes: Readonly<Record<string, string>>,
    at: number,
    empty: boolean,
  ) => {
    if (qnames.length === 0 && roots++ > 0) fail('a second root element', at);
    const name = localName(qname);
    handler.open(name, attributes);
    if (empty) {
      handler.close(name, '');
    } else {
      if (qnames.length >= MAX_DEPTH) fail('elements are nested too deeply', at);
      qnames.push(qname);
      names.push(name);
      texts.push('');
    }
  };

  for (let at = xml.indexOf('<', i); at >= 0; at = xml.indexOf('<', i)) {
    if (at > i) text(i, at);
    // The common tags, read by hand: <Name>, <Name/> and the end tag of the open element.
    const next = xml.charCodeAt(at + 1);
    if (next === 47) {
      const open = qnames[qnames.length - 1];
      if (open !== undefined && xml.charCodeAt(at + 2 + open.length) === 62 && xml.startsWith(open, at + 2)) {
        qnames.pop();
        handler.close(names.pop() ?? '', texts.pop() ?? '');
        i = at + 3 + open.length;
        continue;
      }
    } else if (isNameStart(next)) {
      let k = at + 2;
      while (k < n && isNameChar(xml.charCodeAt(k))) k++;
      const end = xml.charCodeAt(k);
      if (end === 62 || (end === 47 && xml.charCodeAt(k + 1) === 62)) {
        openTag(xml.slice(at + 1, k), NO_ATTRIBUTES, at, end === 47);
        i = end === 62 ? k + 1 : k + 2;
        continue;
      }
    }
    // Everything else (attributes, comments, CDATA, processing instructions, mistakes): the
    // token pattern, which always matches here (a lone "<" at worst).
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(xml);
    if (match === null || match.index !== at) {
      fail('malformed tag', at);
      break;
    }
    const [whole, slash, qname, rest, comment, cdata] = match;
    i = at + whole.length;
    if (qname !== undefined) {
      if (slash) {
        const open = qnames.pop();
        if (open === undefined) fail(`end tag </${qname}> without a start tag`, at);
        else if (open !== qname || (rest !== undefined && /\S/.test(rest))) {
          fail(`end tag </${qname}> does not close <${open}>`, at);
        }
        handler.close(names.pop() ?? '', texts.pop() ?? '');
        continue;
      }
      const selfClosing = rest?.endsWith('/') ?? false;
      const attributeText = selfClosing ? (rest ?? '/').slice(0, -1) : (rest ?? '');
      if (attributeText !== '' && !isSpace(attributeText.charCodeAt(0)))
        fail(`malformed tag <${qname}…>`, at);
      const attributes =
        attributeText === '' ? NO_ATTRIBUTES : attributesOf(attributeText, at + 1 + qname.length, qname);
      openTag(qname, attributes, at, selfClosing);
      continue;
    }
    if (comment !== undefined) continue;
    if (cdata !== undefined) {
      if (texts.length === 0) fail('CDATA outside the root element', at);
      texts[texts.length - 1] += cdata;
      continue;
    }
    if (whole.length > 1) continue; // <? … ?>
    // A "<" that starts nothing well-formed: say what it looks like.
    if (xml.startsWith('<!--', at)) fail('a comment is never closed', at);
    if (xml.startsWith('<![CDATA[', at)) fail('a CDATA section is never closed', at);
    if (xml.startsWith('<?', at)) fail('a processing instruction is never closed', at);
    if (xml.startsWith('<!', at)) fail('document type declarations are not accepted in a statement', at);
    if (xml.indexOf('>', at) < 0) fail('a tag is never closed', at);
    if (isNameStart(xml.charCodeAt(at + 1)) || xml.charCodeAt(at + 1) === 47) fail('malformed tag', at);
    fail('"<" must start a tag (write &lt; in text)', at);
  }
  if (i < n) text(i, n);
  const unclosed = qnames[qnames.length - 1];
  if (unclosed !== undefined) fail(`<${unclosed}> is never closed`, n);
  if (roots === 0) fail('there is no root element', n);
}

interface Building {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: Building[];
  text: string;
}

/** The whole document as a tree of elements; throws XmlError. */
export function parseXml(xml: string): XmlElement {
  const stack: Building[] = [];
  let root: Building | undefined;
  scanXml(xml, {
    open(name, attributes) {
      const element: Building = { name, attributes, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else root = element;
      stack.push(element);
    },
    close(_name, text) {
      const element = stack.pop();
      if (element) element.text = text;
    },
  });
  if (!root) throw new XmlError('there is no root element', 1, 1);
  return root;
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
