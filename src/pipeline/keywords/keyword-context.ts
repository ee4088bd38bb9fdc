import type { PipelineProblem } from '../errors.js';
import type { ProblemOptions, SourceIndex } from '../source-index.js';
import { describeType, isYamlMap, type YamlMap, type YamlValue } from '../yaml/yaml-value.js';

/** Where a keyword normaliser is working, and where its problems go. */
export class KeywordContext {
  constructor(
    private readonly index: SourceIndex,
    private readonly errors: PipelineProblem[],
    private readonly warnings: PipelineProblem[],
    /** Absolute key path of the value being read, e.g. [`build`] or [`default`]. */
    readonly base: readonly string[],
    readonly job?: string,
  ) {}

  private options(extra: ProblemOptions): ProblemOptions {
    return { ...(this.job === undefined ? {} : { job: this.job }), ...extra };
  }

  error(rel: readonly string[], message: string, extra: ProblemOptions = {}): void {
    this.errors.push(this.index.problem([...this.base, ...rel], message, this.options(extra)));
  }

  warn(rel: readonly string[], message: string, extra: ProblemOptions = {}): void {
    this.warnings.push(this.index.problem([...this.base, ...rel], message, this.options(extra)));
  }

  child(rel: readonly string[]): KeywordContext {
    return new KeywordContext(
      this.index,
      this.errors,
      this.warnings,
      [...this.base, ...rel],
      this.job,
    );
  }

  /** Name used in messages: `script`, `cache:key`. */
  name(rel: readonly string[]): string {
    return rel.filter((part) => !/^\d+$/.test(part)).join(':') || (this.base.at(-1) ?? 'config');
  }
}

export function stringOf(value: YamlValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A string or an array of strings (GitLab's `array_of_strings_or_string`). */
export function stringList(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string'))
    return value;
  ctx.error(
    rel,
    `${ctx.name(rel)} config should be a string or an array of strings, not ${describeType(value)}`,
  );
  return undefined;
}

export function strictStringList(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string'))
    return value;
  ctx.error(
    rel,
    `${ctx.name(rel)} config should be an array of strings, not ${describeType(value)}`,
  );
  return undefined;
}

export function expectMap(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
): YamlMap | undefined {
  if (isYamlMap(value)) return value;
  ctx.error(rel, `${ctx.name(rel)} config should be a hash, not ${describeType(value)}`);
  return undefined;
}

export function expectBoolean(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  ctx.error(rel, `${ctx.name(rel)} config should be a boolean value, not ${describeType(value)}`);
  return undefined;
}

export function expectString(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: readonly string[],
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  ctx.error(rel, `${ctx.name(rel)} config should be a string, not ${describeType(value)}`);
  return undefined;
}

/** Reports keys outside `allowed`; returns true when there were none. */
export function checkKeys(
  map: YamlMap,
  allowed: readonly string[],
  ctx: KeywordContext,
  rel: readonly string[],
): boolean {
  const unknown = Object.keys(map).filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return true;
  ctx.error(rel, `${ctx.name(rel)} config contains unknown keys: ${unknown.join(', ')}`);
  return false;
}

export function oneOf<T extends string>(
  value: YamlValue | undefined,
  allowed: readonly T[],
  ctx: KeywordContext,
  rel: readonly string[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = allowed.find((item) => item === value);
  if (found !== undefined) return found;
  ctx.error(rel, `${ctx.name(rel)} config should be one of: ${allowed.join(', ')}`);
  return undefined;
}

/** Spreads `{ key: value }` only when value is defined (exactOptionalPropertyTypes). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
