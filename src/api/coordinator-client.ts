/**
 * The runner side of the runner HTTP API v4 (shared/reference/gitlab-runner.md §5). Every call
 * returns an outcome union (./results.ts); only answers the protocol does not allow throw. Tokens
 * go in headers (`RUNNER-TOKEN` / `JOB-TOKEN`) and bodies, never in URLs, errors or logs.
 */
import type {
  JobRequest,
  RegisterRunnerRequest,
  UnregisterRunnerRequest,
  UpdateJobRequest,
  VerifyRunnerRequest,
} from '../protocol/requests.js';
import { API_V4, HEADER, JOB_STATUSES, type JobStatus } from '../protocol/responses.js';
import { formatContentRange, parseTraceRange } from '../protocol/trace.js';
import { validateJobSpec, validateRunnerTokenResponse } from '../protocol/validate.js';
import { formatValidationError } from '../protocol/validator.js';
import { downloadArtifacts, uploadArtifacts, type ArtifactUpload } from './artifacts.js';
import {
  CoordinatorProtocolError,
  CoordinatorUnreachableError,
  readJson,
  send,
  type HttpOptions,
} from './http.js';
import type {
  DownloadArtifactsResult,
  PatchTraceResult,
  RegisterResult,
  RequestJobResult,
  UnregisterResult,
  UpdateJobResult,
  UploadArtifactsResult,
  VerifyResult,
} from './results.js';

export interface ClientOptions extends HttpOptions {
  /** How long a job request may be held by the server plus slack; default 65 s. */
  readonly requestJobTimeoutMs?: number;
  /** Wait suggested after an unavailable answer without Retry-After; default 3 s. */
  readonly unavailableRetryMs?: number;
}

export interface CoordinatorClient {
  /** Legacy registration with a registration token. Retries transient failures. */
  register(request: RegisterRunnerRequest): Promise<RegisterResult>;
  /** Checks a `glrt-` token (the new flow's only registration call). */
  verify(request: VerifyRunnerRequest): Promise<VerifyResult>;
  unregister(request: UnregisterRunnerRequest): Promise<UnregisterResult>;
  /**
   * One long poll. Not retried inside: a retried request could lose a job the server already
   * assigned, so failures come back as `unavailable` and the daemon's loop decides when to ask.
   */
  requestJob(request: JobRequest, signal?: AbortSignal): Promise<RequestJobResult>;
  /** Appends `chunk` (≥ 1 byte, ≤ 1 MiB) at byte `offset` of the job's trace. */
  patchTrace(
    jobId: number,
    jobToken: string,
    chunk: Uint8Array,
    offset: number,
  ): Promise<PatchTraceResult>;
  /** `PUT /jobs/:id`: keep-alive (`running`) or the final state with the trace checksum. */
  updateJob(jobId: number, update: UpdateJobRequest): Promise<UpdateJobResult>;
  uploadArtifacts(
    jobId: number,
    jobToken: string,
    upload: ArtifactUpload,
  ): Promise<UploadArtifactsResult>;
  /** Artifacts of job `jobId` (a dependency), authenticated with the running job's token. */
  downloadArtifacts(jobId: number, jobToken: string): Promise<DownloadArtifactsResult>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };
const MAX_UPDATE_INTERVAL_MS = 15 * 60 * 1000;

function jobStatusOf(response: Response): JobStatus | undefined {
  const value = response.headers.get(HEADER.jobStatus);
  return JOB_STATUSES.find((status) => status === value);
}

function updateIntervalOf(response: Response): number | undefined {
  const seconds = Number(response.headers.get(HEADER.traceUpdateInterval) ?? Number.NaN);
  return Number.isFinite(seconds) && seconds > 0
    ? Math.min(seconds * 1000, MAX_UPDATE_INTERVAL_MS)
    : undefined;
}

