import type { CachePolicy } from '../../protocol/job-spec.js';
import type { CacheKey, CacheSpec } from '../model.js';
import {
  describeType,
  getKey,
  isYamlMap,
  type YamlMap,
  type YamlValue,
} from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectBoolean,
  expectString,
  oneOf,
  opt,
  strictStringList,
  stringOf,
  type KeywordContext,
} from './keyword-context.js';
import { ARTIFACT_WHEN } from './artifacts.js';

const POLICIES: readonly CachePolicy[] = ['pull', 'push', 'pull-push'];
const KEYS = ['key', 'paths', 'untracked', 'policy', 'when', 'fallback_keys', 'unprotect'];
/** GitLab's limits: 4 caches per job, 5 fallback keys, 2 key files. */
const MAX_CACHES = 4;
const MAX_FALLBACK_KEYS = 5;
const MAX_KEY_FILES = 2;

function badKey(key: string): string | undefined {
  if (key.includes('/') || /%2f/i.test(key))
    return 'cache:key config cannot contain the "/" character';
  if (key === '.' || key === '..' || /^(%2e|\.){1,2}$/i.test(key))
    return 'cache:key config cannot be "." or ".."';
  return undefined;
}

function cacheKey(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): CacheKey | undefined {
  if (value === undefined || value === null) return { kind: 'literal', value: 'default' };
  const text = stringOf(value);
  if (text !== undefined) {
    const problem = badKey(text);
    if (problem !== undefined) ctx.error(rel, problem);
    return { kind: 'literal', value: text };
  }
  if (!isYamlMap(value)) {
    ctx.error(
      rel,
      `cache:key config should be a string or a hash with files, not ${describeType(value)}`,
    );
    return undefined;
  }
  if (!checkKeys(value, ['files', 'prefix'], ctx, rel)) return undefined;
  const files = strictStringList(getKey(value, 'files'), ctx, [...rel, 'files']);
  if (files === undefined || files.length === 0 || files.length > MAX_KEY_FILES) {
    ctx.error([...rel, 'files'], `cache:key:files config should list 1 or ${MAX_KEY_FILES} files`);
    return undefined;
  }
  const prefix = expectString(getKey(value, 'prefix'), ctx, [...rel, 'prefix']);
  return { kind: 'files', files, ...opt('prefix', prefix) };
}

function one(map: YamlMap, ctx: KeywordContext, rel: string[]): CacheSpec | undefined {
  if (!checkKeys(map, KEYS, ctx, rel)) return undefined;
  const key = cacheKey(getKey(map, 'key'), ctx, [...rel, 'key']);
  const fallbackKeys =
    strictStringList(getKey(map, 'fallback_keys'), ctx, [...rel, 'fallback_keys']) ?? [];
  if (fallbackKeys.length > MAX_FALLBACK_KEYS)
    ctx.error(
      [...rel, 'fallback_keys'],
      `cache:fallback_keys config can have at most ${MAX_FALLBACK_KEYS} keys`,
    );
  if (key === undefined) return undefined;
  return {
    key,
    paths: strictStringList(getKey(map, 'paths'), ctx, [...rel, 'paths']) ?? [],
    untracked: expectBoolean(getKey(map, 'untracked'), ctx, [...rel, 'untracked']) ?? false,
    policy: oneOf(getKey(map, 'policy'), POLICIES, ctx, [...rel, 'policy']) ?? 'pull-push',
    when: oneOf(getKey(map, 'when'), ARTIFACT_WHEN, ctx, [...rel, 'when']) ?? 'on_success',
    fallbackKeys,
    unprotect: expectBoolean(getKey(map, 'unprotect'), ctx, [...rel, 'unprotect']) ?? false,
  };
}

/** `cache`: one hash or a list of up to 4. */
export function normaliseCache(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): CacheSpec[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_CACHES) {
    ctx.error(rel, `cache config can have at most ${MAX_CACHES} caches`);
    return undefined;
  }
  const out: CacheSpec[] = [];
  list.forEach((item, i) => {
    const itemRel = Array.isArray(value) ? [...rel, String(i)] : rel;
    if (!isYamlMap(item)) {
      ctx.error(
        itemRel,
        `cache config should be a hash or an array of hashes, not ${describeType(item)}`,
      );
      return;
    }
    const spec = one(item, ctx, itemRel);
    if (spec !== undefined) out.push(spec);
  });
  return out;
}
