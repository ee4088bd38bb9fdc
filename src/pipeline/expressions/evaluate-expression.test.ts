import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateExpression, parseExpression } from './index.js';

const vars: Record<string, string> = {
  CI_COMMIT_BRANCH: 'main',
  CI_DEFAULT_BRANCH: 'main',
  CI_PIPELINE_SOURCE: 'push',
  CI_COMMIT_MESSAGE: 'Fix login [skip-e2e]\n\nLonger text',
  CI_COMMIT_REF_NAME: 'feature/Login-Page',
  EMPTY: '',
  BLANK: '  \t',
  VARIABLE: 'some value',
  CONTENT: 'content-123',
  SAME_1: 'x',
  SAME_2: 'x',
  PATTERN: '/^feat.*\\//',
  PATTERN_I: '/^FEATURE/i',
  PLAIN_PATTERN: 'feature/Login-Page and more',
  BAD_RE2_PATTERN: '/(?=x)/',
  TAG: 'v1.2.3',
  UNICODE: 'żółw 🐢',
};
const lookup = (name: string): string | undefined => vars[name];

function evaluate(source: string): boolean | string {
  const result = evaluateExpression(source, lookup);
  return result.ok ? result.value : `error: ${result.error.message}`;
}

describe('evaluateExpression: examples from GitLab docs ("CI/CD variable expressions")', () => {
  it.each<[string, boolean]>([
    // Equality with strings, either quote style, either side.
    ['$VARIABLE == "some value"', true],
    ["$VARIABLE == 'some value'", true],
    ['"some value" == $VARIABLE', true],
    ['$VARIABLE != "some value"', false],
    ['$VARIABLE == "other"', false],
    // null: undefined variables.
    ['$UNDEFINED == null', true],
    ['$UNDEFINED != null', false],
    ['$VARIABLE == null', false],
    ['$VARIABLE != null', true],
    ['null == $UNDEFINED', true],
    // Empty variables.
    ['$EMPTY == ""', true],
    ['$EMPTY != ""', false],
    ['$EMPTY == null', false],
    ['$UNDEFINED == ""', false],
    ['$UNDEFINED != ""', true],
    // Comparing two variables.
    ['$SAME_1 == $SAME_2', true],
    ['$SAME_1 != $SAME_2', false],
    ['$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', true],
    ['$UNDEFINED == $ALSO_UNDEFINED', true],
    // Bare variable: defined and non-empty.
    ['$VARIABLE', true],
    ['$EMPTY', false],
    ['$UNDEFINED', false],
    ['$BLANK', false],
    // Pattern matching (unanchored, RE2).
    ['$CONTENT =~ /^content.*/', true],
    ['$CONTENT !~ /^content.*/', false],
    ['$CONTENT =~ /^CONTENT/i', true],
    ['$CONTENT =~ /^CONTENT/', false],
    ['$CONTENT =~ /\\d+$/', true],
    ['$CI_COMMIT_MESSAGE =~ /skip-e2e/', true],
    ['$CI_COMMIT_REF_NAME =~ /^feature\\/login/i', true],
    ['$UNDEFINED =~ /^$/', true],
    ['$UNDEFINED =~ /.+/', false],
    ['$UNDEFINED !~ /.+/', true],
    // Patterns held in variables (GitLab ≥ 15.0).
    ['$CI_COMMIT_REF_NAME =~ $PATTERN', true],
    ['$CI_COMMIT_REF_NAME =~ $PATTERN_I', true],
    ['$CI_COMMIT_REF_NAME !~ $PATTERN', false],
    ['$TAG =~ $UNDEFINED', false],
    ['$TAG !~ $UNDEFINED', true],
    // A non-pattern string on the right: Ruby String#scan, i.e. "right contains left".
    ['$CI_COMMIT_REF_NAME =~ $PLAIN_PATTERN', true],
    ['"Login" =~ $PLAIN_PATTERN', true],
    ['$PLAIN_PATTERN =~ "Login"', false],
    // RE2 rejects the pattern in the variable, so GitLab compares it as a plain string.
    ['"(?=x)" =~ $BAD_RE2_PATTERN', true],
    ['"x" =~ $BAD_RE2_PATTERN', true],
    ['"y" =~ $BAD_RE2_PATTERN', false],
    // Conjunction, disjunction, parentheses, precedence (&& before ||).
    ['$VARIABLE == "some value" && $CI_PIPELINE_SOURCE == "push"', true],
    ['$VARIABLE == "some value" && $CI_PIPELINE_SOURCE == "web"', false],
    ['$VARIABLE == "nope" || $CI_PIPELINE_SOURCE == "push"', true],
    ['$CI_PIPELINE_SOURCE == "push" || $UNDEFINED && $ALSO_UNDEFINED', true],
    ['($CI_PIPELINE_SOURCE == "push" || $UNDEFINED) && $ALSO_UNDEFINED', false],
    ['$UNDEFINED && $X || $VARIABLE', true],
    ['($CONTENT =~ /^content/ || $UNDEFINED == "x") && $CI_COMMIT_BRANCH', true],
    ['((($VARIABLE)))', true],
    // GitLab's Ruby-value semantics inside && / || (gitlab-org/gitlab#321371, #358775).
    ['$EMPTY && $CI_COMMIT_BRANCH == "main"', true],
    ['$EMPTY || $VARIABLE', false],
    ['$UNDEFINED || $VARIABLE', true],
    ['$VARIABLE && $EMPTY', false],
    // Booleans (current GitLab lexer).
    ['true', true],
    ['false || $VARIABLE', true],
    ['$VARIABLE == true', false],
    ['/ab/', true],
    // Unicode: RE2 matches code points.
    ['$UNICODE =~ /^.{6}$/', true],
    ['$UNICODE =~ /^ŻÓŁW/i', true],
  ])('%s → %s', (source, expected) => {
    expect(evaluate(source)).toBe(expected);
  });

  it('accepts a parsed tree as well as source text', () => {
    const parsed = parseExpression('$CI_COMMIT_BRANCH == "main"');
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(evaluateExpression(parsed.ast, lookup)).toEqual({ ok: true, value: true });
  });

  it('parses && tighter than ||', () => {
    const parsed = parseExpression('$A || $B && $C');
    expect(parsed.ok && parsed.ast.kind === 'binary' && parsed.ast.operator).toBe('||');
  });
});

