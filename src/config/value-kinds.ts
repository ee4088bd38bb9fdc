import type { DefaultValue, ValueKind } from './schema/types.js';
import type { ScalarKind } from './toml-source.js';

/** How a value was written in the file, when the parser knows it. */
export type Written = ScalarKind | 'array' | 'table' | undefined;

export type KindCheck =
  | { readonly ok: true; readonly value: unknown; readonly warning?: KindNote }
  | { readonly ok: false; readonly expected: string; readonly hint: string };

export interface KindNote {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
}

const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string ("1h30m", "15m0s", "0"), or undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(GO_DURATION_PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return text.startsWith('-') ? -total : total;
}

const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const SIZE_FACTOR: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Bytes of a Docker size string ("512m", "2g", "1.5GiB"), as Docker's RAMInBytes reads it. */
export function parseDockerSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const factor = SIZE_FACTOR[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.floor(Number(match[1]) * factor);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const WRITTEN_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  float: 'a float',
  boolean: 'a boolean',
  datetime: 'a date-time',
  array: 'a list',
  table: 'a table',
};

function writtenOf(value: unknown, written: Written): string {
  if (written !== undefined) return written;
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  if (isTable(value)) return 'table';
  return typeof value;
}

/** `a string ("4")`; the text of secrets is never shown. */
export function describeValue(value: unknown, written: Written, secret: boolean): string {
  const kind = writtenOf(value, written);
  const name = WRITTEN_NAMES[kind] ?? 'a value';
  if (kind === 'array' || kind === 'table' || kind === 'datetime') return name;
  if (typeof value === 'string') {
    return secret || value.length > 60 ? name : `${name} (${JSON.stringify(value)})`;
  }
  return `${name} (${String(value)})`;
}

const EXPECTED: Readonly<Record<ValueKind, string>> = {
  string: 'a string',
  integer: 'an integer',
  float: 'a number',
  boolean: 'true or false',
  datetime: 'a date-time or a string',
  'string-list': 'a list of strings',
  'string-or-list': 'a string or a list of strings',
  seconds: 'an integer number of seconds',
  'go-duration': 'a duration such as "15m"',
  size: 'a size such as "512m"',
  'string-map': 'a table of strings',
  'bool-map': 'a table of true/false values',
  'string-list-map': 'a table of string lists',
  table: 'a table',
};

const SAMPLE: Readonly<Record<ValueKind, string>> = {
  string: '"value"',
  integer: '4',
  float: '1.5',
  boolean: 'true',
  datetime: '2024-01-01T00:00:00Z',
  'string-list': '["value"]',
  'string-or-list': '["value"]',
  seconds: '30',
  'go-duration': '"15m"',
  size: '"512m"',
  'string-map': '{ key = "value" }',
  'bool-map': '{ FF_NAME = true }',
  'string-list-map': '{ key = ["value"] }',
  table: '{ }',
};

function renderDefault(value: DefaultValue): string {
  return Array.isArray(value) || typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** What to suggest writing: the user's own value unquoted when that fits, else a sample. */
const UNQUOTED: Partial<Record<ValueKind, RegExp>> = {
  integer: /^-?\d+$/,
  seconds: /^-?\d+$/,
  float: /^-?\d+(\.\d+)?$/,
};

/** What to suggest writing: the user's own value unquoted when that fits, else a sample. */
function sampleFor(kind: ValueKind, value: unknown, fallback: DefaultValue | undefined): string {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (UNQUOTED[kind]?.test(trimmed) === true) return trimmed;
    if (kind === 'string-list' || kind === 'string-or-list') return JSON.stringify([value]);
  }
  if (kind === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return JSON.stringify(String(value));
  }
  const emptyList = Array.isArray(fallback) && fallback.length === 0;
  return fallback !== undefined && !emptyList ? renderDefault(fallback) : SAMPLE[kind];
}

