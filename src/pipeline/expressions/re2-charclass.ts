/**
 * Character sets for the RE2 → JavaScript translation (see re2-translate.ts). RE2's Perl and
 * POSIX classes are ASCII-only, while JavaScript's `\s` is Unicode-wide, so every class is
 * rebuilt here from explicit code-point ranges and emitted with `\u{…}` escapes, which mean the
 * same thing inside and outside brackets under the `u` flag.
 */

/** An inclusive code-point range. */
export type CodePointRange = readonly [number, number];

export const MAX_CODE_POINT = 0x10ffff;

const r = (lo: string, hi: string = lo): CodePointRange => [lo.codePointAt(0)!, hi.codePointAt(0)!];

const DIGIT: readonly CodePointRange[] = [r('0', '9')];
const UPPER: readonly CodePointRange[] = [r('A', 'Z')];
const LOWER: readonly CodePointRange[] = [r('a', 'z')];
const WORD: readonly CodePointRange[] = [...DIGIT, ...UPPER, r('_'), ...LOWER];
/** RE2's `\s` is `[\t\n\f\r ]`: no `\v`, no Unicode spaces (unlike JavaScript's `\s`). */
const PERL_SPACE: readonly CodePointRange[] = [[0x09, 0x0a], [0x0c, 0x0d], r(' ')];

/** RE2's POSIX classes (`[[:alpha:]]`), all ASCII. */
const POSIX: Readonly<Record<string, readonly CodePointRange[]>> = {
  alnum: [...DIGIT, ...UPPER, ...LOWER],
  alpha: [...UPPER, ...LOWER],
  ascii: [[0x00, 0x7f]],
  blank: [r('\t'), r(' ')],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [r('!', '~')],
  lower: LOWER,
  print: [r(' ', '~')],
  punct: [r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')],
  space: [[0x09, 0x0d], r(' ')],
  upper: UPPER,
  word: WORD,
  xdigit: [...DIGIT, r('A', 'F'), r('a', 'f')],
};

const PERL: Readonly<Record<string, readonly CodePointRange[]>> = {
  d: DIGIT,
  s: PERL_SPACE,
  w: WORD,
};

export function posixClass(name: string): readonly CodePointRange[] | undefined {
  return Object.hasOwn(POSIX, name) ? POSIX[name] : undefined;
}

/** `\d`, `\s`, `\w` and their upper-case complements. */
export function perlClass(letter: string): readonly CodePointRange[] | undefined {
  const lower = letter.toLowerCase();
  if (!Object.hasOwn(PERL, lower)) return undefined;
  const ranges = PERL[lower]!;
  return letter === lower ? ranges : complement(ranges);
}

/** Sorted, merged copy of `ranges`. */
export function normalize(ranges: readonly CodePointRange[]): CodePointRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(ranges: readonly CodePointRange[]): CodePointRange[] {
  const out: CodePointRange[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/** One code point as a JavaScript regex atom that is valid inside and outside brackets (`u`). */
export function escapeCodePoint(cp: number): string {
  const isAlnum =
    (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return isAlnum ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`;
}

/** The body of a bracket expression (without the brackets) for the given ranges. */
export function rangesToClassBody(ranges: readonly CodePointRange[]): string {
  return normalize(ranges)
    .map(([lo, hi]) =>
      lo === hi ? escapeCodePoint(lo) : `${escapeCodePoint(lo)}-${escapeCodePoint(hi)}`,
    )
    .join('');
}

/**
 * Case variants used when `(?i)` covers only part of a pattern, which JavaScript (before
 * ES2025 modifiers, so on Node 20) cannot scope. Mirrors simple case folding for ASCII,
 * including the two non-ASCII code points that fold onto ASCII letters (KELVIN SIGN, LONG S).
 */
const ASCII_EXTRA_FOLDS: Readonly<Record<number, number>> = {
  0x6b: 0x212a,
  0x4b: 0x212a,
  0x73: 0x17f,
  0x53: 0x17f,
};

export function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const variants = new Set<number>([cp]);
  for (const other of [ch.toLowerCase(), ch.toUpperCase()]) {
    const first = other.codePointAt(0);
    // Only one-to-one mappings: RE2 and JavaScript both use simple (not full) case folding.
    if (first !== undefined && String.fromCodePoint(first) === other) variants.add(first);
  }
  const extra = ASCII_EXTRA_FOLDS[cp];
  if (extra !== undefined) variants.add(extra);
  if (cp === 0x212a) variants.add(0x6b).add(0x4b);
  if (cp === 0x17f) variants.add(0x73).add(0x53);
  return [...variants];
}

/** The largest non-ASCII range we fold code point by code point; bigger ones are rejected. */
const MAX_FOLDED_RANGE = 256;

/**
 * Closes `ranges` under case folding. Returns undefined when a range is too large to fold
 * one code point at a time (the caller reports it instead of matching wrongly). A range that
 * runs from ASCII to the end of Unicode (a complement such as `\W`) is already closed under
 * folding apart from the ASCII part, which is folded.
 */
export function foldRanges(ranges: readonly CodePointRange[]): CodePointRange[] | undefined {
  const out: CodePointRange[] = [...ranges];
  for (const [lo, hi] of ranges) {
    addFolds(lo, Math.min(hi, 0x7f), out);
    if (hi <= 0x7f) continue;
    const start = Math.max(lo, 0x80);
    if (hi === MAX_CODE_POINT && start === 0x80) continue;
    if (hi - start + 1 > MAX_FOLDED_RANGE) return undefined;
    addFolds(start, hi, out);
  }
  return normalize(out);
}

function addFolds(lo: number, hi: number, out: CodePointRange[]): void {
  for (let cp = lo; cp <= hi; cp++) {
    for (const v of caseVariants(cp)) out.push([v, v]);
  }
}
