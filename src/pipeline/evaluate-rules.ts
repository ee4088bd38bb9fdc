import { evaluateIf, type ExpressionVariables } from './expression-port.js';
import { fnmatch } from './glob.js';
import type {
  AllowFailureSpec,
  Job,
  JobWhen,
  Need,
  OnlyExcept,
  Rule,
  VariableSpec,
} from './model.js';

/** What rules:if, changes and exists look at. */
export interface RuleInput {
  /** The variables visible to `rules:if` for this job (predefined, YAML, project/pipeline). */
  readonly variables: ExpressionVariables;
  readonly ref: { readonly name: string; readonly type: 'branch' | 'tag' };
  /** CI_PIPELINE_SOURCE: `push` unless said otherwise. */
  readonly source: string;
  /**
   * Files the push changed. Undefined: unknown (a new branch, a tag, a scheduled or web
   * pipeline), where GitLab treats every `changes` as true.
   */
  readonly changedFiles?: readonly string[];
  /**
   * Files of the repository, for `exists`; undefined counts as none. As a function, called only
   * when a rule has `exists` (listing a work tree costs milliseconds most pipelines never need).
   */
  readonly repositoryFiles?: RepositoryFiles;
}

/** The repository's files, or how to list them when first needed (see RuleInput). */
export type RepositoryFiles = readonly string[] | (() => readonly string[]);

export interface RulesOutcome {
  readonly included: boolean;
  readonly when: JobWhen;
  readonly allowFailure: AllowFailureSpec;
  readonly startIn?: string;
  /** `rules:variables` of the matching rule (they override the job's). */
  readonly variables: readonly VariableSpec[];
  /** `rules:needs` of the matching rule, replacing the job's needs. */
  readonly needs?: readonly Need[];
  /** One line for humans: which rule decided, or which only/except clause. */
  readonly reason: string;
  /** Expression evaluation failures (the condition then counted as false). */
  readonly problems: readonly string[];
}

function ifMatches(source: string, input: RuleInput, problems: string[]): boolean {
  const outcome = evaluateIf(source, input.variables);
  if (outcome.ok) return outcome.value;
  problems.push(`${source}: ${outcome.message}`);
  return false;
}

function anyChange(patterns: readonly string[], input: RuleInput): boolean {
  if (input.changedFiles === undefined) return true;
  const files = input.changedFiles;
  return patterns.some((pattern) => files.some((file) => fnmatch(pattern, file)));
}

function anyExists(patterns: readonly string[], input: RuleInput): boolean {
  const listed = input.repositoryFiles ?? [];
  const files = typeof listed === 'function' ? listed() : listed;
  return patterns.some((pattern) => files.some((file) => fnmatch(pattern, file)));
}

/** A rule matches when each clause it has is true. */
export function ruleMatches(rule: Rule, input: RuleInput, problems: string[]): boolean {
  if (rule.if !== undefined && !ifMatches(rule.if, input, problems)) return false;
  if (rule.changes !== undefined && !anyChange(rule.changes.paths, input)) return false;
  if (rule.exists !== undefined && !anyExists(rule.exists, input)) return false;
  return true;
}

