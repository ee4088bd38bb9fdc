import { ConfigError } from '../../core/errors.js';
import { formatJobList, formatProblem, parsePipeline, planPipeline } from '../../pipeline/index.js';
import type { CliIo } from '../io.js';
import { fsIncludeResolver, listRepositoryFiles, readPipelineSource } from '../pipeline-files.js';

export interface ListJobsOptions {
  /** Repository root; default io.cwd. */
  readonly cwd?: string;
  /** Default `.gitlab-ci.yml`. */
  readonly file?: string;
  readonly ref: { readonly name: string; readonly type: 'branch' | 'tag' };
  /** Predefined variables for rules (CI_COMMIT_BRANCH, CI_DEFAULT_BRANCH…), e.g. from predefinedVariables(). */
  readonly predefined?: Readonly<Record<string, string>>;
  /** `--var KEY=VALUE` and the like: they beat YAML variables. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly source?: string;
  /** Undefined: unknown, every `changes` rule is true. */
  readonly changedFiles?: readonly string[];
}

/**
 * `dockhand exec --list`: parse, plan for the ref, print one line per job. Throws ConfigError
 * (exit 2) when the pipeline is invalid, after printing its problems.
 */
export function listJobs(io: CliIo, options: ListJobsOptions): number {
  const source = readPipelineSource(options.cwd ?? io.cwd, options.file);
  const result = parsePipeline({
    file: source.file,
    text: source.text,
    includes: fsIncludeResolver(source.root),
  });
  if (result.pipeline === undefined) {
    for (const problem of result.errors) io.stderr(`${formatProblem(problem)}\n`);
    throw new ConfigError(
      'pipeline-invalid',
      `${source.file} is invalid (${result.errors.length} error(s))`,
      {
        hint: `run 'dockhand lint' for details`,
      },
    );
  }
  const refVariables: Record<string, string> = {
    CI_COMMIT_REF_NAME: options.ref.name,
    CI_PIPELINE_SOURCE: options.source ?? 'push',
    ...(options.ref.type === 'branch'
      ? { CI_COMMIT_BRANCH: options.ref.name }
      : { CI_COMMIT_TAG: options.ref.name }),
  };
  const plan = planPipeline(result.pipeline, {
    predefined: { ...refVariables, ...options.predefined },
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
    ref: options.ref,
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.changedFiles === undefined ? {} : { changedFiles: options.changedFiles }),
    repositoryFiles: () => listRepositoryFiles(source.root),
  });
  for (const line of formatJobList(plan)) io.stdout(`${line}\n`);
  for (const problem of [...plan.errors, ...plan.warnings]) {
    io.stderr(`${problem.job === undefined ? '' : `job "${problem.job}": `}${problem.message}\n`);
  }
  return plan.errors.length > 0 ? 2 : 0;
}
