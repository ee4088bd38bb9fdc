import { posix } from 'node:path';
import type { JobVariable } from '../../protocol/job-spec.js';

/**
 * `$VAR` / `${VAR}` expansion exactly as GitLab Runner does it: Go's `os.Expand` (Go ≥ 1.11)
 * driven by the runner's lookup (`common/spec/variables.go`, `Variables.ExpandValue` / `Get`):
 * - `$NAME`: NAME is the longest run of ASCII `[A-Za-z0-9_]`.
 * - `${…}`: everything up to the first `}` is the name (spaces included); `${}` is dropped;
 *   an unterminated `${` is dropped and the rest is kept.
 * - `$` followed by one of the shell specials `* # $ @ ! ? - 0…9` is a one-character name
 *   (`$12` is `$1` then `2`). The runner maps `$$` to `$`, and `* # @ ! ? 0…9` to "".
 * - `$` before any other character, or at the very end, stays a literal `$`.
 * - Unknown names expand to "".
 * Expansion is a single pass: the expanded text is not scanned again.
 */
export function expandVariables(
  text: string,
  lookup: (name: string) => string | undefined,
): string {
  if (!text.includes('$')) return text;
  let out = '';
  let copiedUpTo = 0;
  for (let j = 0; j < text.length; j++) {
    if (text.charAt(j) !== '$' || j + 1 >= text.length) continue;
    out += text.slice(copiedUpTo, j);
    const { name, width } = shellName(text, j + 1);
    if (name === '' && width > 0) {
      // Bad syntax (`${}` or an unterminated `${`): Go drops those characters.
    } else if (name === '') {
      out += '$';
    } else {
      out += runnerValue(name, lookup);
    }
    j += width;
    copiedUpTo = j + 1;
  }
  return out + text.slice(copiedUpTo);
}

const SHELL_SPECIALS = new Set(['*', '#', '$', '@', '!', '?', '-', ...'0123456789']);
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Go's `getShellName`: the name that starts at `start` and how many characters it used. */
function shellName(s: string, start: number): { name: string; width: number } {
  const first = s.charAt(start);
  if (first === '{') {
    if (SHELL_SPECIALS.has(s.charAt(start + 1)) && s.charAt(start + 2) === '}') {
      return { name: s.charAt(start + 1), width: 3 };
    }
    const close = s.indexOf('}', start + 1);
    if (close < 0) return { name: '', width: 1 };
    if (close === start + 1) return { name: '', width: 2 };
    return { name: s.slice(start + 1, close), width: close - start + 1 };
  }
  if (SHELL_SPECIALS.has(first)) return { name: first, width: 1 };
  let end = start;
  while (end < s.length && NAME_CHAR.test(s.charAt(end))) end++;
  return { name: s.slice(start, end), width: end - start };
}

/** The runner's `Variables.Get`: `$$` is a literal `$`; positional/special shell names are "". */
function runnerValue(name: string, lookup: (name: string) => string | undefined): string {
  if (name === '$') return '$';
  if (name.length === 1 && '*#@!?0123456789'.includes(name)) return '';
  return lookup(name) ?? '';
}

export interface ExpandAllOptions {
  /**
   * Where a file-type variable's content lives: references to it expand to this path (GitLab
   * ≥ 15.7). Default, as the runner: `$RUNNER_TEMP_PROJECT_DIR/<KEY>`.
   */
  readonly fileVariablePath?: (key: string, variables: readonly JobVariable[]) => string;
}

/** The last entry with this key (later entries win, as in the runner), or undefined. */
export function lastVariable(
  variables: readonly JobVariable[],
  key: string,
): JobVariable | undefined {
  for (let i = variables.length - 1; i >= 0; i--) {
    const v = variables[i]!;
    if (v.key === key) return v;
  }
  return undefined;
}

const defaultFilePath = (key: string, variables: readonly JobVariable[]): string =>
  posix.join(lastVariable(variables, 'RUNNER_TEMP_PROJECT_DIR')?.value ?? '', key);

/**
 * Expands every non-`raw` value against the same list (runner `Variables.Expand`). One level
 * only: each value is expanded against the *unexpanded* values of the others, so `A: $B`,
 * `B: $C` gives A the text `$C`, and self- or mutual references cannot loop.
 *
 * Use this for the places the runner expands (image names, services, cache keys, artifact
 * paths); job scripts receive the unexpanded values and their shell expands them.
 */
export function expandAll(
  variables: readonly JobVariable[],
  options: ExpandAllOptions = {},
): JobVariable[] {
  const filePath = options.fileVariablePath ?? defaultFilePath;
  const lookup = (key: string): string | undefined => {
    const v = lastVariable(variables, key);
    if (v === undefined) return undefined;
    return v.file ? filePath(v.key, variables) : v.value;
  };
  return variables.map((v) => (v.raw ? v : { ...v, value: expandVariables(v.value, lookup) }));
}
