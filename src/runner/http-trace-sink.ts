/**
 * The runner's TraceSink towards the coordinator (shared/reference/gitlab-runner.md §5.4–5.5):
 * masked bytes are kept in memory and PATCHed incrementally every update interval; a 416 moves
 * the sent offset to the server's size; an outage keeps every byte and retries with backoff; the
 * final PUT carries the CRC-32 of the whole trace and is retried up to
 * `job_status_final_update_retry_limit` times. What the server says about the job (`Job-Status`,
 * 403/404) is reported to the daemon, which cancels or aborts the job.
 */
import type { CoordinatorClient } from '../api/coordinator-client.js';
import type { PatchTraceResult } from '../api/results.js';
import type { FailureReason } from '../protocol/job-spec.js';
import type { RunnerInfo } from '../protocol/requests.js';
import type { JobStatus } from '../protocol/responses.js';
import { MAX_TRACE_PATCH_BYTES, traceChecksum } from '../protocol/trace.js';
import type { RunnerClock } from './runner-clock.js';
import type { TraceSink } from './sinks.js';

/** What the coordinator asked for, through `Job-Status` or a 403/404. */
export type RemoteCommand =
  /** `canceling`: stop the script, run after_script (job-run's graceful cancel). */
  | { readonly kind: 'cancel' }
  /** `canceled`/`failed`, 403 or 404: stop everything now. */
  | { readonly kind: 'abort'; readonly reason: string };

export interface FinalState {
  readonly state: 'success' | 'failed';
  readonly failureReason?: FailureReason;
  readonly exitCode?: number;
}

/** How the final update ended. */
export type FinishOutcome =
  | { readonly kind: 'accepted' }
  /** The coordinator no longer takes updates for this job (403/404, canceled). */
  | { readonly kind: 'aborted' }
  /** The retry limit was reached without an answer: the coordinator will fail the job itself. */
  | { readonly kind: 'gave-up' };

export interface HttpTraceSinkOptions {
  readonly client: Pick<CoordinatorClient, 'patchTrace' | 'updateJob'>;
  readonly jobId: number;
  /** A secret: only ever passed to the client, which puts it in a header. */
  readonly jobToken: string;
  readonly clock: RunnerClock;
  readonly info?: RunnerInfo;
  /** Until the server says otherwise (X-GitLab-Trace-Update-Interval); default 3 s. */
  readonly updateIntervalMs?: number;
  /** A keep-alive PUT after this long without contact; default 30 s (GitLab's minimum). */
  readonly forceSendIntervalMs?: number;
  /** Longest wait between tries during an outage; default 60 s. */
  readonly maxBackoffMs?: number;
  /** Retries of the final update; default 10 (`job_status_final_update_retry_limit`). */
  readonly finalUpdateRetryLimit?: number;
  readonly onRemote?: (command: RemoteCommand) => void;
}

type PushResult = 'sent' | 'outage' | 'aborted';

const ABORTING: ReadonlySet<JobStatus> = new Set(['canceled', 'failed']);

