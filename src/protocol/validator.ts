/**
 * Small hand-written validators for JSON that crosses the wire. Each returns
 * `{ok: true, value}` or `{ok: false, error: {path, message}}` and never throws. Unknown object
 * keys are dropped (GitLab adds fields over time; a runner must not choke on them). Messages
 * name the expected shape, never the value received: a value may be a token.
 */

export interface ValidationError {
  /** Where in the document, e.g. `steps[0].script[2]`; `` for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ValidationError };

export type Validator<T> = (value: unknown, path: string) => Validation<T>;

/** Marks an object key that may be absent (or null, which JSON producers use for "absent"). */
export interface OptionalValidator<T> extends Validator<T | undefined> {
  readonly optional: true;
}

export function valid<T>(value: T): Validation<T> {
  return { ok: true, value };
}

export function invalid(path: string, message: string): { ok: false; error: ValidationError } {
  return { ok: false, error: { path, message } };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export const string: Validator<string> = (value, path) =>
  typeof value === 'string'
    ? valid(value)
    : invalid(path, `expected a string, got ${kindOf(value)}`);

export const boolean: Validator<boolean> = (value, path) =>
  typeof value === 'boolean'
    ? valid(value)
    : invalid(path, `expected true or false, got ${kindOf(value)}`);

export function integer(min = Number.MIN_SAFE_INTEGER): Validator<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return invalid(path, `expected an integer, got ${kindOf(value)}`);
    }
    return value < min ? invalid(path, `expected an integer ≥ ${min}`) : valid(value);
  };
}

export const number: Validator<number> = (value, path) =>
  typeof value === 'number' && Number.isFinite(value)
    ? valid(value)
    : invalid(path, `expected a number, got ${kindOf(value)}`);

/** One of a closed set of strings. */
export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  return (value, path) =>
    typeof value === 'string' && (values as readonly string[]).includes(value)
      ? valid(value as T)
      : invalid(path, `expected one of ${values.join(', ')}`);
}

export function array<T>(item: Validator<T>): Validator<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return invalid(path, `expected an array, got ${kindOf(value)}`);
    const out: T[] = [];
    for (const [index, element] of (value as unknown[]).entries()) {
      const result = item(element, `${path}[${index}]`);
      if (!result.ok) return result;
      out.push(result.value);
    }
    return valid(out);
  };
}

/** A JSON object used as a map (`features`, `labels`). */
export function record<T>(item: Validator<T>): Validator<Record<string, T>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return invalid(path, `expected an object, got ${kindOf(value)}`);
    }
    const out: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const [key, element] of Object.entries(value)) {
      const result = item(element, join(path, key));
      if (!result.ok) return result;
      out[key] = result.value;
    }
    return valid(out);
  };
}

export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (value, path) => (value === null ? valid(null) : inner(value, path));
}

export function optional<T>(inner: Validator<T>): OptionalValidator<T> {
  const check = (value: unknown, path: string): Validation<T | undefined> =>
    value === undefined || value === null ? valid(undefined) : inner(value, path);
  return Object.assign(check, { optional: true as const });
}

/** Maps a valid value (e.g. a comma-separated list to an array). */
export function map<A, B>(inner: Validator<A>, f: (value: A) => B): Validator<B> {
  return (value, path) => {
    const result = inner(value, path);
    return result.ok ? valid(f(result.value)) : result;
  };
}

type Shape = Readonly<Record<string, Validator<unknown>>>;
type Infer<V> = V extends Validator<infer T> ? T : never;
type OptionalKeys<S> = {
  [K in keyof S]: S[K] extends OptionalValidator<unknown> ? K : never;
}[keyof S];
type RequiredKeys<S> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
};

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * An object with the keys of `shape`. Absent optional keys stay absent in the result (not
 * `undefined`), as exactOptionalPropertyTypes wants; other keys are dropped.
 */
export function object<S extends Shape>(shape: S): Validator<ObjectOf<S>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return invalid(path, `expected an object, got ${kindOf(value)}`);
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const present = Object.hasOwn(input, key);
      const isOptional = 'optional' in check;
      if (!present && !isOptional) return invalid(join(path, key), 'is required');
      const result = check(present ? input[key] : undefined, join(path, key));
      if (!result.ok) return result;
      if (result.value !== undefined) out[key] = result.value;
    }
    return valid(out as ObjectOf<S>);
  };
}

/** Formats an error for a 400 body or a log line: `steps[0].name: is required`. */
export function formatValidationError(error: ValidationError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}
