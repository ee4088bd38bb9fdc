import type { SourcePosition } from '../errors.js';
import type { Job } from '../model.js';
import { getKey, type YamlMap } from '../yaml/yaml-value.js';
import { normaliseArtifacts } from './artifacts.js';
import { normaliseCache } from './cache.js';
import { DEFAULT_KEYS, type DefaultKey, type JobDefaults } from './defaults.js';
import { normaliseImage, normaliseServices } from './image.js';
import {
  JOB_WHEN,
  normaliseAllowFailure,
  normaliseEnvironment,
  normaliseInherit,
  normaliseRetry,
  normaliseTimeout,
} from './job-options.js';
import {
  checkKeys,
  expectBoolean,
  expectString,
  oneOf,
  opt,
  strictStringList,
  type KeywordContext,
} from './keyword-context.js';
import { normaliseDependencies, normaliseNeeds } from './needs.js';
import { normaliseParallel, type ParallelConfig } from './parallel.js';
import { normaliseOnlyExcept, normaliseRules } from './rules.js';
import { normaliseScript } from './script.js';
import { normaliseVariables } from './variables.js';

const JOB_KEYS = [
  'after_script',
  'allow_failure',
  'artifacts',
  'before_script',
  'cache',
  'coverage',
  'dast_configuration',
  'dependencies',
  'environment',
  'except',
  'extends',
  'hooks',
  'id_tokens',
  'identity',
  'image',
  'inherit',
  'interruptible',
  'manual_confirmation',
  'needs',
  'only',
  'pages',
  'parallel',
  'release',
  'resource_group',
  'retry',
  'rules',
  'run',
  'script',
  'secrets',
  'services',
  'stage',
  'start_in',
  'tags',
  'timeout',
  'trigger',
  'variables',
  'when',
];
const UNSUPPORTED = ['trigger', 'secrets', 'id_tokens', 'run'];
const IGNORED = [
  'release',
  'pages',
  'hooks',
  'identity',
  'dast_configuration',
  'manual_confirmation',
];

/** A job before `parallel` expansion. */
export interface JobTemplate {
  readonly job: Omit<Job, 'name' | 'parallel'>;
  readonly parallel?: ParallelConfig;
}

function present(map: YamlMap, key: string): boolean {
  const value = getKey(map, key);
  return value !== undefined && value !== null;
}

function unsupported(map: YamlMap, ctx: KeywordContext): boolean {
  let ok = true;
  for (const key of UNSUPPORTED) {
    if (getKey(map, key) === undefined) continue;
    ctx.error(
      [key],
      `${key} is not supported yet`,
      key === 'trigger'
        ? { hint: 'dockhand runs single pipelines; run the downstream pipeline on its own' }
        : {},
    );
    ok = false;
  }
  for (const key of IGNORED) {
    if (getKey(map, key) !== undefined)
      ctx.warn([key], `${key} is not supported yet and is ignored`);
  }
  return ok;
}

