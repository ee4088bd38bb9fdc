import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, UsageError } from '../core/errors.js';
import { DOCKHAND_VERSION } from '../core/version.js';
import { readGitSnapshot, type GitSnapshot } from '../git/read-repo.js';
// Not the pipeline index: it would load the parser and the YAML library, which a cached
// pipeline does without (src/cli/pipeline-cache.ts).
import { formatProblem } from '../pipeline/errors.js';
import type { Pipeline } from '../pipeline/model.js';
import type { ParseInput } from '../pipeline/parse-pipeline.js';
import { planPipeline, type Plan, type PlannedJob } from '../pipeline/plan.js';
import { toJobSpec } from '../pipeline/to-job-spec.js';
import { predefinedVariables, type LocalRunContext } from '../pipeline/variables/index.js';
import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import type { JobResult } from '../runner/job-outcome.js';
import { tolerates } from '../runner/pipeline-schedule.js';
import { registryContext, registryCredentials, type ExecRegistry } from './exec-registry.js';
import { cacheFilesHasher } from './cache-key-files.js';
import { parseWithCache } from './pipeline-cache.js';
import { localProjectId } from './local-project-id.js';
import { fsIncludeResolver, listRepositoryFiles, readPipelineSource } from './pipeline-files.js';
import { ensureStateDir } from './state-dir.js';

/** One job `dockhand exec` will run (or skip), in pipeline order. */
export interface ExecJob {
  readonly planned: PlannedJob;
  readonly spec: JobSpec;
}

export interface ExecPlan {
  readonly plan: Plan;
  readonly jobs: readonly ExecJob[];
  readonly git: GitSnapshot;
}

export interface LoadOptions {
  /** A directory inside the repository's work tree. */
  readonly cwd: string;
  /** The pipeline file, relative to the repository root. */
  readonly file: string;
  /** `--variable KEY=VALUE`: like project variables, they beat YAML. */
  readonly variables: readonly JobVariable[];
  /** `--registry…`: CI_REGISTRY* variables and the job's registry credential. */
  readonly registry?: ExecRegistry | undefined;
  /** The snapshot, when the caller read it already (exec reads it while loading modules). */
  readonly git?: GitSnapshot;
}

/**
 * This build of dockhand: its version, and the size and time of the compiled file holding this
 * code (a rebuild rewrites it), so that a parsed-pipeline cache entry never outlives the parser
 * that wrote it.
 */
function buildId(): string {
  const self = statSync(fileURLToPath(import.meta.url), { throwIfNoEntry: false });
  return `${DOCKHAND_VERSION}+${self?.mtimeMs ?? 0}.${self?.size ?? 0}`;
}

/** `.dockhand/parsed/`, with `.dockhand/`'s .gitignore (a fresh one must not show in `git status`). */
function parsedDir(root: string): string {
  try {
    ensureStateDir(root, 'parsed');
  } catch {
    // A read-only checkout: the cache stays empty (its writes fail quietly), the run goes on.
  }
  return join(root, '.dockhand', 'parsed');
}

/** The parser and the YAML library, loaded only when the cache cannot answer. */
async function parseFresh(input: ParseInput) {
  const { parsePipeline } = await import('../pipeline/parse-pipeline.js');
  return parsePipeline(input);
}

/**
 * Reads and validates the pipeline file, through the parsed-pipeline cache in
 * `.dockhand/parsed/`; problems are a ConfigError (exit 2).
 */
export async function loadPipeline(root: string, file: string): Promise<Pipeline> {
  const source = readPipelineSource(root, file);
  const { result } = await parseWithCache(source, fsIncludeResolver(source.root), parseFresh, {
    dir: parsedDir(source.root),
    build: buildId(),
  });
  if (result.pipeline === undefined || result.errors.length > 0) {
    const lines = result.errors.map(formatProblem);
    throw new ConfigError('pipeline-invalid', `${source.file} is invalid:\n${lines.join('\n')}`, {
      hint: "fix the problems above ('dockhand lint' explains them)",
    });
  }
  return result.pipeline;
}

/** The ref a pipeline runs for: the tag on a detached HEAD at a tag, else the branch. */
export function refOf(git: GitSnapshot): { name: string; type: 'branch' | 'tag' } {
  if (git.branch === undefined && git.tag !== undefined) return { name: git.tag, type: 'tag' };
  return { name: git.branch ?? 'HEAD', type: 'branch' };
}

