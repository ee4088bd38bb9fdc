import { InternalError } from '../core/errors.js';
import { DOCKHAND_VERSION } from '../core/version.js';
import type {
  Executor,
  ExecutorCapacity,
  ExecutorProvider,
  LocalRepository,
  ProjectFiles,
  Stage,
  TransferStage,
  TransferStages,
} from '../executors/executor.js';
import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import { stageScript, type JobStatus } from '../script/bash.js';
import {
  PREPARE_EXECUTOR_SECTION,
  STAGES_BEFORE_SCRIPT,
  prepareExecutorDescription,
  stageDescription,
  stagesAfterScript,
  type StageName,
} from '../script/stages.js';
import { effectiveVariables, maskedValues } from '../script/variables.js';
import { combined, Deadline, interruptionOf, type StageSignals } from './deadline.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import {
  CANCELED,
  errorFailure,
  exitFailure,
  SUCCESS,
  timeoutFailure,
  withDuration,
  type JobEnd,
  type JobResult,
} from './job-outcome.js';
import type { TraceSink } from './sinks.js';
import { JobTrace } from './trace.js';

const TRANSFER_STAGES: ReadonlySet<string> = new Set<TransferStage>([
  'restore_cache',
  'download_artifacts',
  'archive_cache',
  'archive_cache_on_failure',
  'upload_artifacts_on_success',
  'upload_artifacts_on_failure',
]);

function isTransferStage(stage: StageName): stage is TransferStage {
  return TRANSFER_STAGES.has(stage);
}

// src/script restates the Stage union (it may not import executors); keep the two identical.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _stagesMatch: Same<Stage, StageName> = true;

/** GitLab Runner's job timeout when the payload says 0. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 7200;
const DEFAULT_AFTER_SCRIPT_TIMEOUT_MS = 5 * 60_000;
const CLEANUP_STAGE_TIMEOUT_MS = 5 * 60_000;

/** The runner a job runs on, as the job log and the runner variables describe it. */
export interface JobRunner {
  /** `[[runners]] name`, printed in the header: `  on <name> <short token>`. */
  readonly name: string;
  readonly shortToken: string;
  /** `[[runners]] builds_dir` as seen by the job; default `/builds`. */
  readonly buildsDir?: string;
  /** `[[runners]] environment`. */
  readonly environment?: readonly string[];
  readonly debugTraceDisabled?: boolean;
  /** `[runners.feature_flags]`, winning over job variables of the same name. */
  readonly featureFlags?: Readonly<Record<string, boolean>>;
  /** `[[runners]] pre_build_script` / `post_build_script`, around the job's script. */
  readonly preBuildScript?: string | undefined;
  readonly postBuildScript?: string | undefined;
  /** `[[runners]] output_limit` in KiB (default 4096). */
  readonly outputLimitKiB?: number;
  /** false for the shell executor (`CI_SHARED_ENVIRONMENT`). Default true. */
  readonly disposable?: boolean;
}

export interface JobRunOptions {
  readonly job: JobSpec;
  readonly provider: ExecutorProvider;
  /** Runner runs: the capacity `provider.acquire()` granted before the job was asked for. */
  readonly capacity?: ExecutorCapacity;
  readonly runner: JobRunner;
  /** Where the framed, masked log goes. Closed when the job ends. */
  readonly sink: TraceSink;
  /** Local runs: the work tree the executor puts in place (instead of fetching sources). */
  readonly localRepository?: LocalRepository;
  /** Local runs: caches and artifacts kept on this machine (the stages' scripts do nothing). */
  readonly transfer?: TransferStages;
  /** Graceful cancel: the script stops, after_script still runs. Its reason (a string) is logged. */
  readonly cancel?: AbortSignal;
  /** Hard abort: everything stops now; no after_script. */
  readonly abort?: AbortSignal;
  /** Clock for durations and section timestamps (ms). */
  readonly now?: () => number;
}

type StageRun =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'ok' }
  | { readonly kind: 'exit'; readonly exitCode: number }
  | { readonly kind: 'error'; readonly error: unknown }
  | {
      readonly kind: 'interrupted';
      readonly why: 'job-timeout' | 'stage-timeout' | 'canceled' | 'aborted';
    };

