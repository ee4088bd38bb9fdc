import { DockhandError, type DockhandErrorOptions } from '../core/errors.js';
import type { FailureReason } from '../protocol/job-spec.js';

export interface JobFailedErrorOptions extends DockhandErrorOptions {
  /** The exit code to report (`exit_code` in `PUT /jobs/:id`), when a process decided it. */
  readonly exitCode?: number;
}

/**
 * A job that cannot run or did not succeed, with the `failure_reason` GitLab expects. The job
 * runner prints `ERROR: Job failed: <message>` for `script_failure` and
 * `ERROR: Job failed (system failure): <message>` for `runner_system_failure`, and sends the
 * reason to the coordinator. Messages never contain secret values.
 */
export class JobFailedError extends DockhandError {
  readonly failureReason: FailureReason;
  readonly exitCode: number | undefined;

  constructor(
    failureReason: FailureReason,
    code: string,
    message: string,
    options: JobFailedErrorOptions = {},
  ) {
    super('failed', code, message, options);
    this.name = 'JobFailedError';
    this.failureReason = failureReason;
    this.exitCode = options.exitCode;
  }
}