/** The local stand-ins for what GitLab knows about the project, the pipeline and a job. */
export function localRunContext(
  git: GitSnapshot,
  configPath: string,
  job: { id: number; name: string; stage: string; nodeIndex?: number; nodeTotal?: number },
  registry?: ExecRegistry,
): LocalRunContext {
  const ref = refOf(git);
  const path = `local/${git.projectName}`;
  const registryFacts = registryContext(registry, path);
  const now = new Date().toISOString();
  return {
    git: {
      sha: git.sha,
      beforeSha: git.beforeSha,
      ...(ref.type === 'tag' ? { tag: ref.name } : { branch: ref.name }),
      ...(git.tagMessage === undefined ? {} : { tagMessage: git.tagMessage }),
      message: git.message,
      authorName: git.authorName,
      authorEmail: git.authorEmail,
      timestamp: git.timestamp,
      defaultBranch: git.defaultBranch,
    },
    project: {
      dir: `/builds/${path}`,
      name: git.projectName,
      path,
      namespace: 'local',
      id: localProjectId(git.root),
      configPath,
    },
    job: { ...job, startedAt: now },
    pipeline: { id: 1, iid: 1, createdAt: now },
    ...(registryFacts === undefined ? {} : { registry: registryFacts }),
  };
}

/** Predefined variables as the plain record rules are evaluated against. */
export function predefinedRecord(context: LocalRunContext): Record<string, string> {
  return Object.fromEntries(predefinedVariables(context).map((v) => [v.key, v.value]));
}

/**
 * .gitlab-ci.yml → plan for the current commit → one JobSpec per job, as GitLab would send them
 * to a runner. The job token is a random local value (masked like a real one).
 */
export async function loadExecPlan(options: LoadOptions, token: string): Promise<ExecPlan> {
  const git = options.git ?? (await readGitSnapshot(options.cwd));
  const pipeline = await loadPipeline(git.root, options.file);
  const ref = refOf(git);
  const plan = planPipeline(pipeline, {
    predefined: predefinedRecord(
      localRunContext(git, options.file, { id: 0, name: '', stage: '' }, options.registry),
    ),
    overrides: Object.fromEntries(options.variables.map((v) => [v.key, v.value])),
    ref,
    // Listed only if a rule has `exists`: walking the work tree is wasted on most pipelines.
    repositoryFiles: () => listRepositoryFiles(git.root),
  });
  if (plan.errors.length > 0) {
    const lines = plan.errors.map((p) =>
      p.job === undefined ? p.message : `${p.job}: ${p.message}`,
    );
    throw new ConfigError('pipeline-plan', `cannot plan the pipeline:\n${lines.join('\n')}`);
  }
  const hashCacheFiles = cacheFilesHasher(git.root);
  const jobs = plan.jobs.map((planned, index): ExecJob => {
    const jobId = index + 1;
    const context = localRunContext(
      git,
      options.file,
      {
        id: jobId,
        name: planned.job.name,
        stage: planned.job.stage,
        // parallel and matrix jobs: CI_NODE_INDEX / CI_NODE_TOTAL.
        ...(planned.job.parallel === undefined
          ? {}
          : { nodeIndex: planned.job.parallel.index, nodeTotal: planned.job.parallel.total }),
      },
      options.registry,
    );
    const spec = toJobSpec(planned, {
      jobId,
      pipelineId: 1,
      projectId: context.project.id,
      projectName: git.projectName,
      projectFullPath: context.project.path,
      token,
      git: {
        repo_url: `file://${git.root}`,
        ref: ref.name,
        sha: git.sha,
        before_sha: git.beforeSha,
        ref_type: ref.type,
        refspecs: [],
        depth: 0,
      },
      predefined: predefinedVariables(context),
      secrets: options.variables,
      hashCacheFiles,
    });
    const credentials = registryCredentials(options.registry);
    return {
      planned,
      spec: { ...spec, credentials, features: { trace_sections: true } },
    };
  });
  return { plan, jobs, git };
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

/** A failed job whose failure is allowed (`allow_failure`, or one of its `exit_codes`). */
export function allowedToFail(job: ExecJob, result: JobResult): boolean {
  if (result.state !== 'failed') return false;
  return tolerates(job.planned.allowFailure, result.exitCode);
}
