import { didYouMean } from './suggest.js';
import type { KeyPath } from './problems.js';
import type { Reporter } from './reporter.js';
import type { ChildDecl, KeyDecl, SectionDecl } from './schema/types.js';
import type { TomlSource } from './toml-source.js';
import { checkKind, describeValue, isTable } from './value-kinds.js';

/** A section after its keys were matched against the schema and their types checked. */
export interface CheckedSection {
  readonly decl: SectionDecl;
  readonly path: KeyPath;
  /** Declared key name → checked value (only keys present and of the right type). */
  readonly values: ReadonlyMap<string, unknown>;
  /** Declared names (keys and sub-sections) written in the file, valid or not. */
  readonly written: ReadonlySet<string>;
  /** Child name → its section (or sections, for `[[...]]`). */
  readonly children: ReadonlyMap<string, CheckedSection | readonly CheckedSection[]>;
}

const SECRET_KEYS = new Set([
  'token',
  'SecretKey',
  'AccessKey',
  'SessionToken',
  'PrivateKey',
  'AccountKey',
  'sentry_dsn',
]);

const DOCS = 'docs/configuration.md';

type Match =
  | { readonly kind: 'key'; readonly decl: KeyDecl }
  | { readonly kind: 'child'; readonly decl: ChildDecl };

function exactMatch(section: SectionDecl, name: string): Match | undefined {
  const key = section.keys.find((k) => k.name === name);
  if (key !== undefined) return { kind: 'key', decl: key };
  const child = section.children.find((c) => c.name === name);
  return child === undefined ? undefined : { kind: 'child', decl: child };
}

function caseInsensitiveMatch(section: SectionDecl, name: string): Match | undefined {
  const lower = name.toLowerCase();
  const key = section.keys.find((k) => k.name.toLowerCase() === lower);
  if (key !== undefined) return { kind: 'key', decl: key };
  const child = section.children.find((c) => c.name.toLowerCase() === lower);
  return child === undefined ? undefined : { kind: 'child', decl: child };
}

function sectionNames(section: SectionDecl): string[] {
  return [...section.keys.map((k) => k.name), ...section.children.map((c) => c.name)];
}

class Walker {
  constructor(
    private readonly source: TomlSource,
    private readonly report: Reporter,
  ) {}

  section(decl: SectionDecl, raw: Record<string, unknown>, path: KeyPath): CheckedSection {
    const values = new Map<string, unknown>();
    const written = new Set<string>();
    const children = new Map<string, CheckedSection | readonly CheckedSection[]>();
    for (const [name, value] of Object.entries(raw)) {
      const match = this.match(decl, name, path);
      if (match === undefined) continue;
      const keyPath = [...path, name];
      written.add(match.decl.name);
      if (match.kind === 'key') {
        const checked = this.key(match.decl, value, keyPath);
        if (checked.ok) values.set(match.decl.name, checked.value);
      } else {
        const child = this.child(match.decl, value, keyPath);
        if (child !== undefined) children.set(match.decl.name, child);
      }
    }
    return { decl, path, values, written, children };
  }

  private match(decl: SectionDecl, name: string, path: KeyPath): Match | undefined {
    const exact = exactMatch(decl, name);
    if (exact !== undefined) return exact;
    const keyPath = [...path, name];
    const loose = caseInsensitiveMatch(decl, name);
    if (loose !== undefined) {
      // GitLab Runner's TOML decoder matches keys case-insensitively, so files like this work
      // there; accept them, and point at the canonical spelling.
      this.report.warning({
        code: 'key-case',
        path: keyPath,
        message: `"${name}" is spelled "${loose.decl.name}" in GitLab Runner's documentation`,
        hint: `write ${loose.decl.name}; keys are matched case-insensitively, but the documented spelling is clearer`,
      });
      return loose;
    }
    const suggestion = didYouMean(name, sectionNames(decl));
    this.report.warning({
      code: 'unknown-key',
      path: keyPath,
      message: `unknown key "${name}" in ${decl.header}`,
      hint:
        suggestion === undefined
          ? `remove it, or see ${DOCS} for the keys of ${decl.header}`
          : `did you mean "${suggestion}"?`,
    });
    return undefined;
  }

  private key(decl: KeyDecl, value: unknown, path: KeyPath): { ok: boolean; value?: unknown } {
    const written = this.source.kind(path);
    const checked = checkKind(decl.kind, decl.name, value, written, decl.default);
    if (!checked.ok) {
      const got = describeValue(value, written, SECRET_KEYS.has(decl.name));
      this.report.error({
        code: 'wrong-type',
        path,
        message: `expected ${checked.expected}, got ${got}`,
        hint: checked.hint,
      });
      return { ok: false };
    }
    if (checked.warning !== undefined) this.report.warning({ ...checked.warning, path });
    if (!this.inValues(decl, checked.value, path)) return { ok: false };
    this.notHonoured(decl, path);
    return { ok: true, value: checked.value };
  }

  /** Checks a closed set of values; for lists, each item (pointing at the item). */
  private inValues(decl: KeyDecl, value: unknown, path: KeyPath): boolean {
    const allowed = decl.values;
    if (allowed === undefined) return true;
    const items = Array.isArray(value) ? value : [value];
    let good = true;
    items.forEach((item, i) => {
      if (typeof item !== 'string' || allowed.includes(item)) return;
      good = false;
      const suggestion = didYouMean(
        item,
        allowed.filter((v) => v !== ''),
      );
      const list = decl.valuesHint ?? `one of: ${allowed.filter((v) => v !== '').join(', ')}`;
      const itemPath =
        Array.isArray(value) && this.source.kind(path) === 'array' ? [...path, i] : path;
      this.report.error({
        code: 'unknown-value',
        path: itemPath,
        message: `unknown ${decl.name} "${item}"`,
        hint: suggestion === undefined ? list : `did you mean "${suggestion}"? ${list}`,
      });
    });
    return good;
  }

  private notHonoured(decl: KeyDecl, path: KeyPath): void {
    if (decl.honoured) return;
    if (decl.ignored !== undefined) {
      this.report.warning({
        code: 'ignored-key',
        path,
        message: `${decl.name} is accepted and ignored, as GitLab Runner ≥ 14 does`,
        hint: decl.ignored,
      });
      return;
    }
    this.report.warning({
      code: 'not-honoured',
      path,
      message: 'recognised but not honoured by dockhand yet',
      hint: `dockhand reads the file but does not act on ${decl.name}; see ${DOCS}`,
    });
  }

  private child(
    decl: ChildDecl,
    value: unknown,
    path: KeyPath,
  ): CheckedSection | CheckedSection[] | undefined {
    const header = decl.section.header;
    if (decl.array) {
      if (Array.isArray(value) && value.every(isTable)) {
        return value.map((item, i) => this.section(decl.section, item, [...path, i]));
      }
      this.report.error({
        code: 'wrong-type',
        path,
        message: `expected an array of tables ${header}`,
        hint: `write ${header} with double brackets, once per entry`,
      });
      return undefined;
    }
    if (isTable(value)) return this.section(decl.section, value, path);
    this.report.error({
      code: 'wrong-type',
      path,
      message: `expected a table ${header}`,
      hint: Array.isArray(value)
        ? `write ${header} with single brackets: there is only one`
        : `write the keys under a ${header} header`,
    });
    return undefined;
  }
}

/** Matches the document against the schema, reporting unknown keys, wrong types, unhonoured keys. */
export function walkConfig(
  root: SectionDecl,
  source: TomlSource,
  report: Reporter,
): CheckedSection {
  return new Walker(source, report).section(root, source.root, []);
}
