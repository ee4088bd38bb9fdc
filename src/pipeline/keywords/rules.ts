import { checkIfSyntax } from '../expression-port.js';
import type { JobWhen, OnlyExcept, Rule, RuleChanges } from '../model.js';
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
  stringList,
  type KeywordContext,
} from './keyword-context.js';
import { normaliseNeeds } from './needs.js';
import { normaliseVariables } from './variables.js';

export const RULE_WHEN: readonly JobWhen[] = [
  'on_success',
  'on_failure',
  'always',
  'manual',
  'delayed',
  'never',
];
const RULE_KEYS = [
  'if',
  'changes',
  'exists',
  'when',
  'start_in',
  'allow_failure',
  'variables',
  'needs',
  'interruptible',
];
const WORKFLOW_RULE_KEYS = ['if', 'changes', 'exists', 'when', 'variables', 'auto_cancel'];

/** Rules may nest (a `!reference` to another rules list): GitLab flattens them. */
function flatten(value: YamlValue[], depth = 0): YamlValue[] {
  return value.flatMap((item) =>
    Array.isArray(item) && depth < 10 ? flatten(item, depth + 1) : [item],
  );
}

/** Checks an expression's syntax now, so `dockhand lint` reports it with its column. */
export function checkExpression(source: string, ctx: KeywordContext, rel: string[]): void {
  const outcome = checkIfSyntax(source);
  if (!outcome.ok) {
    ctx.error(rel, `invalid expression syntax: ${outcome.message}`, {
      columnOffset: Math.max(0, outcome.column - 1),
    });
  }
}

function changes(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): RuleChanges | undefined {
  if (value === undefined || value === null) return undefined;
  if (isYamlMap(value)) {
    if (!checkKeys(value, ['paths', 'compare_to'], ctx, rel)) return undefined;
    const paths = stringList(getKey(value, 'paths'), ctx, [...rel, 'paths']);
    if (paths === undefined) {
      ctx.error(rel, 'changes config should have paths');
      return undefined;
    }
    const compareTo = expectString(getKey(value, 'compare_to'), ctx, [...rel, 'compare_to']);
    return { paths, ...opt('compareTo', compareTo) };
  }
  const paths = stringList(value, ctx, rel);
  return paths === undefined ? undefined : { paths };
}

function exists(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
): string[] | undefined {
  if (isYamlMap(value)) {
    if (getKey(value, 'project') !== undefined) {
      ctx.error([...rel, 'project'], 'rules:exists:project is not supported yet');
      return undefined;
    }
    if (!checkKeys(value, ['paths'], ctx, rel)) return undefined;
    return stringList(getKey(value, 'paths'), ctx, [...rel, 'paths']);
  }
  return stringList(value, ctx, rel);
}

function rule(
  item: YamlMap,
  ctx: KeywordContext,
  rel: string[],
  workflow: boolean,
): Rule | undefined {
  if (!checkKeys(item, workflow ? WORKFLOW_RULE_KEYS : RULE_KEYS, ctx, rel)) return undefined;
  const condition = expectString(getKey(item, 'if'), ctx, [...rel, 'if']);
  if (condition !== undefined) checkExpression(condition, ctx, [...rel, 'if']);
  const allowed: readonly JobWhen[] = workflow ? ['always', 'never'] : RULE_WHEN;
  const when = oneOf(getKey(item, 'when'), allowed, ctx, [...rel, 'when']);
  const startIn = expectString(getKey(item, 'start_in'), ctx, [...rel, 'start_in']);
  if (when === 'delayed' && startIn === undefined)
    ctx.error(rel, 'a rule with when: delayed needs start_in');
  const needs =
    getKey(item, 'needs') === undefined
      ? undefined
      : normaliseNeeds(getKey(item, 'needs'), ctx, [...rel, 'needs']);
  return {
    ...opt('if', condition),
    ...opt('changes', changes(getKey(item, 'changes'), ctx, [...rel, 'changes'])),
    ...opt('exists', exists(getKey(item, 'exists'), ctx, [...rel, 'exists'])),
    ...opt('when', when),
    ...opt('startIn', startIn),
    ...opt(
      'allowFailure',
      expectBoolean(getKey(item, 'allow_failure'), ctx, [...rel, 'allow_failure']),
    ),
    variables: normaliseVariables(getKey(item, 'variables'), ctx, [...rel, 'variables'], false),
    ...opt('needs', needs),
  };
}

/** `rules` of a job, or of `workflow` (`workflow` true: only if/changes/exists/when/variables). */
export function normaliseRules(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  rel: string[],
  workflow = false,
): Rule[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    ctx.error(rel, `rules config should be an array of hashes, not ${describeType(value)}`);
    return undefined;
  }
  const out: Rule[] = [];
  flatten(value).forEach((item, i) => {
    const itemRel = [...rel, String(i)];
    if (!isYamlMap(item)) {
      ctx.error(itemRel, `rules:rule config should be a hash, not ${describeType(item)}`);
      return;
    }
    const parsed = rule(item, ctx, itemRel, workflow);
    if (parsed !== undefined) out.push(parsed);
  });
  return out;
}

/** `only` / `except`: an array of refs, or a hash of refs, variables and changes. */
export function normaliseOnlyExcept(
  value: YamlValue | undefined,
  ctx: KeywordContext,
  key: 'only' | 'except',
): OnlyExcept | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || Array.isArray(value)) {
    const refs = stringList(value, ctx, [key]);
    return refs === undefined ? undefined : { refs, variables: [], changes: [] };
  }
  if (!isYamlMap(value)) {
    ctx.error(
      [key],
      `${key} config should be an array of strings or a hash, not ${describeType(value)}`,
    );
    return undefined;
  }
  if (!checkKeys(value, ['refs', 'variables', 'changes', 'kubernetes'], ctx, [key]))
    return undefined;
  if (getKey(value, 'kubernetes') !== undefined)
    ctx.warn([key, 'kubernetes'], `${key}:kubernetes is not supported and never matches`);
  const variables = stringList(getKey(value, 'variables'), ctx, [key, 'variables']) ?? [];
  variables.forEach((expression, i) =>
    checkExpression(expression, ctx, [key, 'variables', String(i)]),
  );
  return {
    refs: stringList(getKey(value, 'refs'), ctx, [key, 'refs']) ?? [],
    variables,
    changes: stringList(getKey(value, 'changes'), ctx, [key, 'changes']) ?? [],
  };
}
