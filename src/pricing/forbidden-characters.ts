// Characters a message text must not carry. C0 controls (U+0000–U+001F), DEL (U+007F) and C1
// controls (U+0080–U+009F) are refused, except line feed, carriage return and form feed, which
// are characters of the GSM 03.38 alphabet (form feed is its page break, in the extension table).
// A lone UTF-16 surrogate (half an emoji, from a bad cut upstream) is refused as well: it has no
// character to show and UCS-2 handsets render it as garbage.

export interface ForbiddenCharacter {
  /** Offset in UTF-16 code units, as String.prototype.slice counts. */
  readonly index: number;
  /** "U+0000" form, for messages to people. */
  readonly codePoint: string;
  readonly kind: 'control' | 'lone_surrogate';
}

const LF = 0x0a;
const FF = 0x0c;
const CR = 0x0d;

function isForbiddenControl(code: number): boolean {
  if (code < 0x20) return code !== LF && code !== CR && code !== FF;
  return code >= 0x7f && code <= 0x9f;
}

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The forbidden characters of the text in order, at most `limit` of them (none: it may be sent). */
export function findForbiddenCharacters(
  text: string,
  limit = Number.POSITIVE_INFINITY,
): ForbiddenCharacter[] {
  const found: ForbiddenCharacter[] = [];
  for (let i = 0; i < text.length && found.length < limit; i++) {
    const code = text.charCodeAt(i);
    if (isForbiddenControl(code)) {
      found.push({ index: i, codePoint: hex(code), kind: 'control' });
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else found.push({ index: i, codePoint: hex(code), kind: 'lone_surrogate' });
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      found.push({ index: i, codePoint: hex(code), kind: 'lone_surrogate' });
    }
  }
  return found;
}

/** True when the text has no forbidden character; stops at the first one. */
export function isSendableText(text: string): boolean {
  return findForbiddenCharacters(text, 1).length === 0;
}
