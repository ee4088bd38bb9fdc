import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../core/errors.js';
import { yamlErrorOffset } from '../pipeline/yaml/yaml-error-offset.js';
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = lines.linePos(yamlErrorOffset(text, error.pos[0], error.message));
    throw new UsageError(
      `${file}:${String(at.line)}:${String(at.col)}: invalid YAML: ${error.message.split('\n')[0] ?? ''}`,
      { hint: 'the file is a YAML mapping: KEY: value, or KEY: { value: "…", type: file }' },
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${file} must be a mapping of variable names to values`, {
      hint: 'DEPLOY_ENV: staging',
    });
  }
  // `file:line:col` of each key, for errors about its entry.
  const where = new Map<string, string>();
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null) {
        const at = lines.linePos(pair.key.range[0]);
        where.set(String(pair.key.value), `${file}:${String(at.line)}:${String(at.col)}`);
      }
    }
  }
  return Object.entries(data as Record<string, unknown>).map(([key, value]) => {
    const at = where.get(key) ?? file;
    if (!KEY.test(key)) throw new UsageError(`${at}: "${key}" is not a variable name`);
    return entry(at, key, value);
  });
}
