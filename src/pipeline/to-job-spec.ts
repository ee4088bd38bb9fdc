import {
  publicVariable,
  type JobArtifact,
  type JobCache,
  type JobGitInfo,
  type JobImage,
  type JobService,
  type JobSpec,
  type JobStep,
  type JobVariable,
} from '../protocol/job-spec.js';
import type { ArtifactsSpec, CacheSpec, ImageSpec, ServiceSpec, VariableSpec } from './model.js';
import type { PlannedJob } from './plan.js';
import { expandVariables, slugify } from './variables/index.js';

/** GitLab's default job timeout (project setting) when the job sets none. */
export const DEFAULT_JOB_TIMEOUT = 3600;

export interface JobSpecContext {
  readonly jobId: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly projectName: string;
  readonly projectFullPath?: string;
  /** The job token; it goes into CI_JOB_TOKEN (masked) and the payload's `token`. */
  readonly token: string;
  readonly git: JobGitInfo;
  /** Predefined variables for this job (predefinedVariables() from ./variables). Lowest precedence. */
  readonly predefined: readonly JobVariable[];
  /** Project/group/pipeline variables: they beat YAML variables. */
  readonly secrets?: readonly JobVariable[];
  /**
   * cache:key:files: the caller's digest of those files (GitLab uses the SHA of the last commit
   * that changed them). Undefined when none of them exist: the key is then `default`.
   */
  readonly hashCacheFiles?: (files: readonly string[]) => string | undefined;
  /** Protected refs get `-protected` cache keys, others `-non_protected` (GitLab 15.0+). */
  readonly refProtected?: boolean;
  /** Used when the job sets no `timeout`; default 3600 s. */
  readonly defaultTimeout?: number;
}

function yamlVariable(variable: VariableSpec): JobVariable {
  return {
    key: variable.key,
    value: variable.value,
    public: true,
    masked: false,
    file: false,
    raw: !variable.expand,
  };
}

function lookupIn(variables: readonly JobVariable[]): (name: string) => string | undefined {
  return (name) => {
    for (let i = variables.length - 1; i >= 0; i--)
      if (variables[i]?.key === name) return variables[i]?.value;
    return undefined;
  };
}

/** Job-level predefined variables the caller's list may lack. */
function jobVariables(
  planned: PlannedJob,
  context: JobSpecContext,
  env: { name: string; url?: string } | undefined,
): JobVariable[] {
  const { job } = planned;
  const pairs: [string, string][] = [
    ['CI_JOB_ID', String(context.jobId)],
    ['CI_JOB_NAME', job.name],
    ['CI_JOB_NAME_SLUG', slugify(job.name)],
    ['CI_JOB_STAGE', job.stage],
    ['CI_NODE_TOTAL', String(job.parallel?.total ?? 1)],
  ];
  if (job.parallel !== undefined) pairs.push(['CI_NODE_INDEX', String(job.parallel.index)]);
  if (planned.when === 'manual') pairs.push(['CI_JOB_MANUAL', 'true']);
  if (env !== undefined && job.environment !== undefined) {
    pairs.push(
      ['CI_ENVIRONMENT_NAME', env.name],
      ['CI_ENVIRONMENT_SLUG', slugify(env.name).slice(0, 24)],
    );
    if (env.url !== undefined) pairs.push(['CI_ENVIRONMENT_URL', env.url]);
    pairs.push(['CI_ENVIRONMENT_ACTION', job.environment.action ?? 'start']);
    if (job.environment.deploymentTier !== undefined)
      pairs.push(['CI_ENVIRONMENT_TIER', job.environment.deploymentTier]);
  }
  const have = new Set(context.predefined.map((variable) => variable.key));
  const out: JobVariable[] = pairs
    .filter(([key]) => !have.has(key))
    .map(([key, value]) => publicVariable(key, value));
  if (!have.has('CI_JOB_TOKEN'))
    out.push({
      key: 'CI_JOB_TOKEN',
      value: context.token,
      public: false,
      masked: true,
      file: false,
      raw: false,
    });
  return out;
}

function image(spec: ImageSpec): JobImage {
  const docker =
    spec.docker === undefined || Object.keys(spec.docker).length === 0 ? undefined : spec.docker;
  return {
    name: spec.name,
    ...(spec.entrypoint === undefined ? {} : { entrypoint: spec.entrypoint }),
    ...(spec.pullPolicy === undefined ? {} : { pull_policy: spec.pullPolicy }),
    ...(docker === undefined ? {} : { executor_opts: { docker } }),
  };
}

