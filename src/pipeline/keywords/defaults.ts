import type { ArtifactsSpec, CacheSpec, ImageSpec, RetrySpec, ServiceSpec } from '../model.js';
import { getKey, type YamlMap } from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectBoolean,
  strictStringList,
  type KeywordContext,
} from './keyword-context.js';
import { normaliseArtifacts } from './artifacts.js';
import { normaliseCache } from './cache.js';
import { normaliseImage, normaliseServices } from './image.js';
import { normaliseRetry, normaliseTimeout } from './job-options.js';
import { normaliseScript } from './script.js';

/** Keywords a job takes from `default` when it does not set them (and `inherit:default` allows). */
export const DEFAULT_KEYS = [
  'after_script',
  'artifacts',
  'before_script',
  'cache',
  'hooks',
  'id_tokens',
  'image',
  'interruptible',
  'retry',
  'services',
  'tags',
  'timeout',
] as const;

export type DefaultKey = (typeof DEFAULT_KEYS)[number];

/** Old top-level spellings of some `default` keywords; `default:` wins over them. */
export const LEGACY_GLOBAL_KEYS = [
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
] as const;

export interface JobDefaults {
  readonly image?: ImageSpec;
  readonly services?: readonly ServiceSpec[];
  readonly before_script?: readonly string[];
  readonly after_script?: readonly string[];
  readonly cache?: readonly CacheSpec[];
  readonly artifacts?: ArtifactsSpec;
  readonly interruptible?: boolean;
  readonly retry?: RetrySpec;
  readonly tags?: readonly string[];
  readonly timeout?: number;
}

/**
 * Normalises `default` (ctx based at [`default`]) or the legacy globals (ctx based at the root),
 * once, so a broken default is reported once and not for every job.
 */
export function normaliseDefaults(map: YamlMap, ctx: KeywordContext, legacy: boolean): JobDefaults {
  if (!legacy) {
    checkKeys(map, DEFAULT_KEYS, ctx, []);
    if (getKey(map, 'id_tokens') !== undefined)
      ctx.error(['id_tokens'], 'id_tokens is not supported yet');
    if (getKey(map, 'hooks') !== undefined)
      ctx.warn(['hooks'], 'hooks is not supported yet and is ignored');
  }
  const globals = legacyDefaults(map, ctx);
  return legacy ? globals : { ...globals, ...jobOnlyDefaults(map, ctx) };
}

type Mutable = { -readonly [K in keyof JobDefaults]: JobDefaults[K] };

function legacyDefaults(map: YamlMap, ctx: KeywordContext): JobDefaults {
  const out: Mutable = {};
  const image = normaliseImage(getKey(map, 'image'), ctx, ['image']);
  if (image !== undefined) out.image = image;
  const services = normaliseServices(getKey(map, 'services'), ctx, ['services']);
  if (services !== undefined) out.services = services;
  const before = normaliseScript(getKey(map, 'before_script'), ctx, 'before_script');
  if (before !== undefined) out.before_script = before;
  const after = normaliseScript(getKey(map, 'after_script'), ctx, 'after_script');
  if (after !== undefined) out.after_script = after;
  const cache = normaliseCache(getKey(map, 'cache'), ctx, ['cache']);
  if (cache !== undefined) out.cache = cache;
  return out;
}

function jobOnlyDefaults(map: YamlMap, ctx: KeywordContext): JobDefaults {
  const out: Mutable = {};
  const artifacts = normaliseArtifacts(getKey(map, 'artifacts'), ctx, ['artifacts']);
  if (artifacts !== undefined) out.artifacts = artifacts;
  const interruptible = expectBoolean(getKey(map, 'interruptible'), ctx, ['interruptible']);
  if (interruptible !== undefined) out.interruptible = interruptible;
  const retry = normaliseRetry(getKey(map, 'retry'), ctx);
  if (retry !== undefined) out.retry = retry;
  const tags = strictStringList(getKey(map, 'tags'), ctx, ['tags']);
  if (tags !== undefined) out.tags = tags;
  const timeout = normaliseTimeout(getKey(map, 'timeout'), ctx, ['timeout']);
  if (timeout !== undefined) out.timeout = timeout;
  return out;
}
