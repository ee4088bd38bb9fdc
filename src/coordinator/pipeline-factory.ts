/**
 * A commit of a project → the jobs of a new pipeline, with the same pipeline model as
 * `dockhand exec` (parsePipeline → planPipeline → toJobSpec). The payloads carry
 * JOB_TOKEN_PLACEHOLDER in place of the job token, which only exists from dispatch on.
 */
import type { JobCredential, JobSpec, JobVariable } from '../protocol/job-spec.js';
import {
  formatProblem,
  parsePipeline,
  planPipeline,
  toJobSpec,
  type PlannedJob,
} from '../pipeline/index.js';
import { predefinedVariables, type LocalRunContext } from '../pipeline/variables/index.js';
import { REGISTRY_JOB_USER } from './registry-tokens.js';
import type { RepoCommit } from './repo-source.js';
import { JOB_TOKEN_PLACEHOLDER } from './scheduler.js';
import type { NewJob, ProjectRecord } from './store/store.js';

export const PIPELINE_FILE = '.gitlab-ci.yml';
/** Every project's group: CI_PROJECT_NAMESPACE, and the first part of its git and registry paths. */
export const PROJECT_NAMESPACE = 'dockhand';

export interface PipelineContext {
  readonly project: ProjectRecord;
  readonly commit: RepoCommit;
  /** The URL runners reach the coordinator at (CI_SERVER_URL, CI_API_V4_URL). */
  readonly serverUrl: string;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
  /** Pipeline variables (`trigger --variable`): they beat YAML. */
  readonly variables?: Readonly<Record<string, string>>;
  /** The container registry as jobs reach it (`HOST:PORT`): sets CI_REGISTRY* and credentials. */
  readonly registry?: string;
  /** CI_PIPELINE_SOURCE; `push` when absent. */
  readonly source?: string;
}

export type BuiltPipeline =
  | {
      readonly ok: true;
      readonly jobs: readonly NewJob[];
      readonly payloadFor: (ids: { pipelineId: number; jobId: number }, index: number) => JobSpec;
    }
  | { readonly ok: false; readonly errors: readonly string[] };

function runContext(
  ctx: PipelineContext,
  ids: { pipelineId: number; jobId: number },
  job: { name: string; stage: string },
): LocalRunContext {
  const { commit, project } = ctx;
  return {
    git: {
      sha: commit.sha,
      beforeSha: commit.beforeSha,
      message: commit.message,
      authorName: commit.authorName,
      authorEmail: commit.authorEmail,
      timestamp: commit.timestamp,
      defaultBranch: commit.defaultBranch,
      ...(commit.refType === 'tag' ? { tag: commit.ref } : { branch: commit.ref }),
    },
    project: {
      dir: `/builds/dockhand/${project.name}`,
      name: project.name,
      path: projectPath(project),
      namespace: PROJECT_NAMESPACE,
      id: project.id,
      configPath: PIPELINE_FILE,
    },
    job: { id: ids.jobId, name: job.name, stage: job.stage },
    pipeline: {
      id: ids.pipelineId,
      iid: ids.pipelineId,
      createdAt: ctx.createdAt,
      ...(ctx.source === undefined ? {} : { source: ctx.source }),
    },
    server: { url: ctx.serverUrl, name: 'dockhand' },
  };
}

function variable(key: string, value: string, masked = false): JobVariable {
  return { key, value, public: !masked, masked, file: false, raw: false };
}

/**
 * GitLab's CI_REGISTRY* for a job: the password is the job token (filled in at dispatch), which
 * the coordinator's token realm (./registry-tokens.ts) accepts for the project's repositories.
 */
function registryVariables(ctx: PipelineContext): JobVariable[] {
  if (ctx.registry === undefined) return [];
  return [
    variable('CI_REGISTRY', ctx.registry),
    variable('CI_REGISTRY_IMAGE', `${ctx.registry}/${projectPath(ctx.project)}`),
    variable('CI_REGISTRY_USER', REGISTRY_JOB_USER),
    variable('CI_REGISTRY_PASSWORD', JOB_TOKEN_PLACEHOLDER, true),
  ];
}

