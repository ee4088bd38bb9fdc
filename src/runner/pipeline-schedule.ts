import type { FailureReason } from '../protocol/job-spec.js';

/**
 * Which jobs of a local pipeline start next, as GitLab would decide (a pure state machine: no
 * clock, no I/O). The orchestrator asks `next()` for jobs to start, reports each attempt with
 * `finish()`, and stops when `done`.
 *
 * GitLab's rules it follows:
 * - A job without `needs` waits for every job of earlier stages (the stage barrier); a job with
 *   `needs` waits only for those jobs (the DAG).
 * - `on_success` (and `delayed`, run at once locally) runs when none of the jobs it waited for
 *   failed (allowed failures do not count); `on_failure` only when one did; `always` regardless.
 * - A manual job runs only when selected (named); a manual job that is not run and may not fail
 *   (`allow_failure: false`, the default with rules) blocks the jobs that wait for it, as GitLab
 *   leaves them waiting; locally they are skipped.
 * - A needed job that was skipped skips the jobs that need it.
 * - A failed attempt is retried up to `retry.max` times when `retry.when` lists its failure
 *   reason (or `always`) and, if `retry.exit_codes` is set, lists its exit code.
 */

export type ScheduleWhen = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed';

export interface ScheduleJob {
  readonly name: string;
  /** Index of the job's stage in pipeline order. */
  readonly stageIndex: number;
  readonly when: ScheduleWhen;
  /** Undefined: waits for all earlier stages. Names not in the schedule are ignored. */
  readonly needs?: readonly string[];
  readonly allowFailure: { readonly allowed: boolean; readonly exitCodes: readonly number[] };
  readonly retry: {
    readonly max: number;
    readonly when: readonly string[];
    readonly exitCodes: readonly number[];
  };
  /** Named on the command line: a manual job runs. */
  readonly selected: boolean;
}

/** How one attempt of a job ended (the job runner's result, without timing). */
export type AttemptOutcome =
  | { readonly state: 'success' }
  | {
      readonly state: 'failed';
      readonly failureReason: FailureReason;
      readonly exitCode?: number;
    }
  | { readonly state: 'canceled' };

export type JobStatus = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'canceled';

export interface JobState {
  readonly status: JobStatus;
  /** Attempts started so far. */
  readonly attempts: number;
  /** A failure that `allow_failure` tolerates. */
  readonly allowedFailure: boolean;
  /** Why a job was skipped. */
  readonly reason?: string;
}

export interface StartOrder {
  readonly name: string;
  /** 1 for the first attempt, 2 and 3 for retries. */
  readonly attempt: number;
}

/** What `finish` did with the attempt. */
export type FinishDecision = 'retry' | 'final';

const FINAL: ReadonlySet<JobStatus> = new Set(['success', 'failed', 'skipped', 'canceled']);

interface MutableState {
  status: JobStatus;
  attempts: number;
  allowedFailure: boolean;
  reason?: string;
}

export class PipelineSchedule {
  private readonly jobs: readonly ScheduleJob[];
  private readonly states = new Map<string, MutableState>();
  private readonly byName: ReadonlyMap<string, ScheduleJob>;
  private readonly concurrency: number;

  constructor(jobs: readonly ScheduleJob[], options: { readonly concurrency: number }) {
    this.jobs = jobs;
    this.byName = new Map(jobs.map((job) => [job.name, job]));
    this.concurrency = Math.max(1, Math.floor(options.concurrency));
    for (const job of jobs)
      this.states.set(job.name, { status: 'pending', attempts: 0, allowedFailure: false });
  }

  /** Jobs to start now (marked running), in pipeline order, within the concurrency limit. */
  next(): StartOrder[] {
    this.resolveSkips();
    const starts: StartOrder[] = [];
    let free = this.concurrency - this.count('running');
    for (const job of this.jobs) {
      if (free <= 0) break;
      const state = this.mutable(job.name);
      if (state.status !== 'pending' || this.decide(job) !== 'run') continue;
      state.status = 'running';
      state.attempts += 1;
      starts.push({ name: job.name, attempt: state.attempts });
      free -= 1;
    }
    return starts;
  }

  /** Records how a running job's attempt ended; a retried job is pending again. */
  finish(name: string, outcome: AttemptOutcome): FinishDecision {
    const job = this.byName.get(name);
    const state = this.states.get(name);
    if (job === undefined || state?.status !== 'running') {
      throw new Error(`finish(${name}): the job is not running`);
    }
    if (outcome.state === 'failed' && retries(job, state.attempts, outcome)) {
      state.status = 'pending';
      return 'retry';
    }
    state.status = outcome.state;
    state.allowedFailure =
      outcome.state === 'failed' && tolerates(job.allowFailure, outcome.exitCode);
    return 'final';
  }

