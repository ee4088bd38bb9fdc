/**
 * `dockhand run`: the poll loop of GitLab Runner's `run` command (shared/reference/
 * gitlab-runner.md §1.2–1.3). Each runner is polled once per `check_interval`; a poll first takes
 * a `concurrent` slot, a `limit` slot, a `request_concurrency` slot and the executor provider's
 * capacity (docker+machine: a VM of its pool), and only then asks for a job (architecture rule
 * 5); what no job came for is given back. A job runs through job-run with an HttpTraceSink; what
 * the coordinator says about it (`Job-Status`, 403/404) cancels or aborts it.
 *
 * Shutdown follows GitLab Runner's signals: graceful (SIGQUIT) stops asking for jobs and waits
 * for the running ones; forceful (SIGTERM, SIGINT, or a second signal) also aborts them and gives
 * their final updates `shutdown_timeout` to get through before the process exits.
 */
import type { CoordinatorClient } from '../api/coordinator-client.js';
import type { RequestJobResult } from '../api/results.js';
import type { Logger } from '../core/logger.js';
import { DOCKHAND_VERSION } from '../core/version.js';
import type {
  ArtifactArchiver,
  ExecutorCapacity,
  ExecutorProvider,
  LocalRepository,
} from '../executors/executor.js';
import type { JobSpec } from '../protocol/job-spec.js';
import type { RunnerInfo } from '../protocol/requests.js';
import { CoordinatorTransfer } from './coordinator-transfer.js';
import { HttpTraceSink, type FinalState, type FinishOutcome } from './http-trace-sink.js';
import type { JobResult } from './job-outcome.js';
import { runJob, type JobRunner } from './job-run.js';
import type { RunnerClock } from './runner-clock.js';
import { Slots, type Release } from './slots.js';

/** One `[[runners]]` entry the daemon polls for. */
export interface DaemonRunner {
  readonly name: string;
  /** The runner authentication token (a secret): only given to the client. */
  readonly token: string;
  readonly executor: string;
  /** Jobs at once for this runner; 0 = unlimited. */
  readonly limit: number;
  /** Job requests in flight at once (≥ 1). */
  readonly requestConcurrency: number;
  /** How job-run describes the runner (header line, runner variables). */
  readonly jobRunner: JobRunner;
  readonly client: CoordinatorClient;
  /**
   * `strict_check_interval`: true waits check_interval after getting a job; false (GitLab's
   * default) asks again at once until no job comes or limit/concurrent is reached.
   */
  readonly strictCheckInterval?: boolean;
  /** `unhealthy_requests_limit`: job requests refused in a row before pausing; default 3. */
  readonly unhealthyRequestsLimit?: number;
  /** `unhealthy_interval` in ms; default 60 min. */
  readonly unhealthyIntervalMs?: number;
  /** `job_status_final_update_retry_limit`: retries of the final update; default 10. */
  readonly finalUpdateRetryLimit?: number;
}

export interface DaemonOptions {
  readonly runners: readonly DaemonRunner[];
  /** The composition root's executor factory: the daemon knows no concrete executor. */
  readonly providerFor: (runner: DaemonRunner) => ExecutorProvider;
  /** `concurrent`: jobs at once across all runners (≥ 1). */
  readonly concurrent: number;
  /** `check_interval` in ms: each runner is polled once per interval. */
  readonly checkIntervalMs: number;
  /** `shutdown_timeout` in ms: how long a forceful shutdown may take. */
  readonly shutdownTimeoutMs: number;
  readonly clock: RunnerClock;
  readonly logger: Logger;
  /** Sources already on this machine for a job (a `file://` project), if any. */
  readonly sourcesFor?: (job: JobSpec) => LocalRepository | undefined;
  /**
   * Makes and unpacks artifact archives in a job's project directory: with it, jobs download
   * their dependencies' artifacts and upload their own through the coordinator.
   */
  readonly artifacts?: ArtifactArchiver;
}

/** How `run()` ended. */
export type DaemonExit =
  | { readonly kind: 'graceful' }
  | { readonly kind: 'forceful' }
  /** Jobs were still finishing when shutdown_timeout ran out. */
  | { readonly kind: 'timed-out'; readonly runningJobs: number };

export const RUNNER_FEATURES: Readonly<Record<string, boolean>> = {
  variables: true,
  image: true,
  services: true,
  artifacts: true,
  masking: true,
  raw_variables: true,
  multi_build_steps: true,
  trace_reset: true,
  trace_checksum: true,
  trace_size: true,
  cancelable: true,
  cancel_gracefully: true,
  return_exit_code: true,
};

interface RunnerState {
  readonly runner: DaemonRunner;
  readonly limit: Slots;
  readonly requests: Slots;
  readonly provider: ExecutorProvider;
  readonly info: RunnerInfo;
  lastUpdate: string | undefined;
  pausedUntil: number;
  forbidden: number;
  /** The provider had no capacity at the last poll (logged once until it has again). */
  waitingForCapacity: boolean;
}

