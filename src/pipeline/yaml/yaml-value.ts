/**
 * The plain value tree the pipeline code works on: what YAML gives after anchors, aliases and
 * merge keys are resolved. `!reference` tags stay as ReferenceTag until extends are applied,
 * because GitLab resolves them against the extended configuration.
 */
export type YamlValue = null | boolean | number | string | YamlValue[] | YamlMap | ReferenceTag;

export interface YamlMap {
  [key: string]: YamlValue;
}

export class ReferenceTag {
  constructor(readonly path: readonly string[]) {}
}

export function isYamlMap(value: unknown): value is YamlMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof ReferenceTag)
  );
}

/** Sets a key without ever touching the prototype, even for a key named `__proto__`. */
export function setKey(map: YamlMap, key: string, value: YamlValue): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getKey(map: YamlMap, key: string): YamlValue | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

export function hasKey(map: YamlMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

/** How a value is named in messages: GitLab says "should be a string", so we name types. */
export function describeType(value: YamlValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof ReferenceTag) return 'a !reference tag';
  if (isYamlMap(value)) return 'a hash';
  return `a ${typeof value}`;
}
