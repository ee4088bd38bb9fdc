import type { BinaryOperator } from './ast.js';

/**
 * Tokenizer with GitLab's lexical rules (gitlabhq `lib/gitlab/ci/pipeline/expression/lexer.rb`
 * and `lexeme/*.rb`), reproduced so that what GitLab rejects is rejected here too:
 * - `$NAME` where NAME is ASCII `[A-Za-z0-9_]+`; `${NAME}` is not part of the language.
 * - Strings in `"…"` or `'…'` with no escapes; they cannot span lines.
 * - Regex literals must match `/([^/]|\/)+[^\\]/[ismU]*`: at least two characters between the
 *   slashes (so `/a/` is rejected by GitLab), and the last one must not be a backslash.
 * - `null` (no word boundary check, as GitLab), `true` / `false` (with one).
 * - At most 99 tokens: GitLab's lexer gives up after 100 scans even when the 100th token is the
 *   last one.
 */

export type Token =
  | { readonly type: '(' | ')'; readonly column: number }
  | { readonly type: 'operator'; readonly operator: BinaryOperator; readonly column: number }
  | { readonly type: 'variable'; readonly name: string; readonly column: number }
  | { readonly type: 'string'; readonly value: string; readonly column: number }
  | { readonly type: 'regex'; readonly text: string; readonly column: number }
  | { readonly type: 'null'; readonly column: number }
  | { readonly type: 'boolean'; readonly value: boolean; readonly column: number };

export interface LexError {
  readonly message: string;
  readonly column: number;
  readonly hint?: string;
}

export const MAX_TOKENS = 100;

/** Ruby's `\s`: ASCII whitespace only. */
const WHITESPACE = /[ \t\n\v\f\r]+/y;
const VARIABLE = /\$([A-Za-z0-9_]+)/y;
const STRING = /"([^\n]*?)"|'([^\n]*?)'/y;
const REGEX = /\/(?:[^/]|\\\/)+[^\\]\/[ismU]*/y;
const BOOLEAN = /(?:true|false)\b/y;
const OPERATORS: readonly BinaryOperator[] = ['==', '=~', '!=', '!~', '&&', '||'];

function sticky(re: RegExp, source: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(source);
}

/** One token at `pos`, or undefined when nothing matches there. */
function scanOne(source: string, pos: number): { token: Token; end: number } | undefined {
  const column = pos + 1;
  const ch = source.charAt(pos);
  if (ch === '(' || ch === ')') return { token: { type: ch, column }, end: pos + 1 };
  let m = sticky(VARIABLE, source, pos);
  if (m !== null)
    return { token: { type: 'variable', name: m[1]!, column }, end: pos + m[0].length };
  m = sticky(STRING, source, pos);
  if (m !== null) {
    return { token: { type: 'string', value: m[1] ?? m[2]!, column }, end: pos + m[0].length };
  }
  m = sticky(REGEX, source, pos);
  if (m !== null) return { token: { type: 'regex', text: m[0], column }, end: pos + m[0].length };
  if (source.startsWith('null', pos)) return { token: { type: 'null', column }, end: pos + 4 };
  m = sticky(BOOLEAN, source, pos);
  if (m !== null) {
    return { token: { type: 'boolean', value: m[0] === 'true', column }, end: pos + m[0].length };
  }
  const operator = OPERATORS.find((op) => source.startsWith(op, pos));
  if (operator !== undefined)
    return { token: { type: 'operator', operator, column }, end: pos + 2 };
  return undefined;
}

/** Explains the most common mistakes at a position where no token matches. */
function unknownLexeme(source: string, pos: number): LexError {
  const column = pos + 1;
  const rest = source.slice(pos);
  const shown = JSON.stringify(rest.slice(0, 12));
  const hints: readonly [RegExp, string, string][] = [
    [/^\$\{/, 'GitLab expressions do not accept ${NAME}', 'write $NAME instead of ${NAME}'],
    [/^\$/, 'a $ must be followed by a variable name', 'names use A-Z, a-z, 0-9 and _'],
    [
      /^["']/,
      'unterminated string literal',
      'close the string with the same quote on the same line',
    ],
    [
      /^\/[^/]?\/?/,
      'invalid regular expression literal',
      'GitLab needs at least two characters between the slashes, the last one not a backslash ' +
        '(for one character write e.g. /^a/ or /a+/)',
    ],
    [/^!/, 'GitLab has no ! operator', 'use $VAR == null, $VAR == "" or != / !~'],
    [/^=/, 'unknown operator', 'compare with == or match with =~'],
    [/^&/, 'unknown operator', 'GitLab uses && for "and"'],
    [/^\|/, 'unknown operator', 'GitLab uses || for "or"'],
  ];
  for (const [pattern, message, hint] of hints) {
    if (pattern.test(rest)) return { message: `${message} at ${shown}`, column, hint };
  }
  return {
    message: `unexpected ${shown}`,
    column,
    hint: 'an expression is made of $VARIABLES, "strings", /regexes/, null, ==, !=, =~, !~, &&, || and parentheses',
  };
}

export function tokenize(
  source: string,
): { ok: true; tokens: Token[] } | { ok: false; error: LexError } {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    const ws = sticky(WHITESPACE, source, pos);
    if (ws !== null) pos += ws[0].length;
    if (tokens.length >= MAX_TOKENS) {
      return {
        ok: false,
        error: {
          message: `too many tokens: GitLab allows at most ${MAX_TOKENS - 1} in one expression`,
          column: pos + 1,
          hint: 'split the condition over several rules',
        },
      };
    }
    if (pos >= source.length) return { ok: true, tokens };
    const scanned = scanOne(source, pos);
    if (scanned === undefined) return { ok: false, error: unknownLexeme(source, pos) };
    tokens.push(scanned.token);
    pos = scanned.end;
  }
}
