import type { PullPolicy } from '../../protocol/job-spec.js';
import type { ImageSpec, ServiceSpec } from '../model.js';
import {
  describeType,
  getKey,
  isYamlMap,
  type YamlMap,
  type YamlValue,
} from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectMap,
  expectString,
  opt,
  strictStringList,
  stringList,
  type KeywordContext,
} from './keyword-context.js';

const PULL_POLICIES: readonly PullPolicy[] = ['always', 'if-not-present', 'never'];
const IMAGE_KEYS = ['name', 'entrypoint', 'pull_policy', 'docker', 'ports', 'kubernetes'];
const SERVICE_KEYS = [...IMAGE_KEYS, 'alias', 'command', 'variables'];

function pullPolicy(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): PullPolicy[] | undefined {
  const list = stringList(value, ctx, rel);
  if (list === undefined) return undefined;
  const bad = list.filter((item) => !PULL_POLICIES.some((policy) => policy === item));
  if (bad.length > 0) {
    ctx.error(rel, `pull_policy should be always, if-not-present or never (got ${bad.join(', ')})`);
    return undefined;
  }
  return list.filter((item): item is PullPolicy => PULL_POLICIES.some((policy) => policy === item));
}

function dockerOptions(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): ImageSpec['docker'] {
  if (value === undefined || value === null) return undefined;
  const map = expectMap(value, ctx, rel);
  if (map === undefined || !checkKeys(map, ['user', 'platform'], ctx, rel)) return undefined;
  const user = getKey(map, 'user');
  const platform = expectString(getKey(map, 'platform'), ctx, [...rel, 'platform']);
  const userText =
    typeof user === 'number' ? String(user) : expectString(user, ctx, [...rel, 'user']);
  return { ...opt('user', userText), ...opt('platform', platform) };
}

function imageFields(
  map: YamlMap,
  ctx: KeywordContext,
  rel: string[],
  what: string,
): ImageSpec | undefined {
  const name = getKey(map, 'name');
  if (typeof name !== 'string' || name === '') {
    ctx.error([...rel, 'name'], `${what} config should have a name (the image name)`);
    return undefined;
  }
  if (getKey(map, 'kubernetes') !== undefined)
    ctx.warn([...rel, 'kubernetes'], `${what}:kubernetes is ignored by the docker executor`);
  if (getKey(map, 'ports') !== undefined)
    ctx.warn([...rel, 'ports'], `${what}:ports is ignored by the docker executor`);
  const entrypoint = strictStringList(getKey(map, 'entrypoint'), ctx, [...rel, 'entrypoint']);
  return {
    name,
    ...opt('entrypoint', entrypoint),
    ...opt('pullPolicy', pullPolicy(getKey(map, 'pull_policy'), ctx, [...rel, 'pull_policy'])),
    ...opt('docker', dockerOptions(getKey(map, 'docker'), ctx, [...rel, 'docker'])),
  };
}

/** `image`: a name, or a hash with name, entrypoint, pull_policy and docker:{user, platform}. */
export function normaliseImage(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): ImageSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : { name: value };
  if (!isYamlMap(value)) {
    ctx.error(rel, `image config should be a string or a hash, not ${describeType(value)}`);
    return undefined;
  }
  if (!checkKeys(value, IMAGE_KEYS, ctx, rel)) return undefined;
  return imageFields(value, ctx, rel, 'image');
}

/** `services`: names or hashes; `alias` may hold several aliases separated by commas. */
export function normaliseServices(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): ServiceSpec[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    ctx.error(
      rel,
      `services config should be an array of strings or hashes, not ${describeType(value)}`,
    );
    return undefined;
  }
  const out: ServiceSpec[] = [];
  value.forEach((item, i) => {
    const itemRel = [...rel, String(i)];
    if (typeof item === 'string') {
      out.push({ name: item, variables: [] });
      return;
    }
    if (!isYamlMap(item)) {
      ctx.error(itemRel, `service config should be a string or a hash, not ${describeType(item)}`);
      return;
    }
    if (!checkKeys(item, SERVICE_KEYS, ctx, itemRel)) return;
    const image = imageFields(item, ctx, itemRel, 'service');
    if (image === undefined) return;
    const alias = expectString(getKey(item, 'alias'), ctx, [...itemRel, 'alias']);
    const command = strictStringList(getKey(item, 'command'), ctx, [...itemRel, 'command']);
    out.push({
      ...image,
      ...opt('alias', alias),
      ...opt('command', command),
      variables: serviceVariables(getKey(item, 'variables'), ctx, [...itemRel, 'variables']),
    });
  });
  return out;
}

function serviceVariables(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): { key: string; value: string }[] {
  if (value === undefined || value === null) return [];
  const map = expectMap(value, ctx, rel);
  if (map === undefined) return [];
  const out: { key: string; value: string }[] = [];
  for (const [key, item] of Object.entries(map)) {
    if (typeof item === 'string' || typeof item === 'number')
      out.push({ key, value: String(item) });
    else ctx.error([...rel, key], `service variable ${key} should be a string or a number`);
  }
  return out;
}
