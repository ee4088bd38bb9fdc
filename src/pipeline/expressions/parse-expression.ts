import type { ComparisonOperator, ExpressionNode, ParseResult } from './ast.js';
import { type Token, tokenize } from './lexer.js';
import { compileSlashPattern, splitSlashPattern } from './slash-pattern.js';

/**
 * Parses a GitLab CI/CD variable expression. Precedence follows GitLab (gitlabhq
 * `lexeme/*.rb`): comparisons (`==` `!=` `=~` `!~`) bind tightest, then `&&`, then `||`; all
 * are left-associative, and parentheses group.
 *
 * GitLab parses with a shunting-yard pass that does not check operand positions, so it also
 * accepts oddities such as `== $A $B`. This recursive-descent parser rejects those with a
 * position instead; every expression written in infix form means the same in both.
 *
 * Regex literals are translated from RE2 here, so an unsupported pattern is a parse error,
 * as it is in GitLab. Never throws.
 */
export function parseExpression(source: string): ParseResult {
  try {
    const lexed = tokenize(source);
    if (!lexed.ok) return { ok: false, error: { ...lexed.error, phase: 'parse' } };
    if (lexed.tokens.length === 0) {
      return fail(
        'the expression is empty',
        1,
        'write a condition such as $CI_COMMIT_BRANCH == "main"',
      );
    }
    return new Parser(lexed.tokens, source.length).parse();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(`internal error while parsing the expression: ${detail}`, 1);
  }
}

function fail(message: string, column: number, hint?: string): ParseResult {
  return {
    ok: false,
    error:
      hint === undefined
        ? { message, column, phase: 'parse' }
        : { message, column, hint, phase: 'parse' },
  };
}

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '=~', '!~']);

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly sourceLength: number,
  ) {}

  parse(): ParseResult {
    try {
      const ast = this.or();
      const extra = this.tokens[this.index];
      if (extra !== undefined) {
        throw new ParseFailure(
          extra.type === ')'
            ? 'unmatched )'
            : `expected an operator (==, !=, =~, !~, && or ||) before ${describe(extra)}`,
          extra.column,
        );
      }
      return { ok: true, ast };
    } catch (error) {
      if (error instanceof ParseFailure) return fail(error.message, error.column, error.hint);
      throw error;
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private isOperator(op: string): boolean {
    const t = this.peek();
    return t?.type === 'operator' && t.operator === op;
  }

  private or(): ExpressionNode {
    let left = this.and();
    while (this.isOperator('||')) {
      const column = this.peek()!.column;
      this.index++;
      left = { kind: 'binary', operator: '||', left, right: this.and(), column };
    }
    return left;
  }

  private and(): ExpressionNode {
    let left = this.comparison();
    while (this.isOperator('&&')) {
      const column = this.peek()!.column;
      this.index++;
      left = { kind: 'binary', operator: '&&', left, right: this.comparison(), column };
    }
    return left;
  }

  private comparison(): ExpressionNode {
    let left = this.primary();
    for (
      let t = this.peek();
      t?.type === 'operator' && COMPARISONS.has(t.operator);
      t = this.peek()
    ) {
      this.index++;
      const operator = t.operator as ComparisonOperator;
      left = { kind: 'binary', operator, left, right: this.primary(), column: t.column };
    }
    return left;
  }

  private primary(): ExpressionNode {
    const t = this.peek();
    if (t === undefined) {
      throw new ParseFailure(
        'the expression ends where a value was expected',
        this.sourceLength + 1,
      );
    }
    this.index++;
    switch (t.type) {
      case '(': {
        const inner = this.or();
        const close = this.peek();
        if (close?.type !== ')') {
          throw new ParseFailure('missing ) for the ( opened here', t.column);
        }
        this.index++;
        return inner;
      }
      case ')':
        throw new ParseFailure('expected a value before )', t.column);
      case 'operator':
        throw new ParseFailure(`expected a value before ${t.operator}`, t.column);
      case 'variable':
        return { kind: 'variable', name: t.name, column: t.column };
      case 'string':
        return { kind: 'string', value: t.value, column: t.column };
      case 'null':
        return { kind: 'null', column: t.column };
      case 'boolean':
        return { kind: 'boolean', value: t.value, column: t.column };
      case 'regex':
        return regexNode(t.text, t.column);
    }
  }
}

function regexNode(text: string, column: number): ExpressionNode {
  const split = splitSlashPattern(text);
  if (split === undefined) throw new ParseFailure('invalid regular expression literal', column);
  const compiled = compileSlashPattern(split);
  if (!compiled.ok) {
    throw new ParseFailure(
      `invalid regular expression ${text}: ${compiled.error.message}`,
      column + 1 + compiled.error.offset,
      compiled.error.re2Rejects
        ? 'GitLab evaluates patterns with RE2 (https://github.com/google/re2/wiki/Syntax)'
        : 'RE2 accepts this, but dockhand cannot evaluate it faithfully; rewrite the pattern',
    );
  }
  return { kind: 'regex', pattern: split.body, flags: split.flags, column };
}

function describe(t: Token): string {
  switch (t.type) {
    case '(':
    case ')':
      return t.type;
    case 'operator':
      return t.operator;
    case 'variable':
      return `$${t.name}`;
    case 'string':
      return JSON.stringify(t.value);
    case 'regex':
      return t.text;
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
  }
}
