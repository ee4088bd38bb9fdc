import type { EvaluateResult, ExpressionError, ExpressionNode, VariableLookup } from './ast.js';
import { parseExpression } from './parse-expression.js';
import { compileSlashPattern, splitSlashPattern } from './slash-pattern.js';

/**
 * Evaluates an expression with GitLab's semantics (gitlabhq `lexeme/*.rb`, `statement.rb`),
 * which are Ruby value semantics rather than plain booleans:
 * - A variable evaluates to its string, or `null` when undefined.
 * - `&&` / `||` return one of their operands, like Ruby: `nil` and `false` are falsy, but an
 *   empty string is truthy. So `$EMPTY` alone is false, yet `$EMPTY && $X == "a"` is decided by
 *   the comparison alone (gitlab-org/gitlab#321371, still GitLab's behaviour).
 * - The whole expression is true when its value is "present": not null/false, and not a string
 *   made only of whitespace (Rails `present?`), so a bare `$VAR` is true when set and non-blank.
 * - `=~` is an unanchored search. On the right, a regex literal, or a string (from a variable or
 *   a literal) that reads as `/pattern/flags`; any other string falls back to Ruby's
 *   `String#scan`, i.e. "the right-hand string contains the left-hand text". A null right side
 *   makes `=~` false and `!~` true; a null left side is matched as "".
 */
export function evaluateExpression(
  source: string | ExpressionNode,
  variables: VariableLookup,
): EvaluateResult {
  try {
    let ast: ExpressionNode;
    if (typeof source === 'string') {
      const parsed = parseExpression(source);
      if (!parsed.ok) return parsed;
      ast = parsed.ast;
    } else {
      ast = source;
    }
    return { ok: true, value: isPresent(evaluateNode(ast, variables)) };
  } catch (error) {
    if (error instanceof EvaluationFailure) return { ok: false, error: error.detail };
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: {
        message: `internal error while evaluating: ${detail}`,
        column: 1,
        phase: 'evaluate',
      },
    };
  }
}

/** A runtime value. Regexes stay regexes so that `$A =~ /x/` and `/x/` alone behave as GitLab. */
type Value = string | boolean | null | { readonly regex: RegExp; readonly source: string };

class EvaluationFailure extends Error {
  constructor(readonly detail: ExpressionError) {
    super(detail.message);
  }
}

function failAt(column: number, message: string, hint?: string): never {
  throw new EvaluationFailure(
    hint === undefined
      ? { message, column, phase: 'evaluate' }
      : { message, column, hint, phase: 'evaluate' },
  );
}

/** Ruby truthiness: only nil and false are falsy. */
const truthy = (v: Value): boolean => v !== null && v !== false;

/** Ruby's `[[:space:]]`, which Rails `String#blank?` uses. */
const BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

function isPresent(v: Value): boolean {
  if (v === null || v === false) return false;
  if (typeof v === 'string') return !BLANK.test(v);
  return true;
}

function evaluateNode(node: ExpressionNode, lookup: VariableLookup): Value {
  switch (node.kind) {
    case 'variable':
      return lookup(node.name) ?? null;
    case 'string':
      return node.value;
    case 'null':
      return null;
    case 'boolean':
      return node.value;
    case 'regex':
      return compileLiteral(node.pattern, node.flags, node.column);
    case 'binary': {
      const left = evaluateNode(node.left, lookup);
      switch (node.operator) {
        case '&&':
          return truthy(left) ? evaluateNode(node.right, lookup) : left;
        case '||':
          return truthy(left) ? left : evaluateNode(node.right, lookup);
        case '==':
          return equal(left, evaluateNode(node.right, lookup));
        case '!=':
          return !equal(left, evaluateNode(node.right, lookup));
        case '=~':
        case '!~': {
          const right = evaluateNode(node.right, lookup);
          // GitLab: a null (or false) pattern makes `=~` false and `!~` true.
          if (right === null || right === false) return node.operator === '!~';
          const found = matches(left, right, node.column);
          return node.operator === '=~' ? found : !found;
        }
      }
    }
  }
}

function compileLiteral(pattern: string, flags: string, column: number): Value {
  const compiled = compileSlashPattern({ body: pattern, flags });
  if (!compiled.ok) failAt(column, `invalid regular expression: ${compiled.error.message}`);
  return { regex: compiled.regex, source: pattern };
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'object' && a !== null) {
    return typeof b === 'object' && b !== null && a.source === b.source;
  }
  return a === b;
}

/** Whether `left =~ right` finds a match, as GitLab runs it (`lexeme/matches.rb`). */
function matches(left: Value, right: Exclude<Value, null | false>, column: number): boolean {
  if (typeof left === 'object' && left !== null) {
    failAt(column, 'the left side of a match must be a string, not a regular expression');
  }
  const text = left === null ? '' : String(left);
  if (typeof right === 'object') return right.regex.test(text);
  if (right === true) {
    failAt(column, 'the right side of a match must be a pattern or a string, not true');
  }
  const split = splitSlashPattern(right);
  if (split !== undefined) {
    const compiled = compileSlashPattern(split);
    if (compiled.ok) return compiled.regex.test(text);
    if (!compiled.error.re2Rejects) {
      failAt(
        column,
        `the pattern in this variable cannot be evaluated faithfully: ${compiled.error.message}`,
        'RE2 accepts this pattern but dockhand cannot reproduce it; rewrite the pattern',
      );
    }
    // RE2 rejects it, so GitLab keeps the value as a plain string: fall through.
  }
  // Ruby `String#scan(String)`: does the pattern string contain the text?
  return right.includes(text);
}
