/**
 * Expected outcomes of each coordinator call, as discriminated unions (architecture rule 8):
 * the caller (the daemon) decides what to log and what to do next. Unexpected answers throw
 * CoordinatorProtocolError / CoordinatorUnreachableError instead.
 */
import type { JobSpec } from '../protocol/job-spec.js';
import type { JobStatus } from '../protocol/responses.js';

export type RegisterResult =
  | {
      readonly kind: 'registered';
      readonly id: number;
      /** The `glrt-` authentication token to write into config.toml (a secret). */
      readonly token: string;
      readonly tokenExpiresAt: string | null;
    }
  /** 403: the registration token is wrong. */
  | { readonly kind: 'forbidden' }
  /** 410: registration tokens are disabled on this coordinator. */
  | { readonly kind: 'gone' };

export type VerifyResult =
  | { readonly kind: 'valid'; readonly id?: number; readonly tokenExpiresAt?: string | null }
  | { readonly kind: 'forbidden' };

export type UnregisterResult = { readonly kind: 'unregistered' } | { readonly kind: 'forbidden' };

export type RequestJobResult =
  | { readonly kind: 'job'; readonly job: JobSpec }
  /** 204: nothing to do; echo `lastUpdate` in the next request to be long-polled. */
  | { readonly kind: 'none'; readonly lastUpdate: string | undefined }
  /** 409/503/5xx or unreachable: ask again after `retryAfterMs`. */
  | { readonly kind: 'unavailable'; readonly retryAfterMs: number }
  /** 403: the runner token is invalid or the runner was removed. */
  | { readonly kind: 'forbidden' };

export type PatchTraceResult =
  | {
      readonly kind: 'accepted';
      /** Bytes the server now holds. */
      readonly size: number;
      readonly jobStatus: JobStatus | undefined;
      /** X-GitLab-Trace-Update-Interval, when the server sets one. */
      readonly updateIntervalMs: number | undefined;
    }
  /** 416: the server holds `offset` bytes; resend from there. */
  | { readonly kind: 'range-mismatch'; readonly offset: number }
  /** 403 (job not running) or 404 (job gone): stop sending this job's trace. */
  | {
      readonly kind: 'aborted';
      readonly status: 403 | 404;
      readonly jobStatus: JobStatus | undefined;
    };

export type UpdateJobResult =
  /** 200: accepted (final states: the job is done). */
  | { readonly kind: 'accepted'; readonly jobStatus: JobStatus | undefined }
  /** 202: not finalised yet; send pending trace, wait `retryAfterMs`, update again. */
  | { readonly kind: 'pending'; readonly retryAfterMs: number }
  /** 412: the server's trace does not match the checksum; resend the whole trace from 0. */
  | { readonly kind: 'trace-mismatch' }
  | {
      readonly kind: 'aborted';
      readonly status: 403 | 404;
      readonly jobStatus: JobStatus | undefined;
    };

export type UploadArtifactsResult =
  | { readonly kind: 'uploaded' }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'not-found' };

export type DownloadArtifactsResult =
  | {
      readonly kind: 'downloaded';
      readonly data: Uint8Array;
      readonly filename: string | undefined;
    }
  | { readonly kind: 'forbidden'; readonly status: 401 | 403 }
  | { readonly kind: 'not-found' };