function variable(list: readonly JobVariable[], key: string): string | undefined {
  return list.findLast((v) => v.key === key)?.value;
}

/** The `…: <detail>` of an after_script failure warning. */
function failureDetail(run: StageRun, limitMs: number): string {
  switch (run.kind) {
    case 'exit':
      return `exit code ${run.exitCode}`;
    case 'error':
      return run.error instanceof Error ? run.error.message : String(run.error);
    case 'interrupted':
      return run.why === 'stage-timeout'
        ? `execution took longer than ${formatGoDuration(limitMs)} seconds`
        : 'canceled';
    case 'ok':
    case 'skipped':
      return '';
  }
}

/**
 * Runs one job on a fresh executor from `provider`, writing GitLab's job log to `sink`: header,
 * `prepare_executor`, the stages in order (those with nothing to do are skipped), `after_script`
 * after success, failure, script timeout or graceful cancel, then the final line. The executor's
 * `cleanup()` always runs. Never throws for job failures: they are the result.
 */
export async function runJob(options: JobRunOptions): Promise<JobResult> {
  return new JobRun(options).run();
}

class JobRun {
  private readonly job: JobSpec;
  private readonly trace: JobTrace;
  private readonly variables: JobVariable[];
  private readonly now: () => number;
  private readonly jobDeadline: Deadline;
  private executor: Executor | undefined;

  constructor(private readonly options: JobRunOptions) {
    this.now = options.now ?? Date.now;
    const timeoutSeconds = options.job.runner_info.timeout || DEFAULT_JOB_TIMEOUT_SECONDS;
    this.variables = effectiveVariables(options.job, {
      buildsDir: options.runner.buildsDir ?? '/builds',
      version: DOCKHAND_VERSION,
      revision: 'dockhand',
      shortToken: options.runner.shortToken,
      arch: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      jobTimeoutSeconds: timeoutSeconds,
      disposable: options.runner.disposable ?? true,
      environment: options.runner.environment ?? [],
      featureFlags: options.runner.featureFlags ?? {},
    });
    // Executors see the same full variable list as the scripts (GitLab's GetAllVariables), so
    // both agree on CI_PROJECT_DIR, CI_BUILDS_DIR and the rest.
    this.job = { ...options.job, variables: this.variables };
    this.trace = new JobTrace({
      sink: options.sink,
      secrets: [this.job.token, ...maskedValues(this.variables)],
      ...(this.job.features?.token_mask_prefixes === undefined
        ? {}
        : { tokenPrefixes: this.job.features.token_mask_prefixes }),
      sections: this.job.features?.trace_sections ?? true,
      ...(options.runner.outputLimitKiB === undefined
        ? {}
        : { outputLimitBytes: options.runner.outputLimitKiB * 1024 }),
      now: this.now,
    });
    this.jobDeadline = new Deadline(timeoutSeconds * 1000);
  }

  async run(): Promise<JobResult> {
    const started = this.now();
    let end: JobEnd;
    try {
      this.trace.plain(`Running with dockhand ${DOCKHAND_VERSION}`);
      this.trace.plain(`  on ${this.options.runner.name} ${this.options.runner.shortToken}`);
      end = await this.stages();
      this.finalLine(end);
    } catch (error) {
      end = errorFailure(error);
      this.finalLine(end);
    } finally {
      this.jobDeadline.clear();
      await this.cleanup();
      await this.trace.close();
    }
    // The result travels further than the log (CLI summary, coordinator): mask it too.
    const safe = end.state === 'failed' ? { ...end, message: this.trace.mask(end.message) } : end;
    return withDuration(safe, this.now() - started);
  }

  private async stages(): Promise<JobEnd> {
    const prepared = await this.prepare();
    if (prepared !== undefined) return prepared;
    // get_sources runs for local runs too: the executor then reports the work tree it put in
    // place during prepare instead of running the git script.
    for (const stage of STAGES_BEFORE_SCRIPT) {
      const run = await this.runStage(stage, this.signals());
      const failed = this.endOf(run);
      if (failed !== undefined) {
        if (run.kind !== 'interrupted' || run.why === 'canceled') await this.cleanupStage();
        return failed;
      }
    }
    const scriptEnd = await this.stepScript();
    return this.afterScriptStages(scriptEnd);
  }

