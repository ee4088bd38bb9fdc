import { describe, expect, it } from 'vitest';
import { translateRe2 } from './re2-translate.js';

function test(pattern: string, text: string, flags = ''): boolean | string {
  const result = translateRe2(pattern, flags);
  return result.ok ? result.regex.test(text) : `error: ${result.error.message}`;
}

describe('translateRe2: RE2 meaning, not JavaScript meaning', () => {
  it.each<[string, string, string, boolean]>([
    // Unanchored search, like RE2 Match / GitLab scan.
    ['ab', '', 'xaby', true],
    ['^ab', '', 'xab', false],
    // Inline flags at the start and GitLab's /…/flags.
    ['(?i)abc', '', 'xABC', true],
    ['abc', 'i', 'ABC', true],
    ['(?i:ab)c', '', 'ABc', true],
    ['(?i:ab)c', '', 'ABC', false],
    ['a(?i)b', '', 'aB', true],
    ['a(?i)b', '', 'AB', false],
    ['(?i)a(?-i)b', '', 'Ab', true],
    ['(?i)a(?-i)b', '', 'AB', false],
    ['x(?i)[a-c]', '', 'xB', true],
    ['x(?i)k', '', 'x\u212a', true],
    // \A and \z: text boundaries even in multi-line mode.
    ['\\Aab\\z', '', 'ab', true],
    ['\\Aab\\z', 'm', 'ab\n', false],
    ['(?m)^b$', '', 'a\nb\nc', true],
    ['^b$', '', 'a\nb\nc', false],
    // RE2 breaks lines only at \n; JavaScript's m flag would also break at \r.
    ['(?m)^b', '', 'a\rb', false],
    // `.` excludes only \n; (?s) includes it.
    ['a.b', '', 'a\rb', true],
    ['a.b', '', 'a\nb', false],
    ['(?s)a.b', '', 'a\nb', true],
    ['a.b', 's', 'a\nb', true],
    // `$` without m: only at the very end (no "before a final newline" as in Perl).
    ['a$', '', 'a\n', false],
    // \s is ASCII in RE2: no \v, no NBSP.
    ['\\s', '', '\u00a0', false],
    ['\\s', '', '\v', false],
    ['\\s', '', '\f', true],
    ['[^\\S]', '', ' ', true],
    ['\\S', '', '\u00a0', true],
    // POSIX classes.
    ['^[[:alpha:]]+$', '', 'abcXYZ', true],
    ['^[[:alpha:]]+$', '', 'abc1', false],
    ['^[[:^digit:]]+$', '', 'abc', true],
    ['[[:punct:]]', '', 'a.b', true],
    ['^[[:xdigit:]]+$', '', 'c0ffee', true],
    ['[:alpha:]', '', 'p', true], // outside brackets: just a class of characters
    // Named groups in RE2 and Go style.
    ['(?P<year>\\d{4})-(?P<m>\\d\\d)', '', '2024-05', true],
    ['(?<year>\\d{4})', '', '2024', true],
    // Escapes: octal, hex, \Q…\E, escaped punctuation.
    ['\\101', '', 'A', true],
    ['\\x41\\x{1F422}', '', 'A🐢', true],
    ['\\Qa.b\\E', '', 'a.b', true],
    ['\\Qa.b\\E', '', 'axb', false],
    ['\\-\\#\\:', '', '-#:', true],
    // Literal braces and brackets where RE2 reads them literally.
    ['a{', '', 'a{', true],
    ['a{,2}', '', 'a{,2}', true],
    ['x]', '', 'x]', true],
    ['[]a]', '', ']', true],
    // Repetition.
    ['^a{2,3}$', '', 'aaa', true],
    ['^a{2,3}$', '', 'aaaa', false],
    ['^(?:ab)+?$', '', 'abab', true],
    ['(?U)a+', '', 'aaa', true],
    ['^*a', '', 'a', true],
    // Unicode classes.
    ['^\\pL+$', '', 'żółw', true],
    ['^\\p{Greek}+$', '', 'αβγ', true],
    ['\\P{L}', '', 'abc', false],
    ['^\\p{^Greek}$', '', 'a', true],
    // Code points, not UTF-16 units.
    ['^.$', '', '🐢', true],
    ['^[🐢]$', '', '🐢', true],
  ])('/%s/%s on %j → %s', (pattern, flags, text, expected) => {
    expect(test(pattern, text, flags)).toBe(expected);
  });

  it.each<[string, RegExp, boolean]>([
    ['(a)\\1', /backreference \\1/, true],
    ['\\8', /backreference \\8/, true],
    ['a(?=b)', /lookahead/, true],
    ['a(?!b)', /negative lookahead/, true],
    ['(?<=a)b', /lookbehind/, true],
    ['(?<!a)b', /negative lookbehind/, true],
    ['(?>a)', /atomic group/, true],
    ['a*+', /possessive/, true],
    ['a?+', /possessive/, true],
    ['a**', /bad repetition/, true],
    ['*a', /missing argument/, true],
    ['(?i)*', /missing argument/, true],
    ['a|*', /missing argument/, true],
    ['(?P=n)', /named backreference/, true],
    ['\\k<n>', /named backreference/, true],
    ['(?#c)', /comment/, true],
    ['(?x)a', /invalid or unsupported Perl syntax/, true],
    ['(?P<a>x)(?P<a>y)', /duplicate capture group name/, true],
    ['(?P<a-b>x)', /invalid named capture group/, true],
    ['a)', /unexpected \)/, true],
    ['[a', /missing closing \]/, true],
    ['\\', /trailing backslash/, true],
    ['\\Z', /\\Z/, true],
    ['\\e', /invalid escape sequence \\e/, true],
    ['\\p{NoSuchScript}', /invalid Unicode class/, true],
    ['a{2,1}', /bad repetition/, true],
    ['\\C', /any byte/, false],
    ['a(?i)\\p{Lu}', /character class/, false],
  ])('rejects /%s/ naming the construct', (pattern, message, re2Rejects) => {
    const result = translateRe2(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toMatch(message);
      expect(result.error.re2Rejects).toBe(re2Rejects);
    }
  });

  it('always sets the u flag and never the m or s flags', () => {
    const result = translateRe2('(?ms)^a.b$');
    expect(result.ok && result.regex.flags).toBe('u');
  });
});
