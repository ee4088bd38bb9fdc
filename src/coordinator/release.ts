/**
 * Which waiting jobs of a pipeline may start, and the pipeline's status: pure functions over the
 * job records, so the rules of stages, `needs` and `when` are tested without a store.
 */
import type { JobStatus } from '../protocol/responses.js';
import type { JobRecord, PipelineStatus } from './store/store.js';

type Decision = 'pending' | 'skipped' | 'manual';

/** Done as far as jobs after it are concerned (a manual job nobody started does not block). */
function settled(status: JobStatus): boolean {
  return ['success', 'failed', 'canceled', 'skipped', 'manual'].includes(status);
}

function failedBlocking(job: JobRecord): boolean {
  return (job.status === 'failed' && !job.allowFailure) || job.status === 'canceled';
}

function prerequisites(job: JobRecord, all: readonly JobRecord[]): JobRecord[] {
  if (job.needs === null) return all.filter((other) => other.stageIndex < job.stageIndex);
  const needs = job.needs;
  return all.filter((other) => needs.includes(other.name));
}

/**
 * Decisions for the `created` jobs whose prerequisites have all settled: on_success starts when
 * none failed (allow_failure counts as success), on_failure when one did, always regardless;
 * with `needs`, a skipped need skips an on_success job too (GitLab's DAG rule).
 */
export function releaseDecisions(jobs: readonly JobRecord[]): Map<number, Decision> {
  const decisions = new Map<number, Decision>();
  for (const job of jobs) {
    if (job.status !== 'created') continue;
    const before = prerequisites(job, jobs);
    if (!before.every((other) => settled(other.status))) continue;
    const failed =
      before.some(failedBlocking) ||
      (job.needs !== null && before.some((other) => other.status === 'skipped'));
    decisions.set(job.id, decide(job, failed));
  }
  return decisions;
}

function decide(job: JobRecord, failed: boolean): Decision {
  switch (job.when) {
    case 'always':
      return 'pending';
    case 'on_failure':
      return failed ? 'pending' : 'skipped';
    case 'manual':
      return failed ? 'skipped' : 'manual';
    case 'on_success':
    case 'delayed':
      return failed ? 'skipped' : 'pending';
  }
}

/** The pipeline's status from its jobs' (GitLab's composite status, simplified). */
export function pipelineStatus(jobs: readonly JobRecord[]): PipelineStatus {
  if (jobs.length === 0) return 'success';
  if (!jobs.every((job) => settled(job.status))) {
    const started = jobs.some((job) => job.status !== 'created' && job.status !== 'pending');
    return started ? 'running' : 'pending';
  }
  if (jobs.some((job) => job.status === 'failed' && !job.allowFailure)) return 'failed';
  if (jobs.some((job) => job.status === 'canceled')) return 'canceled';
  return 'success';
}

/** `tags ⊆ runner tags`; an untagged job needs a runner with run_untagged. */
export function runnerMatches(
  job: Pick<JobRecord, 'tags'>,
  runner: {
    readonly tags: readonly string[];
    readonly runUntagged: boolean;
    readonly paused: boolean;
  },
): boolean {
  if (runner.paused) return false;
  if (job.tags.length === 0) return runner.runUntagged;
  return job.tags.every((tag) => runner.tags.includes(tag));
}
