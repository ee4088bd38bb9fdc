import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, UsageError } from '../core/errors.js';
import {
  formatProblem,
  parsePipeline,
  planPipeline,
  toJobSpec,
  type IncludeResolver,
  type Pipeline,
  type Plan,
  type PlannedJob,
} from '../pipeline/index.js';
import { predefinedVariables } from '../pipeline/variables/index.js';
import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import { readRepoFacts, type RepoFacts } from './repo-facts.js';

/** One job `dockhand exec` will run (or skip), in pipeline order. */
export interface ExecJob {
  readonly planned: PlannedJob;
  readonly spec: JobSpec;
}

export interface ExecPlan {
  readonly plan: Plan;
  readonly jobs: readonly ExecJob[];
  readonly repo: RepoFacts;
}

export interface LoadOptions {
  /** The repository's work tree. */
  readonly cwd: string;
  /** The pipeline file, relative to cwd. */
  readonly file: string;
  /** `--variable KEY=VALUE`: like project variables, they beat YAML. */
  readonly variables: readonly JobVariable[];
}

function includeResolver(cwd: string, files: readonly string[]): IncludeResolver {
  return {
    readFile: (path) => {
      try {
        return readFileSync(join(cwd, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    listFiles: () => files,
  };
}

/** Reads and validates the pipeline file; problems are a ConfigError (exit 2). */
export async function loadPipeline(
  cwd: string,
  file: string,
  repoFiles: readonly string[],
): Promise<Pipeline> {
  const text = await readFile(join(cwd, file), 'utf8').catch((error: unknown) => {
    throw new ConfigError('pipeline-unreadable', `cannot read ${join(cwd, file)}`, {
      hint: 'run dockhand exec in a repository with a .gitlab-ci.yml, or pass --cwd DIR / --file F',
      cause: error,
    });
  });
  const result = parsePipeline({ file, text, includes: includeResolver(cwd, repoFiles) });
  if (result.pipeline === undefined || result.errors.length > 0) {
    const lines = result.errors.map(formatProblem);
    throw new ConfigError('pipeline-invalid', `${file} is invalid:\n${lines.join('\n')}`, {
      hint: 'fix the problems above; positions are file:line:column',
    });
  }
  return result.pipeline;
}

/** A job id local runs give a job: stable within one `exec`, different per job. */
function localJobId(index: number): number {
  return index + 1;
}

/**
 * .gitlab-ci.yml → plan for the current commit → one JobSpec per job, as GitLab would send them
 * to a runner. The job token is a random local value (masked like a real one).
 */
export async function loadExecPlan(options: LoadOptions, token: string): Promise<ExecPlan> {
  const repo = await readRepoFacts(options.cwd);
  const pipeline = await loadPipeline(options.cwd, options.file, repo.files);
  const projectName = basename(options.cwd);
  const projectPath = `local/${projectName}`;
  const overrides = Object.fromEntries(options.variables.map((v) => [v.key, v.value]));
  const now = new Date().toISOString();
  const context = (jobId: number, name: string, stage: string) => ({
    git: {
      sha: repo.sha,
      message: repo.message,
      authorName: repo.authorName,
      authorEmail: repo.authorEmail,
      timestamp: repo.timestamp,
      defaultBranch: repo.branch ?? 'main',
      ...(repo.branch === undefined ? {} : { branch: repo.branch }),
      ...(repo.tag === undefined ? {} : { tag: repo.tag }),
    },
    project: {
      dir: `/builds/${projectPath}`,
      name: projectName,
      path: projectPath,
      namespace: 'local',
      id: 1,
      configPath: options.file,
    },
    job: { id: jobId, name, stage, startedAt: now },
    pipeline: { id: 1, iid: 1, createdAt: now },
  });
  const predefinedForPlan = predefinedVariables(context(0, '', ''));
  const plan = planPipeline(pipeline, {
    predefined: Object.fromEntries(predefinedForPlan.map((v) => [v.key, v.value])),
    overrides,
    ref:
      repo.tag === undefined
        ? { name: repo.branch ?? 'HEAD', type: 'branch' }
        : { name: repo.tag, type: 'tag' },
    repositoryFiles: repo.files,
  });
  if (plan.errors.length > 0) {
    const lines = plan.errors.map((p) =>
      p.job === undefined ? p.message : `${p.job}: ${p.message}`,
    );
    throw new ConfigError('pipeline-plan', `cannot plan the pipeline:\n${lines.join('\n')}`);
  }
  const jobs = plan.jobs.map((planned, index): ExecJob => {
    const jobId = localJobId(index);
    const spec = toJobSpec(planned, {
      jobId,
      pipelineId: 1,
      projectId: 1,
      projectName,
      projectFullPath: projectPath,
      token,
      git: {
        repo_url: `file://${options.cwd}`,
        ref: repo.tag ?? repo.branch ?? 'HEAD',
        sha: repo.sha,
        before_sha: '0'.repeat(40),
        ref_type: repo.tag === undefined ? 'branch' : 'tag',
        refspecs: [],
        depth: 0,
      },
      predefined: predefinedVariables(context(jobId, planned.job.name, planned.job.stage)),
      secrets: options.variables,
    });
    return { planned, spec: { ...spec, features: { trace_sections: true } } };
  });
  return { plan, jobs, repo };
}

/** The jobs named on the command line, in pipeline order; unknown names are a usage error. */
export function pickJobs(all: readonly ExecJob[], names: readonly string[]): ExecJob[] {
  if (names.length === 0) return [...all];
  const known = new Set(all.map((j) => j.planned.job.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `no job named ${unknown.map((n) => `"${n}"`).join(', ')} in this pipeline`,
      {
        hint: `jobs: ${[...known].join(', ') || 'none'} (dockhand exec --list shows why jobs are left out)`,
      },
    );
  }
  return all.filter((j) => names.includes(j.planned.job.name));
}

/** `--variable KEY=VALUE` → a variable like a project variable (not masked, expanded). */
export function parseVariableFlag(text: string): JobVariable {
  const at = text.indexOf('=');
  const key = at < 0 ? '' : text.slice(0, at);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new UsageError(`--variable takes KEY=VALUE, not "${at < 0 ? text : key}"`, {
      hint: 'e.g. --variable DEPLOY_ENV=staging',
    });
  }
  return { key, value: text.slice(at + 1), public: false, masked: false, file: false, raw: false };
}
