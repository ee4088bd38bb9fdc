import type { PipelineProblem } from './errors.js';
import { deepMerge } from './deep-merge.js';
import { RESERVED_KEY_SET } from './reserved-keys.js';
import type { SourceIndex } from './source-index.js';
import {
  getKey,
  isYamlMap,
  ReferenceTag,
  setKey,
  type YamlMap,
  type YamlValue,
} from './yaml/yaml-value.js';

/** GitLab's Config::Extendable allows 11 levels of `extends`. */
const MAX_EXTENDS_DEPTH = 11;
/** GitLab resolves at most 10 nested `!reference` tags. */
const MAX_REFERENCE_DEPTH = 10;

interface ExtendsState {
  readonly config: YamlMap;
  readonly index: SourceIndex;
  readonly errors: PipelineProblem[];
  readonly done: Map<string, YamlMap>;
  readonly ancestors: Map<string, string[]>;
}

/**
 * Resolves `extends` on the merged configuration: parents are merged in order (a later parent
 * wins), then the job itself is deep-merged over them. Hashes merge, arrays are replaced.
 */
export function resolveExtends(
  config: YamlMap,
  index: SourceIndex,
  errors: PipelineProblem[],
): YamlMap {
  const state: ExtendsState = { config, index, errors, done: new Map(), ancestors: new Map() };
  const result: YamlMap = {};
  for (const [key, value] of Object.entries(config)) {
    const extended =
      isYamlMap(value) && getKey(value, 'extends') !== undefined
        ? resolveOne(key, [], state)
        : value;
    setKey(result, key, extended);
  }
  for (const [job, ancestors] of state.ancestors) index.setOrigins(job, ancestors);
  return result;
}

function parentsOf(key: string, value: YamlMap, state: ExtendsState): string[] | undefined {
  const raw = getKey(value, 'extends');
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === 'string')) {
    state.errors.push(
      state.index.problem([key, 'extends'], '`extends` should be a string or an array of strings', {
        job: key,
      }),
    );
    return undefined;
  }
  return list;
}

function withoutExtends(value: YamlMap): YamlMap {
  const copy: YamlMap = {};
  for (const [key, item] of Object.entries(value)) if (key !== 'extends') setKey(copy, key, item);
  return copy;
}

function resolveOne(key: string, stack: readonly string[], state: ExtendsState): YamlMap {
  const cached = state.done.get(key);
  if (cached !== undefined) return cached;
  const value = getKey(state.config, key);
  if (!isYamlMap(value)) return {};
  const fail = (message: string): YamlMap => {
    state.errors.push(
      state.index.problem([stack[0] ?? key, 'extends'], message, { job: stack[0] ?? key }),
    );
    state.done.set(key, withoutExtends(value));
    return withoutExtends(value);
  };
  if (stack.includes(key)) return fail('circular dependency detected in `extends`');
  if (stack.length >= MAX_EXTENDS_DEPTH) return fail('nesting too deep in `extends`');
  const parents = parentsOf(key, value, state);
  if (parents === undefined) return withoutExtends(value);
  const unknown = parents.filter((parent) => !isYamlMap(getKey(state.config, parent)));
  if (unknown.length > 0) {
    const missing = unknown.filter((parent) => getKey(state.config, parent) === undefined);
    return fail(
      missing.length > 0
        ? `unknown keys in \`extends\` (${missing.join(', ')})`
        : `invalid base hash in \`extends\` (${unknown.join(', ')})`,
    );
  }
  let base: YamlMap = {};
  for (const parent of parents) {
    base = deepMerge(base, resolveOne(parent, [...stack, key], state));
  }
  // Nearest first: the last parent listed wins the merge, so its positions are searched first.
  const ancestors: string[] = [];
  for (const parent of [...parents].reverse()) {
    ancestors.push(parent, ...(state.ancestors.get(parent) ?? []));
  }
  const result = deepMerge(base, withoutExtends(value));
  state.ancestors.set(key, ancestors);
  state.done.set(key, result);
  return result;
}

/** Replaces every `!reference [a, b, …]` by the value at that path of the extended config. */
export function resolveReferences(
  config: YamlMap,
  index: SourceIndex,
  errors: PipelineProblem[],
): YamlMap {
  const walk = (value: YamlValue, path: readonly string[], depth: number): YamlValue => {
    if (value instanceof ReferenceTag) {
      const label = `!reference [${value.path.map((part) => JSON.stringify(part)).join(', ')}]`;
      if (depth >= MAX_REFERENCE_DEPTH) {
        errors.push(
          index.problem(
            path,
            `${label}: too many nested references (${MAX_REFERENCE_DEPTH} at most)`,
            jobOf(path),
          ),
        );
        return null;
      }
      const target = lookup(config, value.path);
      if (target === undefined) {
        errors.push(index.problem(path, `${label} could not be found`, jobOf(path)));
        return null;
      }
      return walk(target, path, depth + 1);
    }
    if (Array.isArray(value))
      return value.map((item, i) => walk(item, [...path, String(i)], depth));
    if (isYamlMap(value)) {
      const copy: YamlMap = {};
      for (const [key, item] of Object.entries(value))
        setKey(copy, key, walk(item, [...path, key], depth));
      return copy;
    }
    return value;
  };
  const result = walk(config, [], 0);
  return isYamlMap(result) ? result : {};
}

function lookup(config: YamlMap, path: readonly string[]): YamlValue | undefined {
  let current: YamlValue | undefined = config;
  for (const part of path) {
    if (!isYamlMap(current)) return undefined;
    current = getKey(current, part);
  }
  return current;
}

function jobOf(path: readonly string[]): { job?: string } {
  const head = path[0];
  return head === undefined || RESERVED_KEY_SET.has(head) ? {} : { job: head };
}