/** Normalises one visible job; `defaults` are applied where the job does not set a keyword. */
export function normaliseJob(
  name: string,
  map: YamlMap,
  defaults: JobDefaults,
  source: SourcePosition,
  ctx: KeywordContext,
): JobTemplate | undefined {
  const knownKeys = checkKeys(map, JOB_KEYS, ctx, []);
  if (!unsupported(map, ctx)) return undefined;
  if (!present(map, 'script')) {
    ctx.error([], 'config should implement the script:, run:, or trigger: keyword');
    return undefined;
  }
  const inherit = normaliseInherit(getKey(map, 'inherit'), ctx);
  const inherits = (key: DefaultKey): boolean =>
    !present(map, key) &&
    (inherit.default === true || (Array.isArray(inherit.default) && inherit.default.includes(key)));
  if (Array.isArray(inherit.default)) {
    const unknown = inherit.default.filter((key) => !DEFAULT_KEYS.some((known) => known === key));
    if (unknown.length > 0)
      ctx.error(
        ['inherit', 'default'],
        `inherit:default config contains unknown keywords: ${unknown.join(', ')}`,
      );
  }
  const pick = <K extends keyof JobDefaults>(
    key: K & DefaultKey,
    own: () => JobDefaults[K],
  ): JobDefaults[K] => (inherits(key) ? defaults[key] : own());

  const rules = normaliseRules(getKey(map, 'rules'), ctx, ['rules']);
  if (rules !== undefined) {
    const clash = ['only', 'except', 'start_in'].filter((key) => present(map, key));
    if (clash.length > 0)
      ctx.error([], `config key may not be used with \`rules\`: ${clash.join(', ')}`);
  }
  const when = oneOf(getKey(map, 'when'), JOB_WHEN, ctx, ['when']);
  const startIn = expectString(getKey(map, 'start_in'), ctx, ['start_in']);
  if (when === 'delayed' && startIn === undefined && rules === undefined)
    ctx.error(['when'], 'start_in should be specified for delayed job');
  if (startIn !== undefined && when !== 'delayed' && rules === undefined)
    ctx.error(['start_in'], 'start_in can be used only with when: delayed');

  const stage = getKey(map, 'stage');
  const parallel = normaliseParallel(getKey(map, 'parallel'), ctx);
  const job: JobTemplate['job'] = {
    baseName: name,
    stage: typeof stage === 'string' ? stage : (expectString(stage, ctx, ['stage']) ?? 'test'),
    source,
    beforeScript:
      pick('before_script', () =>
        normaliseScript(getKey(map, 'before_script'), ctx, 'before_script'),
      ) ?? [],
    script: normaliseScript(getKey(map, 'script'), ctx, 'script') ?? [],
    afterScript:
      pick('after_script', () =>
        normaliseScript(getKey(map, 'after_script'), ctx, 'after_script'),
      ) ?? [],
    ...opt(
      'image',
      pick('image', () => normaliseImage(getKey(map, 'image'), ctx, ['image'])),
    ),
    services:
      pick('services', () => normaliseServices(getKey(map, 'services'), ctx, ['services'])) ?? [],
    variables: normaliseVariables(getKey(map, 'variables'), ctx, ['variables'], false),
    inheritVariables: inherit.variables,
    tags: pick('tags', () => strictStringList(getKey(map, 'tags'), ctx, ['tags'])) ?? [],
    ...opt('when', when),
    ...opt('startIn', startIn),
    ...opt('allowFailure', normaliseAllowFailure(getKey(map, 'allow_failure'), ctx)),
    ...opt('rules', rules),
    ...opt('only', normaliseOnlyExcept(getKey(map, 'only'), ctx, 'only')),
    ...opt('except', normaliseOnlyExcept(getKey(map, 'except'), ctx, 'except')),
    ...opt('needs', normaliseNeeds(getKey(map, 'needs'), ctx, ['needs'])),
    ...opt('dependencies', normaliseDependencies(getKey(map, 'dependencies'), ctx)),
    ...opt(
      'artifacts',
      pick('artifacts', () => normaliseArtifacts(getKey(map, 'artifacts'), ctx, ['artifacts'])),
    ),
    cache: pick('cache', () => normaliseCache(getKey(map, 'cache'), ctx, ['cache'])) ?? [],
    ...opt(
      'timeout',
      pick('timeout', () => normaliseTimeout(getKey(map, 'timeout'), ctx, ['timeout'])),
    ),
    retry: pick('retry', () => normaliseRetry(getKey(map, 'retry'), ctx)) ?? {
      max: 0,
      when: ['always'],
      exitCodes: [],
    },
    interruptible:
      pick('interruptible', () =>
        expectBoolean(getKey(map, 'interruptible'), ctx, ['interruptible']),
      ) ?? false,
    ...opt('resourceGroup', expectString(getKey(map, 'resource_group'), ctx, ['resource_group'])),
    ...opt('environment', normaliseEnvironment(getKey(map, 'environment'), ctx)),
    ...opt('coverage', coverage(map, ctx)),
  };
  return knownKeys ? { job, ...opt('parallel', parallel) } : undefined;
}

function coverage(map: YamlMap, ctx: KeywordContext): string | undefined {
  const value = expectString(getKey(map, 'coverage'), ctx, ['coverage']);
  if (value !== undefined && !/^\/.+\/$/.test(value)) {
    ctx.error(
      ['coverage'],
      'coverage config should be a regular expression between slashes, e.g. /Coverage: \\d+%/',
    );
  }
  return value;
}
