/**
 * GitLab's reading of an `artifacts:reports:dotenv` file (done by GitLab when the runner uploads
 * the report; its documented restrictions on top of the dotenv convention):
 *
 * - every line is `KEY=VALUE`, split at the first `=`; key and value lose surrounding whitespace;
 *   a line without `=` — an empty line or a `#` comment included — makes the report invalid;
 * - keys hold only ASCII letters, digits and `_` (at most 255 characters);
 * - no quote handling, no escapes, no multi-line values, no `$VAR` substitution in the file: the
 *   value is taken as written (the runner expands it later, like any non-raw variable);
 * - a key given twice keeps its last value;
 * - the report is smaller than 5 KiB and sets at most 20 variables (GitLab's defaults for its
 *   `dotenv_size` and `dotenv_variables` limits);
 * - a UTF-8 byte order mark at the start is dropped.
 */

export const DOTENV_MAX_BYTES = 5 * 1024;
export const DOTENV_MAX_VARIABLES = 20;
const KEY = /^[A-Za-z0-9_]{1,255}$/;

export interface DotenvVariable {
  readonly key: string;
  readonly value: string;
}

export interface DotenvFile {
  /** Shown in errors: the path the job wrote, relative to the project directory. */
  readonly name: string;
  readonly text: string;
}

export type DotenvResult =
  | { readonly ok: true; readonly variables: readonly DotenvVariable[] }
  | { readonly ok: false; readonly error: string };

/** The lines of a file, without their line breaks (a last empty line after `\n` is no line). */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** One line → a variable, or what is wrong with it. */
function parseLine(line: string): DotenvVariable | string {
  const at = line.indexOf('=');
  if (at < 0) return 'not KEY=VALUE (empty lines and # comments are not allowed)';
  const key = line.slice(0, at).trim();
  if (!KEY.test(key)) {
    return `the key "${key}" may hold only letters, digits and "_" (1 to 255 characters)`;
  }
  return { key, value: line.slice(at + 1).trim() };
}

/**
 * Parses the files of one dotenv report (a report may list several paths; GitLab reads them as
 * one). Errors name the file and line.
 */
export function parseDotenvReport(files: readonly DotenvFile[]): DotenvResult {
  const encoder = new TextEncoder();
  const size = files.reduce((sum, f) => sum + encoder.encode(f.text).length, 0);
  if (size >= DOTENV_MAX_BYTES) {
    return {
      ok: false,
      error: `the dotenv report is too big (${size} bytes; it must be under ${DOTENV_MAX_BYTES})`,
    };
  }
  const variables = new Map<string, string>();
  for (const file of files) {
    const lines = linesOf(file.text.replace(/^\uFEFF/, ''));
    for (const [index, line] of lines.entries()) {
      const parsed = parseLine(line);
      if (typeof parsed === 'string') {
        return { ok: false, error: `${file.name}:${index + 1}: ${parsed}` };
      }
      variables.set(parsed.key, parsed.value);
    }
  }
  if (variables.size > DOTENV_MAX_VARIABLES) {
    return {
      ok: false,
      error: `dotenv reports cannot set more than ${DOTENV_MAX_VARIABLES} variables (this one sets ${variables.size})`,
    };
  }
  return { ok: true, variables: [...variables].map(([key, value]) => ({ key, value })) };
}
