import { DockhandError } from '../core/errors.js';
import { JobFailedError } from '../executors/job-error.js';
import type { FailureReason } from '../protocol/job-spec.js';
import { formatGoDuration } from './go-duration.js';

/** How one job ended: what a caller (CLI, daemon) reports. */
export type JobResult =
  | { readonly state: 'success'; readonly durationMs: number }
  | {
      readonly state: 'failed';
      readonly failureReason: FailureReason;
      /** Set for `script_failure` (the script's exit code) and when an executor gave one. */
      readonly exitCode?: number;
      /** The text after `ERROR: ` in the final log line. */
      readonly message: string;
      readonly durationMs: number;
    }
  | { readonly state: 'canceled'; readonly durationMs: number };

/** The end of the job before timing is attached: what the final log line says. */
export type JobEnd =
  | { readonly state: 'success' }
  | {
      readonly state: 'failed';
      readonly failureReason: FailureReason;
      readonly exitCode?: number;
      readonly message: string;
    }
  | { readonly state: 'canceled' };

export const SUCCESS: JobEnd = { state: 'success' };
export const CANCELED: JobEnd = { state: 'canceled' };

/** `Job failed: exit code N` (script_failure). */
export function exitFailure(exitCode: number): JobEnd {
  return {
    state: 'failed',
    failureReason: 'script_failure',
    exitCode,
    message: `Job failed: exit code ${exitCode}`,
  };
}

/** `Job failed: execution took longer than <Go duration> seconds`, GitLab's wording. */
export function timeoutFailure(limitMs: number): JobEnd {
  return {
    state: 'failed',
    failureReason: 'job_execution_timeout',
    message: `Job failed: execution took longer than ${formatGoDuration(limitMs)} seconds`,
  };
}

const SYSTEM_REASONS: ReadonlySet<FailureReason> = new Set([
  'runner_system_failure',
  'unknown_failure',
  'image_pull_failure',
]);

/**
 * A thrown error as a job end. Executors throw JobFailedError with a reason; anything else that
 * escapes an executor (an engine error, a bug) is a runner system failure, as in GitLab.
 */
export function errorFailure(error: unknown): JobEnd {
  if (error instanceof JobFailedError) {
    const system = SYSTEM_REASONS.has(error.failureReason);
    return {
      state: 'failed',
      failureReason: error.failureReason,
      ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
      message: `${system ? 'Job failed (system failure)' : 'Job failed'}: ${error.message}`,
    };
  }
  const text =
    error instanceof DockhandError || error instanceof Error ? error.message : String(error);
  return {
    state: 'failed',
    failureReason: 'runner_system_failure',
    message: `Job failed (system failure): ${text}`,
  };
}

export function withDuration(end: JobEnd, durationMs: number): JobResult {
  return { ...end, durationMs };
}
