import type { ExpressionVariables } from './expression-port.js';
import {
  evaluateJobRules,
  evaluateWorkflow,
  type RepositoryFiles,
  type RuleInput,
} from './evaluate-rules.js';
import { expandVariables } from './variables/index.js';
import type { AllowFailureSpec, Job, JobWhen, Need, Pipeline, VariableSpec } from './model.js';

export interface PlanContext {
  /** Predefined variables (CI_COMMIT_BRANCH, CI_PIPELINE_SOURCE…): the lowest precedence. */
  readonly predefined: ExpressionVariables;
  /** Project, group and pipeline variables (e.g. `--var` on the CLI): they beat YAML. */
  readonly overrides?: ExpressionVariables;
  readonly ref: { readonly name: string; readonly type: 'branch' | 'tag' };
  /** CI_PIPELINE_SOURCE; default `push`. */
  readonly source?: string;
  /** Undefined: unknown, so every `changes` is true (as GitLab for new refs, tags, web runs). */
  readonly changedFiles?: readonly string[];
  /** For `rules:exists`; a function is called at most once, and only if a rule needs it. */
  readonly repositoryFiles?: RepositoryFiles;
}

export interface PlannedJob {
  readonly job: Job;
  readonly when: JobWhen;
  readonly allowFailure: AllowFailureSpec;
  readonly startIn?: string;
  /** Job variables with the matching rule's variables applied (global ones are separate). */
  readonly variables: readonly VariableSpec[];
  /** Global YAML variables this job inherits (after `inherit:variables`). */
  readonly globalVariables: readonly VariableSpec[];
  /** Undefined: waits for earlier stages. Needs on jobs that are not in the pipeline are gone. */
  readonly needs?: readonly Need[];
  /** Jobs whose artifacts this job downloads. */
  readonly artifactsFrom: readonly string[];
  /** Index in `Plan.stages`. */
  readonly stageIndex: number;
  /** DAG layer: every job it waits for is in an earlier batch. */
  readonly batch: number;
  /** How rules/only/except decided, for `exec --list`. */
  readonly reason: string;
}

export interface PlanProblem {
  readonly job?: string;
  readonly message: string;
}

export interface Plan {
  readonly created: boolean;
  /** Why the pipeline was (not) created: the workflow rule that decided. */
  readonly reason: string;
  readonly name?: string;
  /** Stages that have jobs, in order. */
  readonly stages: readonly { readonly name: string; readonly jobs: readonly string[] }[];
  readonly jobs: readonly PlannedJob[];
  /** Job names by DAG layer, to run layer by layer. */
  readonly batches: readonly (readonly string[])[];
  readonly excluded: readonly { readonly name: string; readonly reason: string }[];
  readonly errors: readonly PlanProblem[];
  readonly warnings: readonly PlanProblem[];
}

function toRecord(variables: ExpressionVariables | undefined): Record<string, string> {
  if (variables === undefined) return {};
  if (variables instanceof Map) return Object.fromEntries(variables as ReadonlyMap<string, string>);
  return { ...(variables as Readonly<Record<string, string>>) };
}

function inherited(
  globals: readonly VariableSpec[],
  inherit: Job['inheritVariables'],
): VariableSpec[] {
  if (inherit === true) return [...globals];
  if (inherit === false) return [];
  return globals.filter((variable) => inherit.includes(variable.key));
}

function merge(
  base: Record<string, string>,
  variables: readonly VariableSpec[],
): Record<string, string> {
  const out = { ...base };
  for (const variable of variables) out[variable.key] = variable.value;
  return out;
}

function overlay(base: readonly VariableSpec[], over: readonly VariableSpec[]): VariableSpec[] {
  const keys = new Set(over.map((variable) => variable.key));
  return [...base.filter((variable) => !keys.has(variable.key)), ...over];
}

/** A listing function that runs at most once, however many rules ask. */
function once(files: RepositoryFiles): RepositoryFiles {
  if (typeof files !== 'function') return files;
  let listed: readonly string[] | undefined;
  return () => (listed ??= files());
}

/**
 * Which jobs run for this ref, with the when/allow_failure/variables/needs the rules give them,
 * in stage order and DAG layers. Pure: the caller supplies the variables and file lists.
 */
