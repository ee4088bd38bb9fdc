import type { PipelineProblem } from './errors.js';
import { deepMerge } from './deep-merge.js';
import { hasWildcard, includeGlobToRegExp } from './glob.js';
import { loadYaml } from './yaml/load-yaml.js';
import type { PositionTable } from './yaml/position-table.js';
import { getKey, isYamlMap, setKey, type YamlMap, type YamlValue } from './yaml/yaml-value.js';

/**
 * How the pure parser reaches other files of the repository. Paths are relative to the
 * repository root, `/`-separated, without a leading slash. The CLI implements it with node:fs;
 * tests and the coordinator with a map (mapIncludeResolver).
 */
export interface IncludeResolver {
  /** The file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /** Every file of the repository, to expand wildcards in `include:local`. */
  listFiles(): readonly string[];
}

export function mapIncludeResolver(
  files: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): IncludeResolver {
  const entries: [string, string][] =
    files instanceof Map
      ? [...(files as ReadonlyMap<string, string>)]
      : Object.entries(files as Readonly<Record<string, string>>);
  const normal = new Map(entries.map(([path, text]) => [path.replace(/^\/+/, ''), text]));
  return {
    readFile: (path) => normal.get(path.replace(/^\/+/, '')),
    listFiles: () => [...normal.keys()].sort(),
  };
}

export interface LoadedSource {
  readonly file: string;
  readonly value: YamlMap;
  readonly positions: PositionTable;
}

export interface IncludeResult {
  readonly config: YamlMap;
  /** Position tables, highest merge priority first. */
  readonly tables: PositionTable[];
  readonly files: string[];
}

/** GitLab's limits (Config::External::Context). */
const MAX_INCLUDES = 150;
const MAX_DEPTH = 100;

const UNSUPPORTED: Readonly<Record<string, string>> = {
  remote: 'include:remote',
  template: 'include:template',
  project: 'include:project',
  component: 'include:component',
  artifact: 'include:artifact',
};

interface State {
  readonly resolver: IncludeResolver | undefined;
  readonly seen: Set<string>;
  readonly files: string[];
  readonly errors: PipelineProblem[];
  readonly warnings: PipelineProblem[];
  count: number;
}

/**
 * Expands `include` the way GitLab's Config::External::Processor does: each included file is
 * expanded (its own includes first), the files are deep-merged in order, later over earlier, and
 * the including file is merged last, so its keys win.
 */
export function expandIncludes(
  main: LoadedSource,
  resolver: IncludeResolver | undefined,
  errors: PipelineProblem[],
  warnings: PipelineProblem[],
): IncludeResult {
  const state: State = {
    resolver,
    seen: new Set([normalise(main.file)]),
    files: [main.file],
    errors,
    warnings,
    count: 0,
  };
  const result = expandFile(main, state, 0);
  return { ...result, files: state.files };
}

function normalise(path: string): string {
  return path.replace(/^\.?\/+/, '');
}

function expandFile(
  source: LoadedSource,
  state: State,
  depth: number,
): Omit<IncludeResult, 'files'> {
  const include = getKey(source.value, 'include');
  const own: YamlMap = {};
  for (const [key, value] of Object.entries(source.value))
    if (key !== 'include') setKey(own, key, value);
  if (include === undefined || include === null) return { config: own, tables: [source.positions] };

  const entries = Array.isArray(include) ? include : [include];
  let merged: YamlMap = {};
  const childTables: PositionTable[][] = [];
  entries.forEach((entry, index) => {
    const path = Array.isArray(include) ? ['include', String(index)] : ['include'];
    for (const target of localTargets(entry, path, source, state)) {
      const loaded = loadLocal(target, path, source, state);
      if (loaded === undefined) continue;
      if (depth + 1 > MAX_DEPTH) {
        report(state, source, path, `nested includes are limited to ${MAX_DEPTH} levels`);
        continue;
      }
      const expanded = expandFile(loaded, state, depth + 1);
      merged = deepMerge(merged, expanded.config);
      childTables.push(expanded.tables);
    }
  });
  return {
    config: deepMerge(merged, own),
    tables: [source.positions, ...childTables.reverse().flat()],
  };
}

