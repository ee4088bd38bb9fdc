/**
 * The one place that reaches the CI expression language (src/pipeline/expressions, written
 * separately), so its API is adapted in one file.
 */
import { evaluateExpression, parseExpression } from './expressions/index.js';

export type ExpressionVariables = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export type ExpressionOutcome =
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly message: string; readonly column: number };

function lookupOf(variables: ExpressionVariables): (name: string) => string | undefined {
  if (variables instanceof Map) {
    const map = variables as ReadonlyMap<string, string>;
    return (name) => map.get(name);
  }
  const record = variables as Readonly<Record<string, string>>;
  return (name) => (Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined);
}

/** Syntax only: what `dockhand lint` reports. */
export function checkIfSyntax(source: string): ExpressionOutcome {
  const parsed = parseExpression(source);
  return parsed.ok
    ? { ok: true, value: true }
    : { ok: false, message: parsed.error.message, column: parsed.error.column };
}

/**
 * Evaluates `rules:if` / `only:variables`. An evaluation failure (say, a broken regex in a
 * variable) makes the condition false, as GitLab treats it, and is reported to the caller.
 */
export function evaluateIf(source: string, variables: ExpressionVariables): ExpressionOutcome {
  const result = evaluateExpression(source, lookupOf(variables));
  if (result.ok) return { ok: true, value: result.value };
  return { ok: false, message: result.error.message, column: result.error.column };
}