  /** `prepare_executor`: the executor's own preparation. Undefined when it succeeded. */
  private async prepare(): Promise<JobEnd | undefined> {
    this.trace.sectionStart(
      PREPARE_EXECUTOR_SECTION,
      prepareExecutorDescription(this.options.provider.name),
    );
    const signals = this.signals();
    try {
      this.executor = this.options.provider.create(this.options.capacity);
      await this.executor.prepare({
        job: this.job,
        log: this.trace,
        signal: combined(signals),
        ...(this.options.localRepository === undefined
          ? {}
          : { localRepository: this.options.localRepository }),
      });
      const why = interruptionOf(signals);
      return why === undefined ? undefined : this.endOf({ kind: 'interrupted', why });
    } catch (error) {
      const why = interruptionOf(signals);
      return this.endOf(
        why === undefined ? { kind: 'error', error } : { kind: 'interrupted', why },
      );
    } finally {
      this.trace.sectionEnd(PREPARE_EXECUTOR_SECTION);
    }
  }

  private async stepScript(): Promise<JobEnd> {
    const limit = this.durationVariable('RUNNER_SCRIPT_TIMEOUT');
    const stageDeadline = limit === undefined ? undefined : new Deadline(limit);
    try {
      const run = await this.runStage('step_script', { ...this.signals(), stageDeadline });
      if (run.kind === 'interrupted' && run.why === 'stage-timeout' && limit !== undefined) {
        return timeoutFailure(limit);
      }
      return this.endOf(run) ?? SUCCESS;
    } finally {
      stageDeadline?.clear();
    }
  }

  private async afterScriptStages(scriptEnd: JobEnd): Promise<JobEnd> {
    // After a hard abort or the job deadline nothing more runs (GitLab gives no extra time).
    if (this.hardAborted() || this.jobDeadline.signal.aborted) return scriptEnd;
    let end = scriptEnd;
    for (const stage of stagesAfterScript(scriptEnd.state)) {
      if (stage === 'after_script') end = await this.afterScript(scriptEnd);
      else if (stage === 'cleanup_file_variables') await this.cleanupStage();
      else {
        const run = await this.runStage(stage, this.signals({ cancel: false }));
        // GitLab Runner: a failed artifact upload fails a job whose script passed.
        if (stage === 'upload_artifacts_on_success' && end.state === 'success') {
          end = this.endOf(run) ?? end;
        }
      }
      if (this.hardAborted()) break;
    }
    return end;
  }

  /** after_script: its failure only warns, unless AFTER_SCRIPT_IGNORE_ERRORS is false. */
  private async afterScript(scriptEnd: JobEnd): Promise<JobEnd> {
    const status: JobStatus = scriptEnd.state;
    const limit = this.durationVariable('RUNNER_AFTER_SCRIPT_TIMEOUT');
    const stageDeadline = new Deadline(limit ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_MS);
    try {
      const run = await this.runStage(
        'after_script',
        { ...this.signals({ cancel: false }), stageDeadline },
        status,
      );
      if (run.kind === 'ok' || run.kind === 'skipped') return scriptEnd;
      if (run.kind === 'interrupted' && run.why === 'job-timeout') {
        return timeoutFailure(this.jobDeadline.ms);
      }
      const detail = failureDetail(run, stageDeadline.ms);
      const ignore = variable(this.variables, 'AFTER_SCRIPT_IGNORE_ERRORS') !== 'false';
      if (ignore || scriptEnd.state !== 'success') {
        this.trace.warning(`after_script failed, but job will continue unaffected: ${detail}`);
        return scriptEnd;
      }
      return run.kind === 'exit' ? exitFailure(run.exitCode) : (this.endOf(run) ?? scriptEnd);
    } finally {
      stageDeadline.clear();
    }
  }

  /** cleanup_file_variables: best effort, never changes the outcome. */
  private async cleanupStage(): Promise<void> {
    const stageDeadline = new Deadline(CLEANUP_STAGE_TIMEOUT_MS);
    try {
      const run = await this.runStage('cleanup_file_variables', {
        ...this.signals({ cancel: false }),
        stageDeadline,
      });
      if (run.kind === 'exit' || run.kind === 'error') {
        this.trace.warning('cleaning up file based variables failed');
      }
    } finally {
      stageDeadline.clear();
    }
  }

