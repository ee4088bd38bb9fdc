import type { ArtifactWhen } from '../../protocol/job-spec.js';
import type { ArtifactsSpec } from '../model.js';
import { getKey, isYamlMap, type YamlValue } from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectBoolean,
  expectMap,
  expectString,
  oneOf,
  opt,
  stringList,
  strictStringList,
  type KeywordContext,
} from './keyword-context.js';
import { parseDuration } from './duration.js';

export const ARTIFACT_WHEN: readonly ArtifactWhen[] = ['on_success', 'on_failure', 'always'];
const KEYS = [
  'name',
  'paths',
  'exclude',
  'untracked',
  'when',
  'expire_in',
  'expose_as',
  'public',
  'access',
  'reports',
];

function reports(value: YamlValue | undefined, ctx: KeywordContext): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  const map = expectMap(value, ctx, ['artifacts', 'reports']);
  if (map === undefined) return {};
  const out: Record<string, string[]> = {};
  for (const [type, item] of Object.entries(map)) {
    // coverage_report is a hash {coverage_format, path}: keep its path.
    const paths = isYamlMap(item)
      ? stringList(getKey(item, 'path'), ctx, ['artifacts', 'reports', type, 'path'])
      : stringList(item, ctx, ['artifacts', 'reports', type]);
    if (paths !== undefined) Object.defineProperty(out, type, { value: paths, enumerable: true });
  }
  return out;
}

/** `artifacts`: paths, exclude, untracked, when, expire_in, name, expose_as, public, reports. */
export function normaliseArtifacts(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): ArtifactsSpec | undefined {
  if (value === undefined || value === null) return undefined;
  const map = expectMap(value, ctx, rel);
  if (map === undefined || !checkKeys(map, KEYS, ctx, rel)) return undefined;
  const expireIn = expectString(getKey(map, 'expire_in'), ctx, [...rel, 'expire_in']);
  // GitLab compares "never" without regard to case.
  const never = expireIn?.toLowerCase() === 'never';
  if (expireIn !== undefined && !never && parseDuration(expireIn) === undefined) {
    ctx.error(
      [...rel, 'expire_in'],
      `artifacts:expire_in should be a duration such as "1 week" or "never" (got "${expireIn}")`,
    );
  }
  const access = oneOf(getKey(map, 'access'), ['all', 'developer', 'none'], ctx, [
    ...rel,
    'access',
  ]);
  const isPublic = expectBoolean(getKey(map, 'public'), ctx, [...rel, 'public']);
  return {
    ...opt('name', expectString(getKey(map, 'name'), ctx, [...rel, 'name'])),
    paths: strictStringList(getKey(map, 'paths'), ctx, [...rel, 'paths']) ?? [],
    exclude: strictStringList(getKey(map, 'exclude'), ctx, [...rel, 'exclude']) ?? [],
    untracked: expectBoolean(getKey(map, 'untracked'), ctx, [...rel, 'untracked']) ?? false,
    when: oneOf(getKey(map, 'when'), ARTIFACT_WHEN, ctx, [...rel, 'when']) ?? 'on_success',
    ...opt('expireIn', expireIn),
    ...opt('exposeAs', expectString(getKey(map, 'expose_as'), ctx, [...rel, 'expose_as'])),
    ...opt('public', isPublic ?? (access === undefined ? undefined : access === 'all')),
    reports: reports(getKey(map, 'reports'), ctx),
  };
}