function fail(kind: ValueKind, name: string, value: unknown, fallback?: DefaultValue): KindCheck {
  const sample = sampleFor(kind, value, fallback);
  let hint = `write ${name} = ${sample}`;
  if (kind === 'boolean') hint = `write ${name} = true or ${name} = false, without quotes`;
  else if (typeof value === 'string' && sample === value.trim()) hint += ' (without quotes)';
  return { ok: false, expected: EXPECTED[kind], hint };
}

const ok = (value: unknown): KindCheck => ({ ok: true, value });

type Checker = (
  name: string,
  value: unknown,
  written: Written,
  fallback?: DefaultValue,
) => KindCheck;

function checkDuration(name: string, value: unknown, written: Written): KindCheck {
  if (written === 'integer') return ok(Number(value) / 1e6); // Go reads an integer as nanoseconds.
  if (typeof value !== 'string') return fail('go-duration', name, value);
  const ms = parseGoDuration(value);
  if (ms === undefined) {
    return {
      ok: false,
      expected: 'a Go duration',
      hint: `write a number with a unit (ns, us, ms, s, m, h), e.g. ${name} = "1h30m"`,
    };
  }
  return ok(ms);
}

function mapChecker(kind: ValueKind, item: (value: unknown) => boolean): Checker {
  return (name, value) =>
    isTable(value) && Object.values(value).every(item) ? ok(value) : fail(kind, name, value);
}

function simple(kind: ValueKind, accepts: (value: unknown, written: Written) => boolean): Checker {
  return (name, value, written, fallback) =>
    accepts(value, written) ? ok(value) : fail(kind, name, value, fallback);
}

const isInteger = (value: unknown, written: Written): boolean =>
  written === 'integer' || (written === undefined && Number.isInteger(value));

function checkFloat(name: string, value: unknown, written: Written, fallback?: DefaultValue) {
  if (written !== 'integer') {
    return typeof value === 'number' ? ok(value) : fail('float', name, value, fallback);
  }
  return {
    ok: true,
    value,
    warning: {
      code: 'integer-for-float',
      message: `${name} is written as an integer`,
      hint: `GitLab Runner rejects an integer here; write ${name} = ${String(value)}.0`,
    },
  } satisfies KindCheck;
}

function checkSize(name: string, value: unknown): KindCheck {
  if (typeof value !== 'string') return fail('size', name, value);
  return parseDockerSize(value) === undefined
    ? { ok: false, expected: 'a size such as "512m"', hint: `write ${name} = "512m" (b, k, m, g)` }
    : ok(value);
}

const CHECKERS: Readonly<Record<ValueKind, Checker>> = {
  string: simple('string', (v) => typeof v === 'string'),
  integer: simple('integer', isInteger),
  seconds: simple('seconds', isInteger),
  float: checkFloat,
  boolean: simple('boolean', (v) => typeof v === 'boolean'),
  datetime: simple('datetime', (v) => v instanceof Date || typeof v === 'string'),
  'string-list': simple('string-list', isStringList),
  'string-or-list': (name, value, _written, fallback) => {
    if (typeof value === 'string') return ok([value]);
    return isStringList(value) ? ok(value) : fail('string-or-list', name, value, fallback);
  },
  'go-duration': checkDuration,
  size: checkSize,
  'string-map': mapChecker('string-map', (v) => typeof v === 'string'),
  'bool-map': mapChecker('bool-map', (v) => typeof v === 'boolean'),
  'string-list-map': mapChecker('string-list-map', isStringList),
  table: simple('table', isTable),
};

/**
 * Checks a value against its declared kind and returns it in the shape the typed result uses
 * (string-or-list → list, go-duration → milliseconds). `fallback` is the key's default, used to
 * suggest what to write.
 */
export function checkKind(
  kind: ValueKind,
  name: string,
  value: unknown,
  written: Written,
  fallback?: DefaultValue,
): KindCheck {
  return CHECKERS[kind](name, value, written, fallback);
}

export { isTable };