  /** Runs one stage in its own section, or skips it when it has nothing to do. */
  private async runStage(
    stage: StageName,
    signals: StageSignals,
    jobStatus: JobStatus = 'running',
  ): Promise<StageRun> {
    const script = stageScript(this.job, stage, {
      variables: this.variables,
      jobStatus,
      debugTraceDisabled: this.options.runner.debugTraceDisabled ?? false,
      preBuildScript: this.options.runner.preBuildScript,
      postBuildScript: this.options.runner.postBuildScript,
    });
    const executor = this.executor;
    const transfer = this.transferStage(stage);
    if ((script === undefined && transfer === undefined) || executor === undefined) {
      return { kind: 'skipped' };
    }
    this.trace.sectionStart(stage, stageDescription(stage));
    try {
      const signal = combined(signals);
      const result =
        transfer === undefined || this.options.transfer === undefined
          ? await executor.run({ stage, script: script ?? '', signal })
          : await this.options.transfer.run(transfer, {
              job: this.job,
              files: this.projectFiles(executor),
              log: this.trace,
              signal,
            });
      const why = interruptionOf(signals);
      if (why !== undefined) return { kind: 'interrupted', why };
      return result.exitCode === 0 ? { kind: 'ok' } : { kind: 'exit', exitCode: result.exitCode };
    } catch (error) {
      const why = interruptionOf(signals);
      return why === undefined ? { kind: 'error', error } : { kind: 'interrupted', why };
    } finally {
      this.trace.sectionEnd(stage);
    }
  }

  /** A cache/artifact stage the local transfer does (it has something to do), else undefined. */
  private transferStage(stage: StageName): TransferStage | undefined {
    const transfer = this.options.transfer;
    if (transfer === undefined || !isTransferStage(stage)) return undefined;
    return transfer.has(stage, this.job) ? stage : undefined;
  }

  private projectFiles(executor: Executor): ProjectFiles {
    const files = executor.projectFiles?.();
    if (files === undefined) {
      throw new InternalError(`the ${this.options.provider.name} executor has no project files`);
    }
    return files;
  }

  private signals(which: { cancel?: boolean } = {}): StageSignals {
    return {
      abort: this.options.abort,
      jobDeadline: this.jobDeadline,
      cancel: which.cancel === false ? undefined : this.options.cancel,
    };
  }

  /** The job end a stage run implies; undefined when the job goes on. */
  private endOf(run: StageRun): JobEnd | undefined {
    switch (run.kind) {
      case 'ok':
      case 'skipped':
        return undefined;
      case 'exit':
        return exitFailure(run.exitCode);
      case 'error':
        return errorFailure(run.error);
      case 'interrupted':
        if (run.why === 'job-timeout') return timeoutFailure(this.jobDeadline.ms);
        if (run.why === 'canceled') this.logCancel();
        return CANCELED;
    }
  }

  private canceledLogged = false;

  private hardAborted(): boolean {
    return this.options.abort?.aborted === true;
  }

  private logCancel(): void {
    if (this.canceledLogged) return;
    this.canceledLogged = true;
    const reason: unknown = this.options.cancel?.reason;
    this.trace.warning(
      typeof reason === 'string' ? reason : 'script canceled externally (UI, API)',
    );
  }

  private durationVariable(key: string): number | undefined {
    const text = variable(this.variables, key);
    if (text === undefined || text === '') return undefined;
    const ms = parseGoDuration(text);
    if (ms === undefined || ms <= 0) {
      this.trace.warning(`ignoring ${key}=${text}: not a duration such as 10m or 1h30m`);
      return undefined;
    }
    return ms;
  }

  private finalLine(end: JobEnd): void {
    if (end.state === 'success') this.trace.info('Job succeeded');
    else if (end.state === 'canceled') this.trace.error('Job failed: canceled');
    else this.trace.error(end.message.replace(/^ERROR: /, ''));
  }

  private async cleanup(): Promise<void> {
    try {
      await this.executor?.cleanup();
    } catch {
      // cleanup() is documented never to throw; a broken executor must not hide the result.
    }
  }
}
