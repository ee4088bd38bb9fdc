/**
 * Response bodies, status values and header names of the runner HTTP API v4
 * (shared/reference/gitlab-runner.md §5), shared by the client and the coordinator so both ends
 * spell them alike.
 */

/** `201` of `POST /runners`, `200` of `POST /runners/verify`. */
export interface RunnerTokenResponse {
  readonly id: number;
  /** The runner authentication token (`glrt-…`, a secret). */
  readonly token: string;
  /** ISO 8601, or null when the token does not expire (older GitLab omits it). */
  readonly token_expires_at?: string | null;
}

/** A job's status as GitLab reports it in the `Job-Status` header. */
export type JobStatus =
  | 'created'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped'
  | 'manual';

export const JOB_STATUSES: readonly JobStatus[] = [
  'created',
  'pending',
  'running',
  'success',
  'failed',
  'canceling',
  'canceled',
  'skipped',
  'manual',
];

/** Statuses after which a job never runs again. */
export function isFinishedStatus(status: JobStatus): boolean {
  return (
    status === 'success' || status === 'failed' || status === 'canceled' || status === 'skipped'
  );
}

/** Header names, in GitLab's spelling (HTTP headers are case-insensitive; these are canonical). */
export const HEADER = {
  runnerToken: 'RUNNER-TOKEN',
  jobToken: 'JOB-TOKEN',
  lastUpdate: 'X-GitLab-Last-Update',
  jobStatus: 'Job-Status',
  traceUpdateInterval: 'X-GitLab-Trace-Update-Interval',
  contentRange: 'Content-Range',
  range: 'Range',
  retryAfter: 'Retry-After',
  requestId: 'X-Request-Id',
} as const;

/** API prefix of the runner endpoints. */
export const API_V4 = '/api/v4';
