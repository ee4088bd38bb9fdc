/**
 * The syntax tree of a GitLab CI/CD variable expression (`rules:if`, `only:variables`,
 * `except:variables`). Plain data, so a parsed tree can be cached, compared and logged.
 * Columns are 1-based UTF-16 offsets into the source string.
 */

export type ComparisonOperator = '==' | '!=' | '=~' | '!~';
export type LogicalOperator = '&&' | '||';
export type BinaryOperator = ComparisonOperator | LogicalOperator;

export type ExpressionNode =
  | { readonly kind: 'variable'; readonly name: string; readonly column: number }
  | { readonly kind: 'string'; readonly value: string; readonly column: number }
  | { readonly kind: 'null'; readonly column: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly column: number }
  | {
      readonly kind: 'regex';
      /** The pattern between the slashes, with `\/` already turned into `/` (as GitLab does). */
      readonly pattern: string;
      /** Any of `i`, `m`, `s`, `U`. */
      readonly flags: string;
      readonly column: number;
    }
  | {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      /** Column of the operator. */
      readonly column: number;
    };

export interface ExpressionError {
  readonly message: string;
  /** 1-based column in the expression source. */
  readonly column: number;
  readonly hint?: string;
  /**
   * `parse`: GitLab rejects the pipeline configuration. `evaluate`: the expression is valid but
   * failed on these variable values (GitLab then treats the rule as not matching).
   */
  readonly phase: 'parse' | 'evaluate';
}

export type ParseResult =
  | { readonly ok: true; readonly ast: ExpressionNode }
  | { readonly ok: false; readonly error: ExpressionError };

export type EvaluateResult =
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly error: ExpressionError };

/** Looks a variable up by name; undefined means "not defined" (GitLab's `null`). */
export type VariableLookup = (name: string) => string | undefined;