export class HttpTraceSink implements TraceSink {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private whole: Buffer | undefined;
  /** Bytes the server holds (as far as we know). */
  private sent = 0;
  private interval: number;
  private lastContact: number;
  private inputClosed = false;
  private aborted = false;
  private cancelSent = false;
  private readonly stopLoop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: HttpTraceSinkOptions) {
    this.interval = o.updateIntervalMs ?? 3000;
    this.lastContact = o.clock.now();
  }

  /** Starts the periodic upload. */
  start(): void {
    this.loop ??= this.run();
  }

  write(text: string): void {
    if (this.inputClosed || text === '') return;
    const bytes = Buffer.from(text, 'utf8');
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
    this.whole = undefined;
  }

  /** No more input. The upload goes on until `finish`. */
  close(): Promise<void> {
    this.inputClosed = true;
    return Promise.resolve();
  }

  /** Bytes written so far. */
  get byteSize(): number {
    return this.size;
  }

  /** Everything written so far (what the checksum covers). */
  bytes(): Buffer {
    this.whole ??= Buffer.concat(this.chunks, this.size);
    return this.whole;
  }

  /**
   * Sends what is left of the trace, then the final state with the checksum, retrying with
   * backoff until the coordinator accepts it, refuses the job, or the retry limit is reached.
   */
  async finish(final: FinalState): Promise<FinishOutcome> {
    this.inputClosed = true;
    this.stopLoop.abort();
    await this.loop;
    const limit = this.o.finalUpdateRetryLimit ?? 10;
    for (let attempt = 0; attempt <= limit; attempt++) {
      if (this.aborted) return { kind: 'aborted' };
      const pushed = await this.push();
      if (pushed === 'aborted') return { kind: 'aborted' };
      if (pushed === 'outage') {
        await this.o.clock.sleep(this.backoff(attempt));
        continue;
      }
      const next = await this.sendFinal(final);
      if (next === 'accepted' || next === 'aborted') return { kind: next };
      if (typeof next === 'number') await this.o.clock.sleep(next);
    }
    return { kind: 'gave-up' };
  }

  /** One final PUT: done, aborted, or how long to wait before trying again (0: at once). */
  private async sendFinal(final: FinalState): Promise<'accepted' | 'aborted' | number> {
    const checksum = traceChecksum(this.bytes());
    try {
      const result = await this.o.client.updateJob(this.o.jobId, {
        token: this.o.jobToken,
        ...(this.o.info === undefined ? {} : { info: this.o.info }),
        state: final.state,
        ...(final.failureReason === undefined ? {} : { failure_reason: final.failureReason }),
        ...(final.exitCode === undefined ? {} : { exit_code: final.exitCode }),
        checksum,
        output: { checksum, bytesize: this.size },
      });
      switch (result.kind) {
        case 'accepted':
          return 'accepted';
        case 'aborted':
          this.aborted = true;
          return 'aborted';
        case 'pending':
          return result.retryAfterMs;
        case 'trace-mismatch':
          // The server's copy differs: send the whole trace again from offset 0 (a reset).
          this.sent = 0;
          return 0;
      }
    } catch {
      return this.backoff(0);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopLoop.signal.aborted && !this.aborted) {
      const wait = failures === 0 ? this.interval : this.backoff(failures - 1);
      await this.o.clock.sleep(wait, this.stopLoop.signal);
      if (this.stopLoop.signal.aborted) break;
      const ok = await this.tick();
      if (ok === undefined) break;
      failures = ok ? 0 : failures + 1;
    }
  }

  /** One upload round: pending bytes, then a keep-alive if due. Undefined once aborted. */
  private async tick(): Promise<boolean | undefined> {
    const pushed = await this.push();
    if (pushed === 'aborted') return undefined;
    if (pushed === 'outage') return false;
    if (this.o.clock.now() - this.lastContact < this.forceSendMs()) return true;
    return this.keepAlive();
  }

  private forceSendMs(): number {
    return this.o.forceSendIntervalMs ?? Math.max(30_000, 4 * this.interval);
  }

  private backoff(attempt: number): number {
    const max = this.o.maxBackoffMs ?? 60_000;
    return Math.min(max, Math.max(1000, this.interval) * 2 ** Math.min(attempt, 20));
  }

  /** Sends every pending byte in ≤ 1 MiB patches. */
  private async push(): Promise<PushResult> {
    while (this.sent < this.size) {
      if (this.aborted) return 'aborted';
      const offset = this.sent;
      const chunk = this.bytes().subarray(offset, offset + MAX_TRACE_PATCH_BYTES);
      let result: PatchTraceResult;
      try {
        result = await this.o.client.patchTrace(this.o.jobId, this.o.jobToken, chunk, offset);
      } catch {
        return 'outage';
      }
      this.lastContact = this.o.clock.now();
      const stop = this.applyPatch(result, offset);
      if (stop !== undefined) return stop;
    }
    return this.aborted ? 'aborted' : 'sent';
  }

  /** Moves the sent offset as the server says; a result ends this push, undefined goes on. */
  private applyPatch(result: PatchTraceResult, offset: number): PushResult | undefined {
    switch (result.kind) {
      case 'accepted':
        this.sent = Math.min(this.size, Math.max(result.size, offset));
        if (result.updateIntervalMs !== undefined) this.interval = result.updateIntervalMs;
        this.status(result.jobStatus);
        // A server that accepted without moving on would loop forever: resend next tick.
        return this.sent === offset ? 'sent' : undefined;
      case 'range-mismatch':
        if (result.offset === offset || result.offset > this.size) return 'outage';
        this.sent = result.offset;
        return undefined;
      case 'aborted':
        this.abort(`the coordinator answered ${result.status} to a trace update`);
        return 'aborted';
    }
  }

  /** `PUT state=running`: tells the coordinator the runner is alive and learns the job's status. */
  private async keepAlive(): Promise<boolean> {
    try {
      const result = await this.o.client.updateJob(this.o.jobId, {
        token: this.o.jobToken,
        ...(this.o.info === undefined ? {} : { info: this.o.info }),
        state: 'running',
      });
      this.lastContact = this.o.clock.now();
      if (result.kind === 'accepted') this.status(result.jobStatus);
      if (result.kind === 'aborted') this.abort(`the coordinator answered ${result.status}`);
      return true;
    } catch {
      return false;
    }
  }

  private status(status: JobStatus | undefined): void {
    if (status === 'canceling' && !this.cancelSent) {
      this.cancelSent = true;
      this.o.onRemote?.({ kind: 'cancel' });
    } else if (status !== undefined && ABORTING.has(status)) {
      this.abort(`the job is ${status} on the coordinator`);
    }
  }

  private abort(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.o.onRemote?.({ kind: 'abort', reason });
  }
}