function registryCredentials(ctx: PipelineContext): JobCredential[] {
  if (ctx.registry === undefined) return [];
  return [
    {
      type: 'registry',
      url: ctx.registry,
      username: REGISTRY_JOB_USER,
      password: JOB_TOKEN_PLACEHOLDER,
    },
  ];
}

/** The project's path in the registry and in CI_PROJECT_PATH. */
export function projectPath(project: Pick<ProjectRecord, 'name'>): string {
  return `${PROJECT_NAMESPACE}/${project.name}`;
}

function needNames(planned: PlannedJob, all: readonly PlannedJob[]): string[] | null {
  if (planned.needs === undefined) return null;
  const names = new Set<string>();
  for (const need of planned.needs) {
    for (const other of all) {
      if (other.job.name === need.job || other.job.baseName === need.job) names.add(other.job.name);
    }
  }
  return [...names];
}

export function buildPipeline(ctx: PipelineContext): BuiltPipeline {
  const { commit } = ctx;
  const text = commit.yaml.get(PIPELINE_FILE);
  if (text === undefined)
    return { ok: false, errors: [`${PIPELINE_FILE} not found at ${commit.sha}`] };
  const parsed = parsePipeline({
    file: PIPELINE_FILE,
    text,
    includes: {
      readFile: (path) => commit.yaml.get(path.replace(/^\/+/, '')),
      listFiles: () => commit.files,
    },
  });
  if (parsed.pipeline === undefined || parsed.errors.length > 0) {
    return { ok: false, errors: parsed.errors.map(formatProblem) };
  }
  const forPlan = [
    ...predefinedVariables(runContext(ctx, { pipelineId: 0, jobId: 0 }, { name: '', stage: '' })),
    ...registryVariables(ctx),
  ];
  const plan = planPipeline(parsed.pipeline, {
    predefined: Object.fromEntries(forPlan.map((v) => [v.key, v.value])),
    ...(ctx.variables === undefined ? {} : { overrides: ctx.variables }),
    ref: { name: commit.ref, type: commit.refType },
    repositoryFiles: commit.files,
  });
  if (plan.errors.length > 0) {
    return {
      ok: false,
      errors: plan.errors.map((p) => (p.job === undefined ? p.message : `${p.job}: ${p.message}`)),
    };
  }
  if (!plan.created) return { ok: false, errors: [`no pipeline for this ref: ${plan.reason}`] };
  const jobs = plan.jobs.map((planned): NewJob => ({
    name: planned.job.name,
    stage: planned.job.stage,
    stageIndex: planned.stageIndex,
    needs: needNames(planned, plan.jobs),
    dependencies: [...planned.artifactsFrom],
    tags: [...planned.job.tags],
    when: planned.when === 'never' ? 'manual' : planned.when,
    allowFailure: planned.allowFailure.allowed,
    status: 'created',
  }));
  const secrets = Object.entries(ctx.variables ?? {}).map(([key, value]) => ({
    key,
    value,
    public: false,
    masked: false,
    file: false,
    raw: false,
  }));
  const payloadFor = (ids: { pipelineId: number; jobId: number }, index: number): JobSpec => {
    const planned = plan.jobs[index] as PlannedJob;
    const spec = toJobSpec(planned, {
      jobId: ids.jobId,
      pipelineId: ids.pipelineId,
      projectId: ctx.project.id,
      projectName: ctx.project.name,
      projectFullPath: projectPath(ctx.project),
      token: JOB_TOKEN_PLACEHOLDER,
      git: {
        repo_url: `file://${ctx.project.path}`,
        ref: commit.ref,
        sha: commit.sha,
        before_sha: commit.beforeSha,
        ref_type: commit.refType,
        refspecs: [],
        depth: 0,
      },
      predefined: [
        ...predefinedVariables(runContext(ctx, ids, planned.job)),
        ...registryVariables(ctx),
      ],
      secrets,
    });
    return {
      ...spec,
      credentials: registryCredentials(ctx),
      features: { trace_sections: true, token_mask_prefixes: ['glrt-', 'glcbt-'] },
    };
  };
  return { ok: true, jobs, payloadFor };
}
