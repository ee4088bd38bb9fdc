/**
 * The job queue: releases jobs as their stages / needs settle (./release.ts), hands a pending
 * job to the first runner whose tags match, and fails running jobs whose runner went silent.
 * Concurrency safety comes from the store's compare-and-set transitions, not from locks here.
 */
import type { FailureReason, JobSpec } from '../protocol/job-spec.js';
import type { JobStatus } from '../protocol/responses.js';
import type { Clock } from './clock.js';
import type { CoordinatorEvents } from './events.js';
import type { QueueSignal } from './queue-signal.js';
import { pipelineStatus, releaseDecisions, runnerMatches } from './release.js';
import type { JobRecord, RunnerRecord, Store } from './store/store.js';
import { generateToken, hashToken, JOB_TOKEN_PREFIX } from './tokens.js';

/**
 * Stored payloads hold this in place of the job token, which exists only from dispatch on; the
 * store never sees the real token (only its digest).
 */
export const JOB_TOKEN_PLACEHOLDER = '__DOCKHAND_JOB_TOKEN__';

/** How many of the oldest pending jobs one request looks at for a tag match. */
const PENDING_SCAN = 500;

export interface SchedulerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly signal: QueueSignal;
  readonly events?: CoordinatorEvents;
  /** A running job with no trace patch or update for this long fails (runner_system_failure). */
  readonly lostAfterMs: number;
}

export interface Dispatched {
  readonly job: JobRecord;
  /** The payload with the job token in it: send it once, never store or log it. */
  readonly payload: JobSpec;
}

export type FinishState = 'success' | 'failed';

export class Scheduler {
  readonly #o: SchedulerOptions;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Releases what can start in the pipeline, cascading skips; updates the pipeline status. */
  async advance(pipelineId: number): Promise<void> {
    const { store } = this.#o;
    let released = false;
    for (;;) {
      const jobs = await store.listPipelineJobs(pipelineId);
      const decisions = releaseDecisions(jobs);
      if (decisions.size === 0) {
        await this.#updatePipeline(pipelineId, jobs);
        break;
      }
      for (const [id, status] of decisions) {
        const moved = await store.transitionJob(id, ['created'], { status });
        if (moved !== undefined) this.#jobEvent(moved);
        if (status === 'pending') released = true;
      }
    }
    if (released) this.#o.signal.bump();
  }

  /** The oldest pending job this runner may take, now running on it; undefined when none. */
  async assign(runner: RunnerRecord): Promise<Dispatched | undefined> {
    const { store, clock } = this.#o;
    const pending = await store.listQueue(PENDING_SCAN);
    for (const candidate of pending) {
      if (!runnerMatches(candidate, runner)) continue;
      const token = generateToken(JOB_TOKEN_PREFIX);
      const now = clock.now();
      const job = await store.transitionJob(candidate.id, ['pending'], {
        status: 'running',
        runnerId: runner.id,
        tokenHash: hashToken(token),
        startedAt: now,
        lastSeenAt: now,
      });
      if (job === undefined) continue; // another runner took it between list and claim
      this.#jobEvent(job);
      // Only the first start changes the pipeline's status (pending → running).
      if ((await store.getPipeline(job.pipelineId))?.status === 'pending') {
        await this.#updatePipeline(job.pipelineId);
      }
      return { job, payload: await this.#payload(job, token) };
    }
    return undefined;
  }

  /** A final update from the runner. Resolves to the job as stored, or undefined if not running. */
  async finish(
    job: JobRecord,
    state: FinishState,
    failureReason?: FailureReason,
    exitCode?: number,
  ): Promise<JobRecord | undefined> {
    const status: JobStatus = job.status === 'canceling' ? 'canceled' : state;
    const finished = await this.#o.store.transitionJob(job.id, ['running', 'canceling'], {
      status,
      finishedAt: this.#o.clock.now(),
      ...(state === 'failed' && failureReason !== undefined ? { failureReason } : {}),
      ...(exitCode === undefined ? {} : { exitCode }),
    });
    if (finished !== undefined) {
      this.#jobEvent(finished);
      await this.advance(finished.pipelineId);
    }
    return finished;
  }

  /** Cancels a job: waiting ones at once, running ones once their runner reports back. */
  async cancel(jobId: number): Promise<JobRecord | undefined> {
    const { store, clock } = this.#o;
    const job =
      (await store.transitionJob(jobId, ['created', 'pending', 'manual'], {
        status: 'canceled',
        finishedAt: clock.now(),
      })) ?? (await store.transitionJob(jobId, ['running'], { status: 'canceling' }));
    if (job !== undefined) {
      this.#jobEvent(job);
      await this.advance(job.pipelineId);
    }
    return job;
  }

  /**
   * Fails running jobs silent for longer than `lostAfterMs`, keeping the trace received so far.
   * Resolves to the ids it failed. Called periodically by the server and safe to call anytime.
   */
  async sweepLost(): Promise<number[]> {
    const { store, clock, lostAfterMs } = this.#o;
    const now = clock.now();
    const lost: number[] = [];
    const active = [
      ...(await store.listJobsByStatus('running')),
      ...(await store.listJobsByStatus('canceling')),
    ];
    for (const job of active) {
      const seen = job.lastSeenAt ?? job.startedAt ?? job.createdAt;
      if (now - seen <= lostAfterMs) continue;
      const failed = await store.transitionJob(job.id, ['running', 'canceling'], {
        status: 'failed',
        failureReason: 'runner_system_failure',
        finishedAt: now,
      });
      if (failed === undefined) continue;
      lost.push(job.id);
      this.#jobEvent(failed);
      await this.advance(failed.pipelineId);
    }
    return lost;
  }

  async #payload(job: JobRecord, token: string): Promise<JobSpec> {
    const withToken = JSON.parse(
      JSON.stringify(job.payload).split(JOB_TOKEN_PLACEHOLDER).join(token),
    ) as JobSpec;
    if (job.dependencies.length === 0) return withToken;
    const siblings = await this.#o.store.listPipelineJobs(job.pipelineId);
    const dependencies = [];
    for (const other of siblings) {
      if (!job.dependencies.includes(other.name) || other.status !== 'success') continue;
      const artifact = await this.#o.store.getArtifact(other.id);
      // GitLab authenticates dependency downloads with the running job's own token.
      dependencies.push({
        id: other.id,
        name: other.name,
        token,
        ...(artifact === undefined
          ? {}
          : { artifacts_file: { filename: artifact.filename, size: artifact.size } }),
      });
    }
    return { ...withToken, dependencies };
  }

  async #updatePipeline(pipelineId: number, known?: readonly JobRecord[]): Promise<void> {
    const { store, clock } = this.#o;
    const pipeline = await store.getPipeline(pipelineId);
    if (pipeline === undefined) return;
    const jobs = known ?? (await store.listPipelineJobs(pipelineId));
    const status = pipelineStatus(jobs);
    if (status === pipeline.status) return;
    const done = status !== 'pending' && status !== 'running';
    await store.setPipelineStatus(pipelineId, status, done ? clock.now() : undefined);
    this.#o.events?.emit({ kind: 'pipeline', pipelineId, status });
  }

  #jobEvent(job: JobRecord): void {
    this.#o.events?.emit({
      kind: 'job',
      jobId: job.id,
      pipelineId: job.pipelineId,
      status: job.status,
    });
  }
}
