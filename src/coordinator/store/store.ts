/**
 * The coordinator's persistence seam. Every method is async so a networked database
 * (docs/coordinator-store.md) fits the same interface; the embedded SQLite store and the memory
 * store answer synchronously underneath. Tokens are stored as SHA-256 digests only.
 */
import type { FailureReason, JobSpec } from '../../protocol/job-spec.js';
import type { AccessLevel } from '../../protocol/requests.js';
import type { JobStatus } from '../../protocol/responses.js';

export interface RunnerRecord {
  readonly id: number;
  readonly tokenHash: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly runUntagged: boolean;
  readonly locked: boolean;
  readonly paused: boolean;
  readonly accessLevel: AccessLevel;
  readonly maximumTimeout?: number;
  readonly createdAt: number;
  readonly contactedAt?: number;
}

export type NewRunner = Omit<RunnerRecord, 'id'>;

export interface ProjectRecord {
  readonly id: number;
  readonly name: string;
  /** The git repository (a path on the coordinator's host). */
  readonly path: string;
}

export type PipelineStatus = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export interface PipelineRecord {
  readonly id: number;
  readonly projectId: number;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly sha: string;
  readonly status: PipelineStatus;
  readonly createdAt: number;
  readonly finishedAt?: number;
}

export type NewPipeline = Omit<PipelineRecord, 'id' | 'finishedAt'>;

/** When a job runs relative to its prerequisites (`when:`), as the scheduler needs it. */
export type JobWhenRecord = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed';

export interface JobRecord {
  readonly id: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly name: string;
  readonly stage: string;
  readonly stageIndex: number;
  /** Names of jobs it waits for; null: every job of earlier stages (stage order). */
  readonly needs: readonly string[] | null;
  /** Names of jobs whose artifacts it downloads. */
  readonly dependencies: readonly string[];
  readonly tags: readonly string[];
  readonly when: JobWhenRecord;
  readonly allowFailure: boolean;
  readonly status: JobStatus;
  /** The payload without its token (see scheduler.ts: the token is set at dispatch). */
  readonly payload: JobSpec;
  readonly runnerId?: number;
  readonly tokenHash?: string;
  readonly failureReason?: FailureReason;
  readonly exitCode?: number;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Last trace patch or update from its runner: the lost-runner timeout counts from here. */
  readonly lastSeenAt?: number;
  readonly traceSize: number;
}

export type NewJob = Omit<
  JobRecord,
  'id' | 'pipelineId' | 'projectId' | 'payload' | 'traceSize' | 'createdAt'
>;

/** Fields a transition may set. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | 'status'
    | 'runnerId'
    | 'tokenHash'
    | 'failureReason'
    | 'exitCode'
    | 'startedAt'
    | 'finishedAt'
    | 'lastSeenAt'
  >
>;

export interface ArtifactRecord {
  readonly jobId: number;
  readonly filename: string;
  readonly size: number;
  readonly format: string;
  readonly type: string;
  readonly expireIn?: string;
  readonly createdAt: number;
}

export type QueuedJob = Pick<JobRecord, 'id' | 'pipelineId' | 'tags'>;

export type AppendResult =
  | { readonly ok: true; readonly size: number }
  /** The offset is not where the trace ends: the caller answers 416 with `size`. */
  | { readonly ok: false; readonly size: number };

export interface Store {
  createRunner(runner: NewRunner): Promise<RunnerRecord>;
  findRunnerByTokenHash(tokenHash: string): Promise<RunnerRecord | undefined>;
  touchRunner(id: number, at: number): Promise<void>;
  deleteRunner(id: number): Promise<boolean>;
  listRunners(): Promise<RunnerRecord[]>;

  /** Creates the project, or updates the path of the one with that name. */
  upsertProject(name: string, path: string): Promise<ProjectRecord>;
  findProjectByName(name: string): Promise<ProjectRecord | undefined>;
  listProjects(): Promise<ProjectRecord[]>;

  /**
   * Creates a pipeline and its jobs atomically. `payloadFor` builds each job's payload once its
   * id is known (the payload carries CI_JOB_ID and job_info.id).
   */
  createPipeline(
    pipeline: NewPipeline,
    jobs: readonly NewJob[],
    payloadFor: (ids: { pipelineId: number; jobId: number }, index: number) => JobSpec,
  ): Promise<{ pipeline: PipelineRecord; jobs: JobRecord[] }>;
  getPipeline(id: number): Promise<PipelineRecord | undefined>;
  listPipelines(limit: number): Promise<PipelineRecord[]>;
  setPipelineStatus(id: number, status: PipelineStatus, finishedAt?: number): Promise<void>;

  getJob(id: number): Promise<JobRecord | undefined>;
  listPipelineJobs(pipelineId: number): Promise<JobRecord[]>;
  /**
   * Pending jobs, oldest first, with only what tag matching needs: the hot path of every job
   * request, so it must not read payloads.
   */
  listQueue(limit: number): Promise<QueuedJob[]>;
  /** Jobs in `status`, oldest (lowest id) first. */
  listJobsByStatus(status: JobStatus, limit?: number): Promise<JobRecord[]>;
  /**
   * Compare-and-set: applies `patch` only while the job is in one of `from`. Resolves to the
   * updated job, or undefined when another caller moved it first (that is how two runners
   * never get the same job).
   */
  transitionJob(
    id: number,
    from: readonly JobStatus[],
    patch: JobPatch,
  ): Promise<JobRecord | undefined>;
  touchJob(id: number, at: number): Promise<void>;

  /**
   * Appends at byte `offset`, which must equal the current size; offset 0 replaces the trace
   * (GitLab's trace reset, used by a runner that resends everything after a 412).
   */
  appendTrace(jobId: number, offset: number, bytes: Uint8Array): Promise<AppendResult>;
  readTrace(jobId: number): Promise<Uint8Array>;

  putArtifact(artifact: ArtifactRecord): Promise<void>;
  getArtifact(jobId: number): Promise<ArtifactRecord | undefined>;

  close(): Promise<void>;
}