export function planPipeline(pipeline: Pipeline, context: PlanContext): Plan {
  const predefined = toRecord(context.predefined);
  const overrides = toRecord(context.overrides);
  const base = {
    ref: context.ref,
    source: context.source ?? 'push',
    ...(context.changedFiles === undefined ? {} : { changedFiles: context.changedFiles }),
    ...(context.repositoryFiles === undefined
      ? {}
      : { repositoryFiles: once(context.repositoryFiles) }),
  };
  const pipelineVars = { ...merge(predefined, pipeline.variables), ...overrides };
  const workflowInput: RuleInput = { ...base, variables: pipelineVars };
  const workflow = evaluateWorkflow(pipeline.workflow?.rules, workflowInput);
  const warnings: PlanProblem[] = workflow.problems.map((message) => ({
    message: `workflow:rules: ${message}`,
  }));
  const empty = { stages: [], jobs: [], batches: [], excluded: [], errors: [] };
  if (!workflow.created) return { ...empty, created: false, reason: workflow.reason, warnings };
  const globals = overlay(pipeline.variables, workflow.variables);

  const candidates: PlannedJob[] = [];
  const excluded: { name: string; reason: string }[] = [];
  for (const job of pipeline.jobs) {
    const globalVariables = inherited(globals, job.inheritVariables);
    const variables = { ...merge(merge(predefined, globalVariables), job.variables), ...overrides };
    const outcome = evaluateJobRules(job, { ...base, variables });
    warnings.push(...outcome.problems.map((message) => ({ job: job.name, message })));
    if (!outcome.included) {
      excluded.push({ name: job.name, reason: outcome.reason });
      continue;
    }
    const needs = outcome.needs ?? job.needs;
    candidates.push({
      job,
      when: outcome.when,
      allowFailure: outcome.allowFailure,
      ...(outcome.startIn === undefined ? {} : { startIn: outcome.startIn }),
      variables: overlay(job.variables, outcome.variables),
      globalVariables,
      ...(needs === undefined ? {} : { needs }),
      artifactsFrom: [],
      stageIndex: pipeline.stages.indexOf(job.stage),
      batch: 0,
      reason: outcome.reason,
    });
  }
  const arranged = arrange(pipeline, candidates, excluded, warnings);
  // GitLab creates no pipeline when no job (or only .pre/.post jobs) would run.
  const real = arranged.jobs.some(
    (planned) => planned.job.stage !== '.pre' && planned.job.stage !== '.post',
  );
  const reason = real
    ? workflow.reason
    : 'no jobs would run for this ref (only .pre/.post or none)';
  return { ...arranged, created: real, reason, ...nameOf(pipeline, pipelineVars) };
}

function nameOf(pipeline: Pipeline, variables: Record<string, string>): { name?: string } {
  const name = pipeline.workflow?.name;
  if (name === undefined) return {};
  return { name: expandVariables(name, (key) => variables[key]) };
}

function arrange(
  pipeline: Pipeline,
  candidates: PlannedJob[],
  excluded: { name: string; reason: string }[],
  warnings: PlanProblem[],
): Omit<Plan, 'created' | 'reason' | 'name'> {
  const errors: PlanProblem[] = [];
  const present = new Set(candidates.map((planned) => planned.job.name));
  const jobs = candidates.map((planned): PlannedJob => {
    if (planned.needs === undefined) return planned;
    const needs = planned.needs.filter((need) => {
      if (present.has(need.job)) return true;
      if (!need.optional)
        errors.push({
          job: planned.job.name,
          message: `'${planned.job.name}' job needs '${need.job}' job, but '${need.job}' is not in any previous stage`,
        });
      return false;
    });
    return { ...planned, needs };
  });
  const byName = new Map(jobs.map((planned) => [planned.job.name, planned]));
  const waitsFor = (planned: PlannedJob): string[] =>
    planned.needs !== undefined
      ? planned.needs.map((need) => need.job)
      : jobs
          .filter((other) => other.stageIndex < planned.stageIndex)
          .map((other) => other.job.name);
  const batchOf = new Map<string, number>();
  const layer = (planned: PlannedJob, trail: Set<string>): number => {
    const known = batchOf.get(planned.job.name);
    if (known !== undefined) return known;
    if (trail.has(planned.job.name)) return 0;
    trail.add(planned.job.name);
    const preds = waitsFor(planned)
      .map((name) => byName.get(name))
      .filter((p): p is PlannedJob => p !== undefined);
    const value = preds.length === 0 ? 0 : Math.max(...preds.map((p) => layer(p, trail))) + 1;
    batchOf.set(planned.job.name, value);
    return value;
  };
  const arranged = jobs.map((planned) => {
    const artifactsFrom =
      planned.job.dependencies !== undefined
        ? planned.job.dependencies.filter((name) => present.has(name))
        : planned.needs !== undefined
          ? planned.needs.filter((need) => need.artifacts).map((need) => need.job)
          : waitsFor(planned);
    return { ...planned, artifactsFrom, batch: layer(planned, new Set()) };
  });
  const batches: string[][] = [];
  for (const planned of arranged) (batches[planned.batch] ??= []).push(planned.job.name);
  const stages = pipeline.stages
    .map((name) => ({
      name,
      jobs: arranged
        .filter((planned) => planned.job.stage === name)
        .map((planned) => planned.job.name),
    }))
    .filter((stage) => stage.jobs.length > 0);
  return {
    stages,
    jobs: arranged,
    batches: batches.filter((batch) => batch.length > 0),
    excluded,
    errors,
    warnings,
  };
}
