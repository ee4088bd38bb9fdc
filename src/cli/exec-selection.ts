import { ConfigError } from '../core/errors.js';
import type { ExecJob } from './exec-jobs.js';
import type { Assignment } from './exec-pipeline.js';
import { selectRunner } from './runner-selection.js';
import { defaultImageOf, EMBEDDED_RUNNER, type ExecRunner } from './wiring.js';

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

/** A job that needs an image (not on the shell executor) and has none, nor a runner default. */
function imageMissing(assignment: Assignment, executor: string): boolean {
  return (
    executor !== 'shell' &&
    assignment.job.spec.image === undefined &&
    defaultImageOf(assignment.runner) === undefined
  );
}

function noImage({ job, runner }: Assignment): ConfigError {
  return new ConfigError(
    'exec.no-image',
    `job "${job.planned.job.name}" has no image and the runner "${runner.name}" has no default image`,
    {
      hint: 'add image: busybox:latest (for example) to the job, image = "…" under [runners.docker], or use --executor shell',
    },
  );
}

/**
 * Checks every selected job can run before any does: runner tags, and an image unless the
 * jobs run with the shell executor (which ignores `image`, as GitLab's does). The embedded
 * runner's executor is known only once the engine has answered (no engine: shell), so its
 * image check waits for {@link requireImages}.
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
    const assignment = { job, runner: choice.runner };
    const deferred = choice.runner === EMBEDDED_RUNNER && executor === undefined;
    if (!deferred && imageMissing(assignment, executor ?? choice.runner.executor)) {
      throw noImage(assignment);
    }
    return assignment;
  });
}

/** The image check of {@link assign}, once each runner's executor is known; before any job runs. */
export function requireImages(
  assignments: readonly Assignment[],
  executorOf: (runner: ExecRunner) => string,
): void {
  const missing = assignments.find((a) => imageMissing(a, executorOf(a.runner)));
  if (missing !== undefined) throw noImage(missing);
}
