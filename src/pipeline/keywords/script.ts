import type { YamlValue } from '../yaml/yaml-value.js';
import type { KeywordContext } from './keyword-context.js';

/** GitLab flattens nested script arrays (from anchors and !reference) up to 10 levels. */
const MAX_NESTING = 10;

/**
 * `script`, `before_script`, `after_script`: a string or a nested array of strings. A multi-line
 * string stays one command, as GitLab sends it.
 */
export function normaliseScript(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  key: string,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const out: string[] = [];
  const walk = (item: YamlValue, depth: number): boolean => {
    if (typeof item === 'string') {
      out.push(item);
      return true;
    }
    if (Array.isArray(item) && depth < MAX_NESTING)
      return item.every((child) => walk(child, depth + 1));
    return false;
  };
  if (!walk(value, 0)) {
    ctx.error(
      [key],
      `${key} config should be a string or a nested array of strings up to 10 levels deep`,
    );
    return undefined;
  }
  return out;
}
