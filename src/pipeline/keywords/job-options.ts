import type {
  AllowFailureSpec,
  EnvironmentSpec,
  InheritSpec,
  JobWhen,
  RetrySpec,
} from '../model.js';
import { describeType, getKey, isYamlMap, type YamlValue } from '../yaml/yaml-value.js';
import {
  checkKeys,
  expectString,
  oneOf,
  opt,
  stringOf,
  type KeywordContext,
} from './keyword-context.js';
import { parseDuration } from './duration.js';

export const JOB_WHEN: readonly JobWhen[] = [
  'on_success',
  'on_failure',
  'always',
  'manual',
  'delayed',
];
const RETRY_WHEN = [
  'always',
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
];
/** GitLab's Project::MAX_BUILD_TIMEOUT: one month. */
const MAX_TIMEOUT = 2_592_000;

function exitCodes(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (
    list.length === 0 ||
    !list.every((item): item is number => typeof item === 'number' && Number.isInteger(item))
  ) {
    ctx.error(rel, `${ctx.name(rel)} config should be an integer or an array of integers`);
    return undefined;
  }
  return list;
}

/** `retry`: 0–2, or {max, when, exit_codes}. */
export function normaliseRetry(
  value: YamlValue | undefined,
  ctx: KeywordContext,
): RetrySpec | undefined {
  if (value === undefined || value === null) return undefined;
  const checkMax = (max: YamlValue | undefined, rel: string[]): number | undefined => {
    if (max === undefined || max === null) return 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 2) {
      ctx.error(rel, 'retry max should be an integer from 0 to 2');
      return undefined;
    }
    return max;
  };
  if (typeof value === 'number') {
    const max = checkMax(value, ['retry']);
    return max === undefined ? undefined : { max, when: ['always'], exitCodes: [] };
  }
  if (!isYamlMap(value)) {
    ctx.error(
      ['retry'],
      `retry config has to be either an integer or a hash, not ${describeType(value)}`,
    );
    return undefined;
  }
  if (!checkKeys(value, ['max', 'when', 'exit_codes'], ctx, ['retry'])) return undefined;
  const max = checkMax(getKey(value, 'max'), ['retry', 'max']);
  const rawWhen = getKey(value, 'when');
  const when =
    rawWhen === undefined || rawWhen === null
      ? ['always']
      : Array.isArray(rawWhen)
        ? rawWhen
        : [rawWhen];
  const unknown = when.filter((item) => typeof item !== 'string' || !RETRY_WHEN.includes(item));
  if (unknown.length > 0)
    ctx.error(['retry', 'when'], `retry when is unknown: ${unknown.map(String).join(', ')}`);
  const codes = exitCodes(getKey(value, 'exit_codes'), ctx, ['retry', 'exit_codes']) ?? [];
  if (max === undefined || unknown.length > 0) return undefined;
  return {
    max,
    when: when.filter((item): item is string => typeof item === 'string'),
    exitCodes: codes,
  };
}

/** `timeout`: a human duration, at most one month. */
export function normaliseTimeout(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = stringOf(value);
  const seconds = text === undefined ? undefined : parseDuration(text);
  if (seconds === undefined) {
    ctx.error(rel, `timeout config should be a duration such as "1h 30m" or "90 minutes"`);
    return undefined;
  }
  if (seconds > MAX_TIMEOUT) {
    ctx.error(rel, 'timeout config should not exceed the limit (1 month)');
    return undefined;
  }
  return seconds;
}

/** `allow_failure`: a boolean or {exit_codes}. */
export function normaliseAllowFailure(
  value: YamlValue | undefined,
  ctx: KeywordContext,
): AllowFailureSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return { allowed: value, exitCodes: [] };
  if (isYamlMap(value) && checkKeys(value, ['exit_codes'], ctx, ['allow_failure'])) {
    const codes = exitCodes(getKey(value, 'exit_codes'), ctx, ['allow_failure', 'exit_codes']);
    return codes === undefined ? undefined : { allowed: false, exitCodes: codes };
  }
  if (!isYamlMap(value))
    ctx.error(
      ['allow_failure'],
      `allow_failure config should be a boolean or a hash with exit_codes, not ${describeType(value)}`,
    );
  return undefined;
}

const ACTIONS = ['start', 'prepare', 'stop', 'verify', 'access'] as const;
const TIERS = ['production', 'staging', 'testing', 'development', 'other'];

/** `environment`: a name, or {name, url, action, on_stop, deployment_tier, auto_stop_in}. */
export function normaliseEnvironment(
  value: YamlValue | undefined,
  ctx: KeywordContext,
): EnvironmentSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { name: value };
  if (!isYamlMap(value)) {
    ctx.error(
      ['environment'],
      `environment config should be a string or a hash, not ${describeType(value)}`,
    );
    return undefined;
  }
  const keys = [
    'name',
    'url',
    'action',
    'on_stop',
    'deployment_tier',
    'auto_stop_in',
    'kubernetes',
  ];
  if (!checkKeys(value, keys, ctx, ['environment'])) return undefined;
  const name = expectString(getKey(value, 'name'), ctx, ['environment', 'name']);
  if (name === undefined || name === '') {
    ctx.error(['environment'], 'environment config should have a name');
    return undefined;
  }
  return {
    name,
    ...opt('url', expectString(getKey(value, 'url'), ctx, ['environment', 'url'])),
    ...opt('action', oneOf(getKey(value, 'action'), ACTIONS, ctx, ['environment', 'action'])),
    ...opt('onStop', expectString(getKey(value, 'on_stop'), ctx, ['environment', 'on_stop'])),
    ...opt(
      'deploymentTier',
      oneOf(getKey(value, 'deployment_tier'), TIERS, ctx, ['environment', 'deployment_tier']),
    ),
    ...opt(
      'autoStopIn',
      expectString(getKey(value, 'auto_stop_in'), ctx, ['environment', 'auto_stop_in']),
    ),
  };
}

function inheritOne(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  key: string,
): boolean | string[] {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string'))
    return value;
  ctx.error(['inherit', key], `inherit:${key} config should be a boolean or an array of strings`);
  return true;
}

/** `inherit: {default, variables}`. */
export function normaliseInherit(value: YamlValue | undefined, ctx: KeywordContext): InheritSpec {
  if (value === undefined || value === null) return { default: true, variables: true };
  if (!isYamlMap(value) || !checkKeys(value, ['default', 'variables'], ctx, ['inherit'])) {
    if (!isYamlMap(value))
      ctx.error(['inherit'], 'inherit config should be a hash with default and/or variables');
    return { default: true, variables: true };
  }
  return {
    default: inheritOne(getKey(value, 'default'), ctx, 'default'),
    variables: inheritOne(getKey(value, 'variables'), ctx, 'variables'),
  };
}