function service(spec: ServiceSpec): JobService {
  return {
    ...image(spec),
    ...(spec.alias === undefined ? {} : { alias: spec.alias }),
    ...(spec.command === undefined ? {} : { command: spec.command }),
    ...(spec.variables.length === 0 ? {} : { variables: spec.variables }),
  };
}

/** One archive entry (if there is anything to archive), then one per report, uploaded always. */
function artifacts(spec: ArtifactsSpec | undefined): JobArtifact[] {
  if (spec === undefined) return [];
  const out: JobArtifact[] = [];
  if (spec.paths.length > 0 || spec.untracked) {
    out.push({
      ...(spec.name === undefined ? {} : { name: spec.name }),
      untracked: spec.untracked,
      paths: spec.paths,
      exclude: spec.exclude,
      when: spec.when,
      artifact_type: 'archive',
      artifact_format: 'zip',
      ...(spec.expireIn === undefined ? {} : { expire_in: spec.expireIn }),
    });
  }
  for (const [type, paths] of Object.entries(spec.reports)) {
    out.push({
      name: type,
      untracked: false,
      paths,
      exclude: [],
      when: 'always',
      artifact_type: type,
      artifact_format: 'gzip',
      ...(spec.expireIn === undefined ? {} : { expire_in: spec.expireIn }),
    });
  }
  return out;
}

function cacheKey(spec: CacheSpec, context: JobSpecContext): string {
  let key: string;
  if (spec.key.kind === 'literal') key = spec.key.value;
  else {
    const hash = context.hashCacheFiles?.(spec.key.files) ?? 'default';
    key = spec.key.prefix === undefined ? hash : `${spec.key.prefix}-${hash}`;
  }
  if (spec.unprotect) return key;
  return `${key}-${context.refProtected === true ? 'protected' : 'non_protected'}`;
}

function cache(spec: CacheSpec, context: JobSpecContext): JobCache {
  return {
    key: cacheKey(spec, context),
    untracked: spec.untracked,
    policy: spec.policy,
    paths: spec.paths,
    when: spec.when,
    fallback_keys: spec.fallbackKeys,
  };
}

/**
 * A planned job → the payload GitLab would send a runner for it (gitlab-runner.md §5.3):
 * before_script + script as step `script`, after_script as its own step (when: always,
 * allow_failure: true), variables from lowest to highest precedence (the runner takes the last).
 */
export function toJobSpec(planned: PlannedJob, context: JobSpecContext): JobSpec {
  const { job } = planned;
  const timeout = job.timeout ?? context.defaultTimeout ?? DEFAULT_JOB_TIMEOUT;
  const yaml = [...planned.globalVariables, ...planned.variables].map(yamlVariable);
  const beforeEnv = [...context.predefined, ...yaml, ...(context.secrets ?? [])];
  // GitLab expands the environment name and URL on the server, with the job's variables.
  const env =
    job.environment === undefined
      ? undefined
      : {
          name: expandVariables(job.environment.name, lookupIn(beforeEnv)),
          ...(job.environment.url === undefined
            ? {}
            : { url: expandVariables(job.environment.url, lookupIn(beforeEnv)) }),
        };
  const variables = [
    ...context.predefined,
    ...jobVariables(planned, context, env),
    ...yaml,
    ...(context.secrets ?? []),
  ];
  const steps: JobStep[] = [
    {
      name: 'script',
      script: [...job.beforeScript, ...job.script],
      timeout,
      when: 'on_success',
      allow_failure: false,
    },
  ];
  if (job.afterScript.length > 0) {
    steps.push({
      name: 'after_script',
      script: job.afterScript,
      timeout,
      when: 'always',
      allow_failure: true,
    });
  }
  return {
    id: context.jobId,
    token: context.token,
    allow_git_fetch: true,
    job_info: {
      id: context.jobId,
      name: job.name,
      stage: job.stage,
      pipeline_id: context.pipelineId,
      project_id: context.projectId,
      project_name: context.projectName,
      ...(context.projectFullPath === undefined
        ? {}
        : { project_full_path: context.projectFullPath }),
    },
    git_info: context.git,
    runner_info: { timeout },
    variables,
    steps,
    ...(job.image === undefined ? {} : { image: image(job.image) }),
    services: job.services.map(service),
    artifacts: artifacts(job.artifacts),
    cache: job.cache.map((spec) => cache(spec, context)),
    credentials: [],
    dependencies: [],
  };
}
