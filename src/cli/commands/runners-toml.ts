/**
 * Text edits of config.toml for register / unregister: a `[[runners]]` section is appended or cut
 * out, and every other byte of the file stays as the user wrote it (comments, order, spacing),
 * which a parse-and-reserialise round trip would not keep.
 */

export interface RunnerSectionInput {
  readonly name: string;
  readonly url: string;
  /** A secret: written to the file, never printed. */
  readonly token: string;
  readonly executor: string;
  readonly tagList: readonly string[];
  readonly runUntagged: boolean;
  readonly dockerImage?: string;
}

/** A TOML basic string. */
export function tomlString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

export function runnerSection(input: RunnerSectionInput): string {
  const lines = [
    '[[runners]]',
    `  name = ${tomlString(input.name)}`,
    `  url = ${tomlString(input.url)}`,
    `  token = ${tomlString(input.token)}`,
    `  executor = ${tomlString(input.executor)}`,
    `  tag_list = [${input.tagList.map(tomlString).join(', ')}]`,
    `  run_untagged = ${input.runUntagged}`,
  ];
  if (input.dockerImage !== undefined) {
    lines.push('  [runners.docker]', `    image = ${tomlString(input.dockerImage)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `text` with `section` appended after one blank line; the original bytes are a prefix. */
export function appendSection(text: string, section: string): string {
  if (text === '') return section;
  const ended = text.endsWith('\n') ? text : `${text}\n`;
  return `${ended}\n${section}`;
}

export interface SectionSpan {
  /** Line index of `[[runners]]`. */
  readonly start: number;
  /** Line index after the section. */
  readonly end: number;
  readonly name: string | undefined;
  readonly token: string | undefined;
}

const RUNNERS = /^\s*\[\[\s*runners\s*\]\]\s*(#.*)?$/;
const OTHER_TABLE = /^\s*\[\[?\s*(?!runners\.)[^\]]+\]\]?\s*(#.*)?$/;
const KEY = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`);

/** The `[[runners]]` sections of the file, with the first name and token in each. */
export function findRunnerSections(text: string): SectionSpan[] {
  const lines = text.split('\n');
  const spans: SectionSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!RUNNERS.test(lines[i] ?? '')) continue;
    let end = i + 1;
    while (
      end < lines.length &&
      !RUNNERS.test(lines[end] ?? '') &&
      !OTHER_TABLE.test(lines[end] ?? '')
    )
      end++;
    const body = lines.slice(i + 1, end);
    const first = (key: string) =>
      body.map((l) => KEY(key).exec(l)?.[1]).find((v) => v !== undefined);
    spans.push({ start: i, end, name: first('name'), token: first('token') });
  }
  return spans;
}

/** `text` without the lines of `span`; everything else byte for byte. */
export function removeSection(text: string, span: SectionSpan): string {
  const lines = text.split('\n');
  lines.splice(span.start, span.end - span.start);
  return lines.join('\n');
}
