/**
 * Request bodies of the runner HTTP API v4, as the runner sends them and the coordinator reads
 * them (shared/reference/gitlab-runner.md §5). Field names are GitLab's wire names on purpose.
 */
import type { FailureReason } from './job-spec.js';

/** The `info` object sent on register, verify, job request and job update. */
export interface RunnerInfo {
  readonly name?: string;
  readonly version?: string;
  readonly revision?: string;
  readonly platform?: string;
  readonly architecture?: string;
  readonly executor?: string;
  readonly shell?: string;
  /** Capabilities the runner has (`variables`, `artifacts`, `trace_checksum`, …). */
  readonly features?: Readonly<Record<string, boolean>>;
}

export type AccessLevel = 'not_protected' | 'ref_protected';

/** `POST /api/v4/runners`: the legacy flow, authenticated by a registration token. */
export interface RegisterRunnerRequest {
  /** The registration token (a secret). */
  readonly token: string;
  readonly description?: string;
  readonly maintenance_note?: string;
  /** Comma-separated, as GitLab's API takes it: `"docker,linux"`. */
  readonly tag_list?: string;
  readonly run_untagged?: boolean;
  readonly locked?: boolean;
  readonly access_level?: AccessLevel;
  readonly maximum_timeout?: number;
  readonly paused?: boolean;
  readonly info?: RunnerInfo;
}

/** `POST /api/v4/runners/verify`: the `glrt-` authentication-token flow. */
export interface VerifyRunnerRequest {
  /** The runner authentication token (`glrt-…`, a secret). */
  readonly token: string;
  readonly system_id?: string;
  readonly info?: RunnerInfo;
}

/** `DELETE /api/v4/runners` (the whole runner) and `DELETE /api/v4/runners/managers` (one host). */
export interface UnregisterRunnerRequest {
  readonly token: string;
  readonly system_id?: string;
}

/** `POST /api/v4/jobs/request`. */
export interface JobRequest {
  readonly token: string;
  readonly system_id?: string;
  /** The last `X-GitLab-Last-Update` seen; equal to the server's value → the request is held. */
  readonly last_update?: string;
  readonly info?: RunnerInfo;
  readonly session?: {
    readonly url?: string;
    readonly certificate?: string;
    readonly authorization?: string;
  };
}

/** `state` in `PUT /api/v4/jobs/:id`. */
export type UpdateJobState = 'running' | 'success' | 'failed';

/** `PUT /api/v4/jobs/:id`. */
export interface UpdateJobRequest {
  /** The job token (also in the `JOB-TOKEN` header). */
  readonly token: string;
  readonly info?: RunnerInfo;
  readonly state: UpdateJobState;
  readonly failure_reason?: FailureReason;
  readonly exit_code?: number;
  /** Deprecated duplicate of `output.checksum`; still sent by GitLab Runner. */
  readonly checksum?: string;
  readonly output?: { readonly checksum?: string; readonly bytesize?: number };
}

/** Query of `POST /api/v4/jobs/:id/artifacts`. */
export type ArtifactFormat = 'zip' | 'gzip' | 'raw';