describe('parseExpression errors', () => {
  it.each<[string, number, RegExp]>([
    ['', 1, /empty/],
    ['$A ==', 6, /ends where a value was expected/],
    ['== $A', 1, /expected a value before ==/],
    ['$A $B', 4, /expected an operator/],
    ['($A == "x"', 1, /missing \)/],
    ['$A == "x")', 10, /unmatched \)/],
    ['${A} == "x"', 1, /\$\{NAME\}/],
    ['$A = "x"', 4, /unknown operator/],
    ['!$A', 1, /no ! operator/],
    ['$A == "x', 7, /unterminated string/],
    ['$A =~ /a/', 7, /invalid regular expression literal/],
    ['$A & $B', 4, /unknown operator/],
    ['$A =~ /(a)\\1/', 11, /backreference \\1/],
    ['$A =~ /x(?=y)/', 9, /lookahead/],
    ['$A =~ /(?<=y)x/', 8, /lookbehind/],
    ['$A =~ /(?<!y)x/', 8, /negative lookbehind/],
    ['$A =~ /(?>ab)/', 8, /atomic group/],
    ['$A =~ /a++/', 10, /possessive/],
    ['$A =~ /a{1001}/', 9, /bad repetition/],
    ['$A =~ /[b-a]/', 10, /invalid character class range/],
    ['$A =~ /(ab/', 8, /missing closing \)/],
    ['$A =~ /[[:foo:]]/', 9, /POSIX class/],
    ['$A =~ /\\Zab/', 8, /\\Z/],
  ])('%j → column %i', (source, column, message) => {
    const result = parseExpression(source);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toMatch(message);
      expect(result.error.column).toBe(column);
      expect(result.error.phase).toBe('parse');
    }
  });

  it('rejects the 100th token like GitLab', () => {
    const ok = Array.from({ length: 33 }, (_, i) => `$V${i}`).join(' && '); // 65 tokens
    expect(parseExpression(ok).ok).toBe(true);
    const tooMany = Array.from({ length: 50 }, (_, i) => `$V${i}`).join(' && '); // 99 tokens
    expect(parseExpression(tooMany).ok).toBe(true);
    const hundred = `(${tooMany}`; // 100 tokens
    const result = parseExpression(hundred);
    expect(result.ok || result.error.message).toMatch(/too many tokens/);
  });
});

describe('never throws', () => {
  const alphabet = fc.constantFrom(
    ...'$ABC_x1 "\'/\\()[]{}|&=!~*+?.^-:<>#iUms0\n\t'.split(''),
    '==',
    '=~',
    '&&',
    '||',
    'null',
    '(?',
    '\\p{',
    '[[:',
    '🐢',
  );
  const expression = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''));

  it('parses and evaluates arbitrary strings without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), expression),
        fc.string(),
        (source, value) => {
          const parsed = parseExpression(source);
          expect(typeof parsed.ok).toBe('boolean');
          const result = evaluateExpression(source, () => value);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.error.column).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('evaluates arbitrary pattern values held in variables without throwing', () => {
    fc.assert(
      fc.property(expression, fc.string(), (pattern, text) => {
        const result = evaluateExpression('$T =~ $P', (n) => (n === 'P' ? `/${pattern}/` : text));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
