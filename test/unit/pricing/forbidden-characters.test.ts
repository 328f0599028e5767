import { describe, expect, it } from 'vitest';
import { findForbiddenCharacters, isSendableText } from '../../../src/pricing/forbidden-characters.js';

describe('findForbiddenCharacters', () => {
  it.each([
    ['plain text', 'Hello, world!'],
    ['line feed and carriage return', 'one\r\ntwo\nthree\r'],
    ['form feed, the GSM page break', 'page\fbreak'],
    ['the GSM extension characters', '€[]{}^~\\|'],
    ['a no-break space', 'a\u00a0b'],
    ['an emoji, a ZWJ sequence and a flag', '😀 👨‍👩‍👧 🇪🇸'],
    ['Arabic with a right-to-left mark (a format character, not a control)', 'مرحبا\u200f'],
    ['an empty text', ''],
  ])('allows %s', (_name, text) => {
    expect(findForbiddenCharacters(text)).toEqual([]);
    expect(isSendableText(text)).toBe(true);
  });

  it.each([
    ['NUL', 'a\u0000b', 1, 'U+0000'],
    ['a tab', '\tindent', 0, 'U+0009'],
    ['vertical tab', 'a\u000b', 1, 'U+000B'],
    ['ESC, which GSM uses only as the escape code', 'x\u001by', 1, 'U+001B'],
    ['unit separator', '\u001f', 0, 'U+001F'],
    ['DEL', 'abc\u007f', 3, 'U+007F'],
    ['NEL, a C1 control', 'a\u0085', 1, 'U+0085'],
    ['the first C1 control', '\u0080', 0, 'U+0080'],
    ['the last C1 control', '\u009f', 0, 'U+009F'],
  ])('refuses %s', (_name, text, index, codePoint) => {
    expect(findForbiddenCharacters(text)).toEqual([{ index, codePoint, kind: 'control' }]);
    expect(isSendableText(text)).toBe(false);
  });

  it.each([
    ['a lone high surrogate at the end', 'ok\ud83d', 2, 'U+D83D'],
    ['a lone high surrogate before a letter', '\ud83dA', 0, 'U+D83D'],
    ['a lone low surrogate', 'x\ude00', 1, 'U+DE00'],
    ['a low surrogate before its high one', '\ude00\ud83d', 0, 'U+DE00'],
  ])('refuses %s', (_name, text, index, codePoint) => {
    expect(findForbiddenCharacters(text)[0]).toEqual({ index, codePoint, kind: 'lone_surrogate' });
    expect(isSendableText(text)).toBe(false);
  });

  it('lists every forbidden character with its offset, up to a limit', () => {
    const text = '\u0000ok😀\u0007\u0085';
    expect(findForbiddenCharacters(text)).toEqual([
      { index: 0, codePoint: 'U+0000', kind: 'control' },
      { index: 5, codePoint: 'U+0007', kind: 'control' },
      { index: 6, codePoint: 'U+0085', kind: 'control' },
    ]);
    expect(findForbiddenCharacters(text, 2)).toHaveLength(2);
  });

  it("space (U+0020) and the character after DEL's C1 block (U+00A0) are the boundaries", () => {
    expect(isSendableText(' ')).toBe(true);
    expect(isSendableText('~')).toBe(true);
    expect(isSendableText('\u00a0')).toBe(true);
  });
});
