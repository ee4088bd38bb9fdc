import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import type { JobVariable } from '../protocol/job-spec.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function entry(file: string, key: string, value: unknown): JobVariable {
  const base = { key, public: false, masked: false, file: false, raw: false };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { ...base, value: String(value) };
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const spec = value as Record<string, unknown>;
    const text = spec['value'];
    if (typeof text !== 'string' && typeof text !== 'number') {
      throw new UsageError(`${file}: ${key} needs a value`, {
        hint: `${key}: { value: "…", type: file }`,
      });
    }
    const type = spec['type'] ?? 'env_var';
    if (type !== 'env_var' && type !== 'file') {
      throw new UsageError(`${file}: ${key} has type ${JSON.stringify(type)}`, {
        hint: 'type is env_var (the default) or file',
      });
    }
    return {
      ...base,
      value: String(text),
      file: type === 'file',
      masked: spec['masked'] === true,
      raw: spec['expand'] === false,
    };
  }
  throw new UsageError(`${file}: ${key} must be a string or { value, type, masked, expand }`);
}

/**
 * A variables file for `dockhand exec`, standing in for project CI/CD variables: a YAML mapping
 * of `KEY: value`, or `KEY: { value, type: file, masked: true, expand: false }` (GitLab's
 * variable types: a `file` variable holds the path of a file with the value).
 */
export function parseVariablesFile(file: string, text: string): JobVariable[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${file} must be a mapping of variable names to values`, {
      hint: 'DEPLOY_ENV: staging',
    });
  }
  return Object.entries(data as Record<string, unknown>).map(([key, value]) => {
    if (!KEY.test(key)) throw new UsageError(`${file}: "${key}" is not a variable name`);
    return entry(file, key, value);
  });
}
