import type { KeyPath } from './problems.js';
import type { SectionDecl } from './schema/types.js';
import type { CheckedSection } from './walk.js';

/**
 * Reads checked values of one section, falling back to the declared default, so each default
 * lives only in the schema. Asking for an undeclared key is a bug in dockhand and throws.
 */
export class SectionReader {
  constructor(
    readonly decl: SectionDecl,
    readonly checked: CheckedSection | undefined,
    readonly path: KeyPath,
  ) {}

  private raw(name: string): unknown {
    const decl = this.decl.keys.find((k) => k.name === name);
    if (decl === undefined)
      throw new Error(`config schema bug: ${this.decl.header} has no ${name}`);
    return this.checked?.values.get(name) ?? decl.default;
  }

  /** Set in the file (with a valid value). */
  has(name: string): boolean {
    this.raw(name);
    return this.checked?.values.has(name) ?? false;
  }

  /** Written in the file, valid or not. */
  written(name: string): boolean {
    return this.checked?.written.has(name) ?? false;
  }

  keyPath(name: string): KeyPath {
    return [...this.path, name];
  }

  str(name: string): string | undefined {
    const value = this.raw(name);
    return typeof value === 'string' ? value : undefined;
  }

  num(name: string): number {
    const value = this.raw(name);
    return typeof value === 'number' ? value : 0;
  }

  bool(name: string): boolean {
    return this.raw(name) === true;
  }

  list(name: string): string[] {
    const value = this.raw(name);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  table(name: string): Record<string, unknown> {
    const value = this.raw(name);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  }
}

/** The checked child section(s) named `name`, as a list. */
export function childSections(section: CheckedSection | undefined, name: string): CheckedSection[] {
  const child = section?.children.get(name);
  if (child === undefined) return [];
  return Array.isArray(child)
    ? [...(child as readonly CheckedSection[])]
    : [child as CheckedSection];
}
