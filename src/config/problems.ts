/**
 * Problems found in a config.toml. Parsing never throws on user input: every problem is a value
 * with a key path and a position, so `config check`, `exec` and `run` can all print the same text.
 */
export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: Severity;
  /** Stable identifier, e.g. `unknown-key`, `wrong-type`, `bad-volume`. */
  readonly code: string;
  /** The file name as the caller passed it to parseConfig. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Where in the configuration, e.g. `runners[0].docker.volumes[1]`; empty for the whole file. */
  readonly keyPath: string;
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

/** `file:line:column: keyPath: message`, then the hint on an indented second line. */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const head =
    problem.keyPath === ''
      ? `${where}: ${problem.message}`
      : `${where}: ${problem.keyPath}: ${problem.message}`;
  return problem.hint === '' ? head : `${head}\n  hint: ${problem.hint}`;
}

/** Path segments: table keys are strings, array positions numbers. */
export type KeyPath = readonly (string | number)[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** `runners[0].docker.volumes[1]`; keys that TOML would quote are quoted. */
export function renderKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (BARE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
