export type {
  BinaryOperator,
  ComparisonOperator,
  EvaluateResult,
  ExpressionError,
  ExpressionNode,
  LogicalOperator,
  ParseResult,
  VariableLookup,
} from './ast.js';
export { evaluateExpression } from './evaluate-expression.js';
export { parseExpression } from './parse-expression.js';
export { type Re2TranslateError, type Re2TranslateResult, translateRe2 } from './re2-translate.js';
