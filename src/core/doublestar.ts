/**
 * Path globbing with the semantics of Go's doublestar v4 `Match`, which GitLab Runner uses for
 * `allowed_images` / `allowed_services` (shared/reference/gitlab-runner.md §1.6): `*` and `?`
 * never cross `/` (but do cross `:` and `@`), `[…]` / `[!…]` / `[^…]` classes, `{a,b}`
 * alternation, `\` escapes, and `**` spanning directories only as a whole path segment. There is
 * no negation: a leading `!` is a literal character.
 */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern)}$`);
}

export function globMatch(pattern: string, value: string): boolean {
  try {
    return globToRegExp(pattern).test(value);
  } catch {
    // doublestar reports ErrBadPattern, which GitLab treats as "no match".
    return false;
  }
}

const escapeChar = (char: string) => char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function translate(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i] ?? '';
    if (char === '*') {
      const consumed = translateStars(pattern, i);
      out += consumed.regex;
      i = consumed.next;
    } else if (char === '?') {
      out += '[^/]';
      i += 1;
    } else if (char === '[') {
      const consumed = translateClass(pattern, i);
      out += consumed.regex;
      i = consumed.next;
    } else if (char === '{') {
      const consumed = translateAlternatives(pattern, i);
      out += consumed.regex;
      i = consumed.next;
    } else if (char === '\\' && i + 1 < pattern.length) {
      out += escapeChar(pattern[i + 1] ?? '');
      i += 2;
    } else {
      out += escapeChar(char);
      i += 1;
    }
  }
  return out;
}

interface Consumed {
  readonly regex: string;
  readonly next: number;
}

function translateStars(pattern: string, start: number): Consumed {
  let end = start;
  while (pattern[end] === '*') end += 1;
  const run = end - start;
  const atSegmentStart = start === 0 || pattern[start - 1] === '/';
  const atSegmentEnd = end === pattern.length || pattern[end] === '/';
  if (run < 2 || !atSegmentStart || !atSegmentEnd) return { regex: '[^/]*', next: end };
  // `**/` — zero or more whole directories.
  if (pattern[end] === '/') return { regex: '(?:[^/]*/)*', next: end + 1 };
  // trailing `**` — anything below, including nothing.
  return { regex: '.*', next: end };
}

function translateClass(pattern: string, start: number): Consumed {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i += 1;
  }
  let body = '';
  const bodyStart = i;
  while (i < pattern.length && (pattern[i] !== ']' || i === bodyStart)) {
    const escaped = pattern[i] === '\\' && i + 1 < pattern.length;
    if (escaped) i += 1;
    const char = pattern[i] ?? '';
    body += char === '-' && !escaped ? '-' : escapeChar(char);
    i += 1;
  }
  if (i >= pattern.length) throw new SyntaxError(`unterminated class in ${pattern}`);
  // Classes never match the separator, negated or not.
  return { regex: negate ? `[^/${body}]` : `(?!/)[${body}]`, next: i + 1 };
}

const BRACE_DEPTH: Readonly<Record<string, number>> = { '{': 1, '}': -1 };

/** Splits `{a,b{c,d}}` at its top-level commas; returns the parts and the index after `}`. */
function splitAlternatives(pattern: string, start: number): { parts: string[]; next: number } {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let i = start;
  while (i < pattern.length) {
    const token = pattern[i] === '\\' ? pattern.slice(i, i + 2) : (pattern[i] ?? '');
    i += token.length;
    depth += BRACE_DEPTH[token] ?? 0;
    if (depth === 0) {
      parts.push(current);
      return { parts, next: i };
    }
    const opening = token === '{' && depth === 1;
    if (token === ',' && depth === 1) {
      parts.push(current);
      current = '';
    } else if (!opening) {
      current += token;
    }
  }
  throw new SyntaxError(`unterminated alternation in ${pattern}`);
}

function translateAlternatives(pattern: string, start: number): Consumed {
  const { parts, next } = splitAlternatives(pattern, start);
  return { regex: `(?:${parts.map(translate).join('|')})`, next };
}
