import { ConfigError } from '../core/errors.js';
import type { ExecJob } from './exec-jobs.js';
import type { Assignment } from './exec-pipeline.js';
import { selectRunner } from './runner-selection.js';
import { defaultImageOf, type ExecRunner } from './wiring.js';

/**
 * `--needs`: the chosen jobs plus everything they wait for, transitively: their `needs`, or for
 * a job without `needs` every job of the earlier stages. In pipeline order.
 */
export function withPredecessors(all: readonly ExecJob[], chosen: readonly ExecJob[]): ExecJob[] {
  const byName = new Map(all.map((job) => [job.planned.job.name, job]));
  const keep = new Set<string>();
  const visit = (job: ExecJob): void => {
    if (keep.has(job.planned.job.name)) return;
    keep.add(job.planned.job.name);
    const needs = job.planned.needs;
    const before =
      needs === undefined
        ? all.filter((other) => other.planned.stageIndex < job.planned.stageIndex)
        : needs.map((need) => byName.get(need.job)).filter((j): j is ExecJob => j !== undefined);
    for (const other of before) visit(other);
  };
  for (const job of chosen) visit(job);
  return all.filter((job) => keep.has(job.planned.job.name));
}

/**
 * Checks every selected job can run before any does: runner tags, and an image unless the
 * jobs run with the shell executor (which ignores `image`, as GitLab's does).
 */
export function assign(
  jobs: readonly ExecJob[],
  runners: readonly ExecRunner[],
  executor: string | undefined,
): Assignment[] {
  return jobs.map((job) => {
    const choice = selectRunner(
      { name: job.planned.job.name, tags: job.planned.job.tags },
      runners,
    );
    if (!choice.ok) throw new ConfigError('exec.no-runner', choice.message, { hint: choice.hint });
    const shell = (executor ?? choice.runner.executor) === 'shell';
    if (!shell && job.spec.image === undefined && defaultImageOf(choice.runner) === undefined) {
      throw new ConfigError(
        'exec.no-image',
        `job "${job.planned.job.name}" has no image and the runner "${choice.runner.name}" has no default image`,
        {
          hint: 'add image: busybox:latest (for example) to the job, image = "…" under [runners.docker], or use --executor shell',
        },
      );
    }
    return { job, runner: choice.runner };
  });
}
