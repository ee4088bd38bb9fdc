import { getKey, isYamlMap, setKey, type YamlMap, type YamlValue } from './yaml/yaml-value.js';

/**
 * GitLab's merge for includes and extends (Ruby's Hash#deep_merge): hashes merge key by key,
 * anything else (arrays included) is replaced by the overriding side.
 */
export function deepMerge(base: YamlMap, override: YamlMap): YamlMap {
  const result: YamlMap = {};
  for (const [key, value] of Object.entries(base)) setKey(result, key, value);
  for (const [key, value] of Object.entries(override)) {
    const existing = getKey(result, key);
    setKey(
      result,
      key,
      isYamlMap(existing) && isYamlMap(value) ? deepMerge(existing, value) : value,
    );
  }
  return result;
}

export function cloneValue(value: YamlValue): YamlValue {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (isYamlMap(value)) {
    const copy: YamlMap = {};
    for (const [key, item] of Object.entries(value)) setKey(copy, key, cloneValue(item));
    return copy;
  }
  return value;
}
