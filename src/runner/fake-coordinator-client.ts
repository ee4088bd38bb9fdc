import type { CoordinatorClient } from '../api/coordinator-client.js';
import { CoordinatorUnreachableError } from '../api/http.js';
import type { ArtifactUpload } from '../api/artifacts.js';
import type {
  DownloadArtifactsResult,
  PatchTraceResult,
  RequestJobResult,
  UpdateJobResult,
  UploadArtifactsResult,
} from '../api/results.js';
import type { JobSpec } from '../protocol/job-spec.js';
import type { JobRequest, UpdateJobRequest } from '../protocol/requests.js';
import type { JobStatus } from '../protocol/responses.js';
import { traceChecksum } from '../protocol/trace.js';

/**
 * An in-memory coordinator for daemon and trace-sink tests: it hands out queued jobs, keeps
 * traces with GitLab's offset rules, records every call, and can be told to be unreachable, to
 * report a job status, or to hold job requests. No HTTP, no module mocking.
 */
export class FakeCoordinatorClient implements CoordinatorClient {
  /** Jobs handed out by requestJob, first in first out. */
  readonly queue: JobSpec[] = [];
  readonly requests: JobRequest[] = [];
  readonly patches: { jobId: number; offset: number; length: number }[] = [];
  readonly updates: { jobId: number; update: UpdateJobRequest }[] = [];
  /** Trace bytes as the server holds them. */
  readonly traces = new Map<number, Buffer>();
  /** `Job-Status` reported for a job (default running). */
  readonly statuses = new Map<number, JobStatus>();
  /** Jobs answered 403 (job not running) on trace and update. */
  readonly refused = new Set<number>();
  /** Every call throws CoordinatorUnreachableError while set. */
  down = false;
  /** What requestJob answers when the queue is empty. */
  idleAnswer: RequestJobResult = { kind: 'none', lastUpdate: 'v1' };
  /** Hold job requests until their signal aborts (a long poll that never gets a job). */
  holdRequests = false;
  /** Answer the final update with 202 this many times first. */
  pendingFinals = 0;
  inFlightRequests = 0;
  maxInFlightRequests = 0;

  register(): never {
    throw new Error('not used');
  }
  verify(): never {
    throw new Error('not used');
  }
  unregister(): never {
    throw new Error('not used');
  }
  /** Artifact archives by job id, and how each was uploaded. */
  readonly artifacts = new Map<
    number,
    { readonly data: Uint8Array; readonly upload: ArtifactUpload }
  >();
  /** The job token each artifact call carried. */
  readonly artifactTokens: string[] = [];
  /** What uploadArtifacts answers instead of storing (e.g. too-large). */
  uploadAnswer: UploadArtifactsResult | undefined = undefined;

  uploadArtifacts(
    jobId: number,
    jobToken: string,
    upload: ArtifactUpload,
  ): Promise<UploadArtifactsResult> {
    if (this.down) return Promise.reject(new CoordinatorUnreachableError('POST artifacts'));
    this.artifactTokens.push(jobToken);
    if (this.uploadAnswer !== undefined) return Promise.resolve(this.uploadAnswer);
    const data = upload.data instanceof Uint8Array ? upload.data : new Uint8Array();
    this.artifacts.set(jobId, { data, upload });
    return Promise.resolve({ kind: 'uploaded' });
  }

  downloadArtifacts(jobId: number, jobToken: string): Promise<DownloadArtifactsResult> {
    if (this.down) return Promise.reject(new CoordinatorUnreachableError('GET artifacts'));
    this.artifactTokens.push(jobToken);
    const stored = this.artifacts.get(jobId);
    return Promise.resolve(
      stored === undefined
        ? { kind: 'not-found' }
        : { kind: 'downloaded', data: stored.data, filename: stored.upload.filename },
    );
  }

  async requestJob(request: JobRequest, signal?: AbortSignal): Promise<RequestJobResult> {
    this.requests.push(request);
    this.inFlightRequests++;
    this.maxInFlightRequests = Math.max(this.maxInFlightRequests, this.inFlightRequests);
    try {
      await Promise.resolve();
      if (this.down) throw new CoordinatorUnreachableError('POST /api/v4/jobs/request');
      if (this.holdRequests && this.queue.length === 0) {
        await new Promise<void>((resolve) => {
          if (signal?.aborted === true) resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        signal?.throwIfAborted();
      }
      const job = this.queue.shift();
      return job === undefined ? this.idleAnswer : { kind: 'job', job };
    } finally {
      this.inFlightRequests--;
    }
  }

  patchTrace(
    jobId: number,
    _jobToken: string,
    chunk: Uint8Array,
    offset: number,
  ): Promise<PatchTraceResult> {
    if (this.down) return Promise.reject(new CoordinatorUnreachableError('PATCH trace'));
    this.patches.push({ jobId, offset, length: chunk.byteLength });
    if (this.refused.has(jobId)) {
      return Promise.resolve({ kind: 'aborted', status: 403, jobStatus: this.statuses.get(jobId) });
    }
    const held = this.traces.get(jobId) ?? Buffer.alloc(0);
    if (offset !== 0 && offset !== held.byteLength) {
      return Promise.resolve({ kind: 'range-mismatch', offset: held.byteLength });
    }
    const next = Buffer.concat([offset === 0 ? Buffer.alloc(0) : held, chunk]);
    this.traces.set(jobId, next);
    return Promise.resolve({
      kind: 'accepted',
      size: next.byteLength,
      jobStatus: this.statuses.get(jobId) ?? 'running',
      updateIntervalMs: undefined,
    });
  }

  updateJob(jobId: number, update: UpdateJobRequest): Promise<UpdateJobResult> {
    if (this.down) return Promise.reject(new CoordinatorUnreachableError('PUT job'));
    this.updates.push({ jobId, update });
    const status = this.statuses.get(jobId);
    if (this.refused.has(jobId)) {
      return Promise.resolve({ kind: 'aborted', status: 403, jobStatus: status });
    }
    if (update.state === 'running') {
      return Promise.resolve({ kind: 'accepted', jobStatus: status ?? 'running' });
    }
    if (this.pendingFinals > 0) {
      this.pendingFinals--;
      return Promise.resolve({ kind: 'pending', retryAfterMs: 1000 });
    }
    const trace = this.traces.get(jobId) ?? Buffer.alloc(0);
    if (update.output?.checksum !== traceChecksum(trace)) {
      return Promise.resolve({ kind: 'trace-mismatch' });
    }
    this.statuses.set(jobId, update.state);
    return Promise.resolve({ kind: 'accepted', jobStatus: update.state });
  }

  /** The final (non-running) update of a job, if any. */
  finalUpdate(jobId: number): UpdateJobRequest | undefined {
    return this.updates.filter((u) => u.jobId === jobId && u.update.state !== 'running').at(-1)
      ?.update;
  }

  traceText(jobId: number): string {
    return (this.traces.get(jobId) ?? Buffer.alloc(0)).toString('utf8');
  }
}
