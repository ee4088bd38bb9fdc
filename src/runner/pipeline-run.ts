import type { JobResult } from './job-outcome.js';
import {
  PipelineSchedule,
  type FinishDecision,
  type JobStatus,
  type ScheduleJob,
} from './pipeline-schedule.js';

export interface PipelineRunOptions {
  readonly jobs: readonly ScheduleJob[];
  readonly concurrency: number;
  /** Runs one attempt of a job to its end; a rejection counts as a runner system failure. */
  readonly runAttempt: (name: string, attempt: number) => Promise<JobResult>;
  /** Once aborted, nothing more starts (running jobs are the attempt's business). */
  readonly cancel?: AbortSignal;
  readonly onSkip?: (name: string, reason: string) => void;
  readonly onFinish?: (name: string, result: JobResult, decision: FinishDecision) => void;
}

/** How a job of the pipeline ended, for the summary. */
export interface PipelineJobReport {
  readonly name: string;
  readonly status: JobStatus;
  readonly allowedFailure: boolean;
  readonly attempts: number;
  /** All attempts together. */
  readonly durationMs: number;
  readonly reason?: string;
}

export interface PipelineReport {
  readonly jobs: readonly PipelineJobReport[];
  /** A job failed without being allowed to, or was canceled. */
  readonly failed: boolean;
}

function systemFailure(error: unknown): JobResult {
  return {
    state: 'failed',
    failureReason: 'runner_system_failure',
    message: `Job failed (system failure): ${error instanceof Error ? error.message : String(error)}`,
    durationMs: 0,
  };
}

/**
 * Runs a local pipeline: starts what the schedule allows, up to `concurrency` jobs at a time,
 * reports each job's end, retries what the schedule retries. Free of executors: the caller's
 * `runAttempt` runs a job.
 */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineReport> {
  const schedule = new PipelineSchedule(options.jobs, { concurrency: options.concurrency });
  const running = new Map<string, Promise<void>>();
  const durations = new Map<string, number>();
  const announced = new Set<string>();
  const announceSkips = (): void => {
    for (const job of schedule.snapshot()) {
      if (job.status !== 'skipped' || announced.has(job.name)) continue;
      announced.add(job.name);
      options.onSkip?.(job.name, job.reason ?? 'skipped');
    }
  };
  const attempt = async (name: string, number: number): Promise<void> => {
    const result = await options.runAttempt(name, number).catch(systemFailure);
    durations.set(name, (durations.get(name) ?? 0) + result.durationMs);
    const decision = schedule.finish(name, result);
    options.onFinish?.(name, result, decision);
  };
  for (;;) {
    if (options.cancel?.aborted === true) schedule.cancelPending('the pipeline was canceled');
    for (const start of schedule.next()) {
      const done = attempt(start.name, start.attempt).finally(() => running.delete(start.name));
      running.set(start.name, done);
    }
    announceSkips();
    if (schedule.done || running.size === 0) break;
    await Promise.race(running.values());
  }
  announceSkips();
  return {
    jobs: schedule.snapshot().map((job) => ({
      name: job.name,
      status: job.status,
      allowedFailure: job.allowedFailure,
      attempts: job.attempts,
      durationMs: durations.get(job.name) ?? 0,
      ...(job.reason === undefined ? {} : { reason: job.reason }),
    })),
    failed: schedule.failed,
  };
}