function report(
  state: State,
  source: LoadedSource,
  path: readonly string[],
  message: string,
  hint?: string,
): void {
  const at = source.positions.closest(path)?.position ?? { line: 1, column: 1 };
  state.errors.push({
    file: source.file,
    line: at.line,
    column: at.column,
    keyPath: path.join(':'),
    message,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The `local` path of an entry, or undefined after reporting why there is none. */
function localPath(
  entry: YamlValue,
  path: string[],
  source: LoadedSource,
  state: State,
): YamlValue | undefined {
  if (typeof entry === 'string') {
    if (!/^https?:\/\//.test(entry)) return entry;
    const hint = 'copy the file into the repository and use include:local';
    report(state, source, path, `include:remote is not supported yet (${entry})`, hint);
    return undefined;
  }
  if (!isYamlMap(entry)) return null;
  const kind = Object.keys(UNSUPPORTED).find((key) => getKey(entry, key) !== undefined);
  if (kind !== undefined) {
    const hint = 'dockhand reads include:local files only; copy the file into the repository';
    report(state, source, path, `${UNSUPPORTED[kind] ?? kind} is not supported yet`, hint);
    return undefined;
  }
  const blocked = (['rules', 'inputs'] as const).find((key) => getKey(entry, key) !== undefined);
  if (blocked !== undefined) {
    report(state, source, [...path, blocked], `include:${blocked} is not supported yet`);
    return undefined;
  }
  const unknown = Object.keys(entry).filter((key) => key !== 'local');
  if (unknown.length > 0) {
    report(state, source, path, `include config contains unknown keys: ${unknown.join(', ')}`);
    return undefined;
  }
  return getKey(entry, 'local') ?? null;
}

/** The repository paths an include entry names; errors for the kinds we do not support yet. */
function localTargets(
  entry: YamlValue,
  path: string[],
  source: LoadedSource,
  state: State,
): string[] {
  const local = localPath(entry, path, source, state);
  if (local === undefined) return [];
  if (typeof local !== 'string' || local === '') {
    report(
      state,
      source,
      path,
      'include config should be a string, a hash with `local`, or an array of them',
    );
    return [];
  }
  if (!hasWildcard(local)) return [normalise(local)];
  const pattern = includeGlobToRegExp(local);
  const matches = (state.resolver?.listFiles() ?? []).filter((file) =>
    pattern.test(normalise(file)),
  );
  if (matches.length === 0)
    report(
      state,
      source,
      path,
      `Local file \`${local}\` does not exist!`,
      'no file matches this wildcard',
    );
  return matches.map(normalise).sort();
}

function loadLocal(
  target: string,
  path: string[],
  source: LoadedSource,
  state: State,
): LoadedSource | undefined {
  if (!/\.ya?ml$/.test(target)) {
    report(state, source, path, `Included file \`${target}\` does not have YAML extension!`);
    return undefined;
  }
  // GitLab ignores a file included twice rather than merging it again (no cycles either).
  if (state.seen.has(target)) return undefined;
  state.seen.add(target);
  state.count++;
  if (state.count > MAX_INCLUDES) {
    report(state, source, path, `Maximum of ${MAX_INCLUDES} nested includes are allowed!`);
    return undefined;
  }
  const text = state.resolver?.readFile(target);
  if (text === undefined) {
    report(state, source, path, `Local file \`${target}\` does not exist!`);
    return undefined;
  }
  state.files.push(target);
  const loaded = loadYaml(target, text);
  state.errors.push(...loaded.errors);
  state.warnings.push(...loaded.warnings);
  if (loaded.errors.length > 0) return undefined;
  if (loaded.value === undefined || loaded.value === null) {
    report(state, source, path, `Local file \`${target}\` is empty!`);
    return undefined;
  }
  if (!isYamlMap(loaded.value)) {
    state.errors.push({
      file: target,
      line: 1,
      column: 1,
      keyPath: '',
      message: `Included file \`${target}\` does not have valid YAML syntax: it should be a hash of keys`,
    });
    return undefined;
  }
  return { file: target, value: loaded.value, positions: loaded.positions };
}