const SHUTDOWN_REASON = 'runner shutting down';

/** A job's result as the final `PUT /jobs/:id` states it. */
export function finalStateOf(result: JobResult, interrupted: boolean): FinalState {
  if (interrupted) return { state: 'failed', failureReason: 'runner_system_failure' };
  switch (result.state) {
    case 'success':
      return { state: 'success' };
    case 'failed':
      return {
        state: 'failed',
        failureReason: result.failureReason,
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      };
    case 'canceled':
      // The coordinator has the job in `canceling` and records it as canceled.
      return { state: 'failed' };
  }
}

export class Daemon {
  private readonly concurrent: Slots;
  private readonly states: RunnerState[];
  private readonly tracked = new Set<Promise<void>>();
  private readonly stopRequests = new AbortController();
  private readonly forced = new AbortController();
  private runningJobs = 0;

  constructor(private readonly o: DaemonOptions) {
    this.concurrent = new Slots(Math.max(1, o.concurrent));
    this.states = o.runners.map((runner) => ({
      runner,
      limit: new Slots(runner.limit),
      requests: new Slots(Math.max(1, runner.requestConcurrency)),
      provider: o.providerFor(runner),
      info: {
        name: 'dockhand',
        version: DOCKHAND_VERSION,
        executor: runner.executor,
        shell: 'bash',
        platform: process.platform,
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        features: RUNNER_FEATURES,
      },
      lastUpdate: undefined,
      pausedUntil: 0,
      forbidden: 0,
      waitingForCapacity: false,
    }));
  }

  /** Jobs running now. */
  get jobs(): number {
    return this.runningJobs;
  }

  get stopping(): boolean {
    return this.stopRequests.signal.aborted;
  }

  /** Stop asking for jobs; running jobs finish. A later `stop('forceful')` escalates. */
  stop(mode: 'graceful' | 'forceful'): void {
    if (!this.stopRequests.signal.aborted) this.stopRequests.abort();
    if (mode === 'forceful' && !this.forced.signal.aborted) this.forced.abort(SHUTDOWN_REASON);
  }

  /** Polls until stopped, then waits for the jobs as the stop mode says. */
  async run(): Promise<DaemonExit> {
    const { clock } = this.o;
    const slice = this.o.checkIntervalMs / Math.max(1, this.states.length);
    while (!this.stopping) {
      for (const state of this.states) {
        if (this.stopping) break;
        this.feed(state);
        await clock.sleep(slice, this.stopRequests.signal);
      }
    }
    return this.drain();
  }

  private async drain(): Promise<DaemonExit> {
    const drained = this.settled();
    if (!this.forced.signal.aborted) {
      const first = await Promise.race([
        drained.then(() => 'drained' as const),
        abortedPromise(this.forced.signal).then(() => 'forced' as const),
      ]);
      if (first === 'drained') return { kind: 'graceful' };
    }
    const timeout = new AbortController();
    const outcome = await Promise.race([
      drained.then(() => 'drained' as const),
      this.o.clock.sleep(this.o.shutdownTimeoutMs, timeout.signal).then(() => 'timeout' as const),
    ]);
    timeout.abort();
    return outcome === 'drained'
      ? { kind: 'forceful' }
      : { kind: 'timed-out', runningJobs: this.runningJobs };
  }

