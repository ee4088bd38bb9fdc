import type { VariableSpec } from '../model.js';
import { describeType, getKey, isYamlMap, type YamlValue } from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectBoolean,
  expectString,
  opt,
  type KeywordContext,
} from './keyword-context.js';

function scalarText(value: YamlValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  // GitLab turns numbers into strings (YAML `1.10` becomes "1.1", as in GitLab).
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * `variables` at the top level (`topLevel`: value, description, expand, options) or in a job or
 * rule (value, expand). Keys keep their file order.
 */
export function normaliseVariables(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
  topLevel: boolean,
): VariableSpec[] {
  if (value === undefined || value === null) return [];
  if (!isYamlMap(value)) {
    ctx.error(
      rel,
      `${ctx.name(rel)} config should be a hash of key value pairs, not ${describeType(value)}`,
    );
    return [];
  }
  const out: VariableSpec[] = [];
  for (const [key, item] of Object.entries(value)) {
    const spec = variable(key, item, ctx, [...rel, key], topLevel);
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

function variable(
  key: string,
  item: YamlValue,
  ctx: KeywordContext,
  rel: string[],
  topLevel: boolean,
): VariableSpec | undefined {
  const plain = scalarText(item);
  if (plain !== undefined) return { key, value: plain, expand: true };
  if (item === null) return { key, value: '', expand: true };
  if (!isYamlMap(item)) {
    ctx.error(
      rel,
      `variable ${key} should be a string, a number or a hash with value, not ${describeType(item)}`,
    );
    return undefined;
  }
  const allowed = topLevel ? ['value', 'description', 'expand', 'options'] : ['value', 'expand'];
  if (!checkKeys(item, allowed, ctx, rel)) return undefined;
  const rawValue = getKey(item, 'value');
  const text = rawValue === undefined || rawValue === null ? '' : scalarText(rawValue);
  if (text === undefined) {
    ctx.error([...rel, 'value'], `variable ${key} value should be a string or a number`);
    return undefined;
  }
  const description = expectString(getKey(item, 'description'), ctx, [...rel, 'description']);
  const expand = expectBoolean(getKey(item, 'expand'), ctx, [...rel, 'expand']) ?? true;
  const options = variableOptions(key, text, getKey(item, 'options'), ctx, rel);
  return {
    key,
    value: text,
    expand,
    ...opt('description', description),
    ...opt('options', options),
  };
}

function variableOptions(
  key: string,
  text: string,
  rawOptions: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): string[] | undefined {
  if (rawOptions === undefined || rawOptions === null) return undefined;
  const list = Array.isArray(rawOptions) ? rawOptions.map(scalarText) : [];
  if (list.length === 0 || list.some((entry) => entry === undefined)) {
    ctx.error([...rel, 'options'], `variable ${key} options should be an array of strings`);
    return undefined;
  }
  const options = list.filter((entry): entry is string => entry !== undefined);
  if (!options.includes(text)) {
    ctx.error(
      [...rel, 'value'],
      `variable ${key} value should be one of its options (${options.join(', ')})`,
    );
  }
  return options;
}