function describeRule(rule: Rule, index: number): string {
  const parts = [
    rule.if === undefined ? undefined : `if: ${rule.if}`,
    rule.changes === undefined ? undefined : `changes: ${rule.changes.paths.join(', ')}`,
    rule.exists === undefined ? undefined : `exists: ${rule.exists.join(', ')}`,
  ].filter((part) => part !== undefined);
  return `rule ${index + 1}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}

/** GitLab's rules: the first matching rule decides; no match means the job is not added. */
function evaluateRules(job: Job, rules: readonly Rule[], input: RuleInput): RulesOutcome {
  const problems: string[] = [];
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, input, problems)) continue;
    const when = rule.when ?? job.when ?? 'on_success';
    // With rules, a manual job does not default to allow_failure: true (GitLab docs, rules:when).
    const allowFailure =
      rule.allowFailure === undefined
        ? (job.allowFailure ?? { allowed: false, exitCodes: [] })
        : { allowed: rule.allowFailure, exitCodes: job.allowFailure?.exitCodes ?? [] };
    const startIn = rule.startIn ?? job.startIn;
    return {
      included: when !== 'never',
      when,
      allowFailure,
      ...(startIn === undefined ? {} : { startIn }),
      variables: rule.variables,
      ...(rule.needs === undefined ? {} : { needs: rule.needs }),
      reason: `${describeRule(rule, index)} → ${when}`,
      problems,
    };
  }
  return {
    included: false,
    when: 'never',
    allowFailure: { allowed: false, exitCodes: [] },
    variables: [],
    reason: 'no rule matched',
    problems,
  };
}

const SOURCE_KEYWORDS: Readonly<Record<string, string>> = {
  api: 'api',
  chat: 'chat',
  external: 'external',
  external_pull_requests: 'external_pull_request_event',
  merge_requests: 'merge_request_event',
  pipelines: 'pipeline',
  pushes: 'push',
  schedules: 'schedule',
  triggers: 'trigger',
  web: 'web',
};

function refMatches(pattern: string, input: RuleInput): boolean {
  if (pattern === 'branches')
    return input.ref.type === 'branch' && input.source !== 'merge_request_event';
  if (pattern === 'tags') return input.ref.type === 'tag' && input.source !== 'merge_request_event';
  const source = SOURCE_KEYWORDS[pattern];
  if (source !== undefined) return input.source === source;
  const name = pattern.replace(/@.*$/, '');
  const regex = /^\/(.+)\/([a-z]*)$/.exec(name);
  if (regex !== null) {
    try {
      return new RegExp(regex[1] ?? '', (regex[2] ?? '').replace(/[^imsu]/g, '')).test(
        input.ref.name,
      );
    } catch {
      return false;
    }
  }
  return name === input.ref.name;
}

function onlyExceptClauses(
  policy: OnlyExcept,
  input: RuleInput,
  problems: string[],
): { refs?: boolean; variables?: boolean; changes?: boolean } {
  return {
    ...(policy.refs.length === 0
      ? {}
      : { refs: policy.refs.some((ref) => refMatches(ref, input)) }),
    ...(policy.variables.length === 0
      ? {}
      : { variables: policy.variables.some((v) => ifMatches(v, input, problems)) }),
    ...(policy.changes.length === 0 ? {} : { changes: anyChange(policy.changes, input) }),
  };
}

/** only: every clause given must match; except: any clause matching excludes the job. */
function evaluateOnlyExcept(job: Job, input: RuleInput): RulesOutcome {
  const problems: string[] = [];
  const when = job.when ?? 'on_success';
  const allowFailure = job.allowFailure ?? { allowed: when === 'manual', exitCodes: [] };
  const only = job.only ?? { refs: ['branches', 'tags'], variables: [], changes: [] };
  const onlyResult = onlyExceptClauses(only, input, problems);
  const failed = Object.entries(onlyResult).find(([, ok]) => !ok);
  const base = {
    when,
    allowFailure,
    variables: [],
    problems,
    ...(job.startIn === undefined ? {} : { startIn: job.startIn }),
  };
  if (failed !== undefined)
    return { ...base, included: false, reason: `only:${failed[0]} did not match` };
  if (job.except !== undefined) {
    const exceptResult = onlyExceptClauses(job.except, input, problems);
    const hit = Object.entries(exceptResult).find(([, ok]) => ok);
    if (hit !== undefined) return { ...base, included: false, reason: `except:${hit[0]} matched` };
  }
  const how = job.only === undefined ? 'default only: branches, tags' : 'only/except matched';
  return { ...base, included: true, reason: `${how} → ${when}` };
}

/** Decides whether a job is added to the pipeline, and with which when/allow_failure/variables. */
export function evaluateJobRules(job: Job, input: RuleInput): RulesOutcome {
  return job.rules === undefined
    ? evaluateOnlyExcept(job, input)
    : evaluateRules(job, job.rules, input);
}

/** workflow:rules: no match or `when: never` → no pipeline. */
export function evaluateWorkflow(
  rules: readonly Rule[] | undefined,
  input: RuleInput,
): { created: boolean; variables: readonly VariableSpec[]; reason: string; problems: string[] } {
  const problems: string[] = [];
  if (rules === undefined)
    return { created: true, variables: [], reason: 'no workflow:rules', problems };
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, input, problems)) continue;
    const created = rule.when !== 'never';
    return {
      created,
      variables: created ? rule.variables : [],
      reason: `workflow ${describeRule(rule, index)} → ${rule.when ?? 'always'}`,
      problems,
    };
  }
  return { created: false, variables: [], reason: 'no workflow rule matched', problems };
}