  /** After a cancel: nothing more starts; pending jobs are skipped. */
  cancelPending(reason: string): void {
    for (const state of this.states.values()) {
      if (state.status === 'pending') {
        state.status = 'skipped';
        state.reason = reason;
      }
    }
  }

  /** Nothing runs and nothing can start. */
  get done(): boolean {
    this.resolveSkips();
    // After resolveSkips every pending job runs eventually: done means none is left.
    return this.count('running') === 0 && this.count('pending') === 0;
  }

  state(name: string): JobState {
    return { ...this.mutable(name) };
  }

  /** Every job's state, in pipeline order. */
  snapshot(): readonly (JobState & { readonly name: string })[] {
    return this.jobs.map((job) => ({ name: job.name, ...this.mutable(job.name) }));
  }

  /** Failed jobs that were not allowed to fail, and canceled ones: the pipeline failed. */
  get failed(): boolean {
    return [...this.states.values()].some(
      (s) => (s.status === 'failed' && !s.allowedFailure) || s.status === 'canceled',
    );
  }

  private count(status: JobStatus): number {
    let n = 0;
    for (const state of this.states.values()) if (state.status === status) n += 1;
    return n;
  }

  private mutable(name: string): MutableState {
    const state = this.states.get(name);
    if (state === undefined) throw new Error(`unknown job ${name}`);
    return state;
  }

  /** Marks pending jobs skipped once their fate is known, until nothing changes. */
  private resolveSkips(): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const job of this.jobs) {
        const state = this.mutable(job.name);
        if (state.status !== 'pending') continue;
        const decision = this.decide(job);
        if (typeof decision === 'object') {
          state.status = 'skipped';
          state.reason = decision.skip;
          changed = true;
        }
      }
    }
  }

  private predecessors(job: ScheduleJob): ScheduleJob[] {
    if (job.needs !== undefined) {
      return job.needs
        .map((name) => this.byName.get(name))
        .filter((p): p is ScheduleJob => p !== undefined);
    }
    return this.jobs.filter((other) => other.stageIndex < job.stageIndex);
  }

  /** run: start it now; wait: predecessors are not final; {skip}: it will not run. */
  private decide(job: ScheduleJob): 'run' | 'wait' | { readonly skip: string } {
    if (job.when === 'manual' && !job.selected) {
      return { skip: 'manual job (name it to run it)' };
    }
    const preds = this.predecessors(job);
    if (preds.some((p) => !FINAL.has(this.mutable(p.name).status))) return 'wait';
    if (job.when === 'always') return 'run';
    const dag = job.needs !== undefined;
    const blocker = preds.find((p) => {
      const s = this.mutable(p.name);
      if (s.status !== 'skipped') return false;
      return dag || (p.when === 'manual' && !p.allowFailure.allowed);
    });
    const failed = preds.find((p) => {
      const s = this.mutable(p.name);
      return (s.status === 'failed' && !s.allowedFailure) || s.status === 'canceled';
    });
    if (job.when === 'on_failure') {
      return failed !== undefined ? 'run' : { skip: 'when: on_failure and nothing failed' };
    }
    if (failed !== undefined) return { skip: `"${failed.name}" failed` };
    if (blocker !== undefined) return { skip: `"${blocker.name}" did not run` };
    return 'run';
  }
}

/**
 * Whether `allow_failure` tolerates a failure: `allow_failure: true`, or with
 * `allow_failure:exit_codes` only those exit codes (GitLab: the codes alone make a job allowed
 * to fail with them).
 */
export function tolerates(
  allowFailure: ScheduleJob['allowFailure'],
  exitCode: number | undefined,
): boolean {
  const codes = allowFailure.exitCodes;
  if (codes.length > 0) return exitCode !== undefined && codes.includes(exitCode);
  return allowFailure.allowed;
}

/** GitLab's auto-retry: within `max`, for a listed reason (or `always`), and a listed exit code. */
function retries(
  job: ScheduleJob,
  attempts: number,
  outcome: Extract<AttemptOutcome, { state: 'failed' }>,
): boolean {
  const { max, when, exitCodes } = job.retry;
  if (attempts > max) return false;
  const reasonMatches =
    when.length === 0 || when.includes('always') || when.includes(outcome.failureReason);
  const codeMatches =
    exitCodes.length === 0 ||
    (outcome.exitCode !== undefined && exitCodes.includes(outcome.exitCode));
  return reasonMatches && codeMatches;
}
