import { globalSection } from './schema/global.js';
import type { DefaultValue, KeyDecl, SectionDecl } from './schema/types.js';

const KIND_NAMES: Readonly<Record<KeyDecl['kind'], string>> = {
  string: 'string',
  integer: 'integer',
  float: 'float',
  boolean: 'boolean',
  datetime: 'date-time',
  'string-list': 'list of strings',
  'string-or-list': 'string or list',
  seconds: 'integer (seconds)',
  'go-duration': 'duration ("15m")',
  size: 'size ("512m")',
  'string-map': 'table of strings',
  'bool-map': 'table of booleans',
  'string-list-map': 'table of string lists',
  table: 'table',
};

function renderDefault(value: DefaultValue): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : `\`${JSON.stringify(value)}\``;
  return typeof value === 'string' ? `\`${JSON.stringify(value)}\`` : `\`${String(value)}\``;
}

/** Markdown table cells cannot hold a raw `|`. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function status(key: KeyDecl): string {
  if (key.dockhandOnly === true) return 'yes (dockhand key)';
  if (key.ignored !== undefined) return 'ignored (deprecated)';
  return key.honoured ? 'yes' : 'not yet';
}

function keyCells(key: KeyDecl): string[] {
  const fallback =
    key.defaultText ?? (key.default === undefined ? '–' : renderDefault(key.default));
  const values = key.values?.filter((v) => v !== '');
  const meaning =
    values === undefined ? key.description : `${key.description} Values: ${values.join(', ')}.`;
  return [`\`${key.name}\``, KIND_NAMES[key.kind], fallback, meaning, status(key)].map(cell);
}

const width = (text: string): number => [...text].length;

/** A Markdown table with padded columns, as prettier writes it, so format checks pass. */
function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)];
}

function renderSection(section: SectionDecl, out: string[]): void {
  out.push(`## \`${section.header}\``, '', section.description, '');
  if (section.keys.length > 0) {
    const header = ['key', 'type', 'default', 'meaning', 'honoured'];
    out.push(...table(header, section.keys.map(keyCells)), '');
  }
  for (const child of section.children) renderSection(child.section, out);
}

const INTRO = [
  '# dockhand configuration (config.toml)',
  '',
  '<!-- Generated from src/config/schema by renderConfigDocs(); run `npm run docs:config`. Do not edit. -->',
  '',
  "dockhand reads GitLab Runner's `config.toml` unchanged. Every key below is recognised;",
  'a key dockhand does not act on yet ("not yet") gives a warning saying so, and an unknown key',
  'gives a warning with the closest known key. `dockhand config check [--config FILE] [--strict]`',
  'prints what dockhand understood and every problem with its line and column.',
  '',
  'Without `--config`, dockhand looks for the file in this order: `$CONFIG_FILE`,',
  '`~/.dockhand/config.toml` (not as root), `/etc/dockhand/config.toml`, `./config.toml`, then',
  "GitLab Runner's own place: `/etc/gitlab-runner/config.toml` as root,",
  '`~/.gitlab-runner/config.toml` otherwise.',
  '',
  'dockhand differs from GitLab Runner in these places:',
  '',
  '- `tag_list` and `run_untagged` in `[[runners]]` are dockhand keys: GitLab keeps tags on the',
  '  server, dockhand needs them for local runs. `dockhand register --tag-list` writes them.',
  '- When `allowed_images` is non-empty and `disable_entrypoint_overwrite` is not set, dockhand',
  '  takes it as `true`, so a job cannot replace the entrypoint of an allowed image.',
  '- `OffPeak*` keys are accepted and ignored, as GitLab Runner has done since 14.0.',
  '- Executors other than shell, docker and docker+machine are recognised; their runners are',
  '  skipped with a warning.',
  '',
];

/** docs/configuration.md, generated from the schema so it cannot drift from what is parsed. */
export function renderConfigDocs(): string {
  const out = [...INTRO];
  renderSection(globalSection, out);
  return `${out.join('\n').trimEnd()}\n`;
}