  /** Resolves once every poll and job started so far (and those they start) has ended. */
  private async settled(): Promise<void> {
    while (this.tracked.size > 0) await Promise.allSettled([...this.tracked]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.o.logger.error(`internal error in the poll loop: ${messageOf(error)}`);
    });
    this.tracked.add(tracked);
    void tracked.finally(() => this.tracked.delete(tracked));
  }

  private feed(state: RunnerState): void {
    this.track(this.poll(state));
  }

  /** One poll of one runner: capacity first, then the request, then the job. */
  private async poll(state: RunnerState): Promise<void> {
    if (this.stopping || this.o.clock.now() < state.pausedUntil) return;
    const held = takeAll([this.concurrent, state.limit, state.requests]);
    if (held === undefined) return;
    const [slot, limit, request] = held;
    // The executor's own capacity (docker+machine: a VM of the pool) comes before the request too.
    const capacity = this.acquireCapacity(state);
    if (capacity === undefined) {
      for (const release of held) release();
      return;
    }
    let result: RequestJobResult;
    try {
      result = await state.runner.client.requestJob(
        {
          token: state.runner.token,
          info: state.info,
          ...(state.lastUpdate === undefined ? {} : { last_update: state.lastUpdate }),
        },
        this.stopRequests.signal,
      );
    } catch (error) {
      if (!this.stopping) {
        this.o.logger.warn(`${state.runner.name}: job request failed: ${messageOf(error)}`);
      }
      result = { kind: 'unavailable', retryAfterMs: this.o.checkIntervalMs };
    } finally {
      request();
    }
    if (result.kind !== 'job') {
      capacity.release();
      limit();
      slot();
      this.afterNoJob(state, result);
      return;
    }
    state.forbidden = 0;
    state.lastUpdate = undefined;
    const job = this.runOne(state, result.job, capacity).finally(() => {
      // A no-op when the executor took the capacity over (it gives it back at cleanup).
      capacity.release();
      limit();
      slot();
    });
    this.track(job);
    // There may be more work: ask again at once instead of waiting for the next interval,
    // unless strict_check_interval says to wait for it.
    if (!this.stopping && state.runner.strictCheckInterval !== true) this.feed(state);
  }

  /** The provider's capacity for one job, or undefined (logged once per spell) when none is free. */
  private acquireCapacity(state: RunnerState): ExecutorCapacity | undefined {
    const acquired = state.provider.acquire();
    if (acquired.kind === 'granted') {
      state.waitingForCapacity = false;
      return acquired.capacity;
    }
    if (!state.waitingForCapacity) {
      state.waitingForCapacity = true;
      this.o.logger.info(`${state.runner.name}: not asking for jobs: ${acquired.reason}`);
    }
    return undefined;
  }

  private afterNoJob(state: RunnerState, result: Exclude<RequestJobResult, { kind: 'job' }>) {
    const { logger, clock } = this.o;
    switch (result.kind) {
      case 'none':
        state.forbidden = 0;
        state.lastUpdate = result.lastUpdate;
        return;
      case 'unavailable':
        state.pausedUntil = clock.now() + result.retryAfterMs;
        return;
      case 'forbidden': {
        state.forbidden++;
        const limit = state.runner.unhealthyRequestsLimit ?? 3;
        if (state.forbidden < limit) {
          logger.warn(`${state.runner.name}: the coordinator refused the runner token (403)`);
          return;
        }
        const pause = state.runner.unhealthyIntervalMs ?? 60 * 60_000;
        state.pausedUntil = clock.now() + pause;
        state.forbidden = 0;
        logger.error(
          `${state.runner.name}: token refused ${limit} times in a row; not asking for jobs for ${Math.round(pause / 60_000)} min`,
        );
        return;
      }
    }
  }

  private async runOne(
    state: RunnerState,
    job: JobSpec,
    capacity: ExecutorCapacity,
  ): Promise<void> {
    const { logger, clock } = this.o;
    const name = state.runner.name;
    const label = `job ${job.id} (${job.job_info.name})`;
    const cancel = new AbortController();
    const abort = new AbortController();
    const onForce = () => abort.abort(SHUTDOWN_REASON);
    this.forced.signal.addEventListener('abort', onForce, { once: true });
    if (this.forced.signal.aborted) onForce();
    const sink = new HttpTraceSink({
      client: state.runner.client,
      jobId: job.id,
      jobToken: job.token,
      clock,
      info: state.info,
      ...(state.runner.finalUpdateRetryLimit === undefined
        ? {}
        : { finalUpdateRetryLimit: state.runner.finalUpdateRetryLimit }),
      onRemote: (command) => {
        if (command.kind === 'cancel') {
          logger.info(`${name}: ${label} is being canceled on the coordinator`);
          cancel.abort();
        } else {
          logger.warn(`${name}: aborting ${label}: ${command.reason}`);
          abort.abort(command.reason);
        }
      },
    });
    this.runningJobs++;
    logger.info(`${name}: ${label} received`);
    try {
      sink.start();
      const sources = this.o.sourcesFor?.(job);
      const result = await runJob({
        job,
        provider: state.provider,
        capacity,
        ...(this.o.artifacts === undefined
          ? {}
          : { transfer: new CoordinatorTransfer(state.runner.client, this.o.artifacts) }),
        runner: state.runner.jobRunner,
        sink,
        cancel: cancel.signal,
        abort: abort.signal,
        ...(sources === undefined ? {} : { localRepository: sources }),
      });
      const interrupted = abort.signal.aborted && abort.signal.reason === SHUTDOWN_REASON;
      const outcome = await sink.finish(finalStateOf(result, interrupted));
      logger.info(`${name}: ${label} ${describe(result, interrupted, outcome)}`);
    } finally {
      this.forced.signal.removeEventListener('abort', onForce);
      this.runningJobs--;
    }
  }
}

function describe(result: JobResult, interrupted: boolean, outcome: FinishOutcome): string {
  const state = interrupted ? 'interrupted by shutdown' : result.state;
  switch (outcome.kind) {
    case 'accepted':
      return `finished: ${state}`;
    case 'aborted':
      return `ended (${state}); the coordinator no longer takes updates for it`;
    case 'gave-up':
      return `ended (${state}); the final update did not get through (coordinator unreachable)`;
  }
}

/** Takes one slot of each, in order, or none at all. */
function takeAll(slots: readonly [Slots, Slots, Slots]): [Release, Release, Release] | undefined {
  const held: Release[] = [];
  for (const slot of slots) {
    const release = slot.tryAcquire();
    if (release === undefined) {
      for (const r of held) r();
      return undefined;
    }
    held.push(release);
  }
  return held as [Release, Release, Release];
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