function retryAfterOf(response: Response, fallbackMs: number): number {
  const seconds = Number(response.headers.get(HEADER.retryAfter) ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : fallbackMs;
}

function unexpected(what: string, response: Response): never {
  throw new CoordinatorProtocolError(`${what} answered ${response.status}`, response.status);
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

export function createCoordinatorClient(options: ClientOptions): CoordinatorClient {
  const json = (method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, token?: string) =>
    send(options, {
      method,
      path: `${API_V4}${path}`,
      headers:
        token === undefined ? JSON_HEADERS : { ...JSON_HEADERS, [HEADER.runnerToken]: token },
      body: () => JSON.stringify(body),
    });

  async function tokenAnswer(what: string, response: Response) {
    const parsed = validateRunnerTokenResponse(await readJson(response, what));
    if (!parsed.ok) {
      throw new CoordinatorProtocolError(`${what}: ${formatValidationError(parsed.error)}`);
    }
    return parsed.value;
  }

  return {
    async register(request) {
      const response = await json('POST', '/runners', request);
      if (response.status === 201) {
        const body = await tokenAnswer('POST /runners', response);
        return {
          kind: 'registered',
          id: body.id,
          token: body.token,
          tokenExpiresAt: body.token_expires_at ?? null,
        };
      }
      await discard(response);
      if (response.status === 403) return { kind: 'forbidden' };
      if (response.status === 410) return { kind: 'gone' };
      return unexpected('POST /runners', response);
    },

    async verify(request) {
      const response = await json('POST', '/runners/verify', request, request.token);
      if (response.status === 403) {
        await discard(response);
        return { kind: 'forbidden' };
      }
      if (response.status !== 200) return unexpected('POST /runners/verify', response);
      // Older GitLab answers a bare 200; newer ones send the token's id and expiry.
      const text = await response.text();
      if (text.trim() === '') return { kind: 'valid' };
      const parsed = validateRunnerTokenResponse(JSON.parse(text) as unknown);
      return parsed.ok
        ? {
            kind: 'valid',
            id: parsed.value.id,
            tokenExpiresAt: parsed.value.token_expires_at ?? null,
          }
        : { kind: 'valid' };
    },

    async unregister(request) {
      const path = request.system_id === undefined ? '/runners' : '/runners/managers';
      const response = await json('DELETE', path, request, request.token);
      await discard(response);
      if (response.status === 204 || response.status === 200) return { kind: 'unregistered' };
      if (response.status === 403) return { kind: 'forbidden' };
      return unexpected(`DELETE ${path}`, response);
    },

    async requestJob(request, signal) {
      const fallback = options.unavailableRetryMs ?? 3000;
      let response: Response;
      try {
        response = await send(options, {
          method: 'POST',
          path: `${API_V4}/jobs/request`,
          headers: { ...JSON_HEADERS, [HEADER.runnerToken]: request.token },
          body: () => JSON.stringify(request),
          timeoutMs: options.requestJobTimeoutMs ?? 65_000,
          retry: false,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        if (error instanceof CoordinatorUnreachableError) {
          return { kind: 'unavailable', retryAfterMs: fallback };
        }
        throw error;
      }
      switch (response.status) {
        case 201: {
          const parsed = validateJobSpec(await readJson(response, 'POST /jobs/request'));
          if (!parsed.ok) {
            throw new CoordinatorProtocolError(
              `the job payload is invalid: ${formatValidationError(parsed.error)}`,
              201,
            );
          }
          return { kind: 'job', job: parsed.value };
        }
        case 204:
          return { kind: 'none', lastUpdate: response.headers.get(HEADER.lastUpdate) ?? undefined };
        case 403:
          await discard(response);
          return { kind: 'forbidden' };
        default:
          await discard(response);
          if (response.status === 409 || response.status === 429 || response.status >= 500) {
            return { kind: 'unavailable', retryAfterMs: retryAfterOf(response, fallback) };
          }
          return unexpected('POST /jobs/request', response);
      }
    },

    async patchTrace(jobId, jobToken, chunk, offset) {
      const what = `PATCH /jobs/${jobId}/trace`;
      const response = await send(options, {
        method: 'PATCH',
        path: `${API_V4}/jobs/${jobId}/trace`,
        headers: {
          [HEADER.jobToken]: jobToken,
          'Content-Type': 'text/plain',
          [HEADER.contentRange]: formatContentRange(offset, chunk.byteLength),
        },
        body: () => new Blob([chunk]),
      });
      await discard(response);
      const size = parseTraceRange(response.headers.get(HEADER.range));
      const jobStatus = jobStatusOf(response);
      switch (response.status) {
        case 202:
          return {
            kind: 'accepted',
            size: size ?? offset + chunk.byteLength,
            jobStatus,
            updateIntervalMs: updateIntervalOf(response),
          };
        case 416:
          if (size === undefined) return unexpected(`${what} (416 without Range)`, response);
          return { kind: 'range-mismatch', offset: size };
        case 403:
        case 404:
          return { kind: 'aborted', status: response.status, jobStatus };
        default:
          return unexpected(what, response);
      }
    },

    async updateJob(jobId, update) {
      const response = await send(options, {
        method: 'PUT',
        path: `${API_V4}/jobs/${jobId}`,
        headers: { ...JSON_HEADERS, [HEADER.jobToken]: update.token },
        body: () => JSON.stringify(update),
      });
      await discard(response);
      const jobStatus = jobStatusOf(response);
      switch (response.status) {
        case 200:
          return { kind: 'accepted', jobStatus };
        case 202:
          return { kind: 'pending', retryAfterMs: updateIntervalOf(response) ?? 3000 };
        case 412:
          return { kind: 'trace-mismatch' };
        case 403:
        case 404:
          return { kind: 'aborted', status: response.status, jobStatus };
        default:
          return unexpected(`PUT /jobs/${jobId}`, response);
      }
    },

    uploadArtifacts: (jobId, jobToken, upload) => uploadArtifacts(options, jobId, jobToken, upload),
    downloadArtifacts: (jobId, jobToken) => downloadArtifacts(options, jobId, jobToken),
  };
}
