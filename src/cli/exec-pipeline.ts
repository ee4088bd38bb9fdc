import { join, relative } from 'node:path';
import { paint } from '../core/ansi.js';
import type { ExecutorProvider } from '../executors/executor.js';
import { LocalStore, safeName } from '../executors/local-files/local-store.js';
import { LocalTransfer } from '../executors/local-files/local-transfer.js';
import type { JobSpec, JobVariable } from '../protocol/job-spec.js';
import type { JobResult } from '../runner/job-outcome.js';
import { runJob, type JobRunner } from '../runner/job-run.js';
import { runPipeline, type PipelineJobReport } from '../runner/pipeline-run.js';
import type { ScheduleJob } from '../runner/pipeline-schedule.js';
import { ConsoleSink, FileSink, TeeSink, type TraceSink } from '../runner/sinks.js';
import { dependenciesOf, missingDependency, withDotenvVariables } from './exec-dependencies.js';
import { requireImages } from './exec-selection.js';
import { formatSummary } from './exec-summary.js';
import { allowedToFail, type ExecJob } from './exec-jobs.js';
import { Interrupts } from './interrupts.js';
import { stderrLogger, type CliIo } from './io.js';
import { jobPrefix, PrefixedConsoleSink } from './prefixed-sink.js';
import { ensureStateDir } from './state-dir.js';
import { EMBEDDED_RUNNER, jobRunnerFor, wireProvider, type ExecRunner } from './wiring.js';

export interface Assignment {
  readonly job: ExecJob;
  readonly runner: ExecRunner;
}

export interface ExecPipelineSettings {
  readonly io: CliIo;
  /** The repository's root: sources, and `.dockhand/` for logs, artifacts, caches, builds. */
  readonly root: string;
  /** Jobs named on the command line: manual ones among them run. */
  readonly named: readonly string[];
  readonly dirty: boolean;
  readonly executor?: string;
  readonly concurrency: number;
  /** `--variable` and the variables file: they rank above dotenv report variables. */
  readonly projectVariables?: readonly JobVariable[];
}

function logFileFor(stateDir: string, name: string, attempt: number): string {
  const suffix = attempt > 1 ? `.attempt-${attempt}` : '';
  return join(stateDir, 'logs', `${safeName(name)}${suffix}.log`);
}

function scheduleJobOf(job: ExecJob, named: readonly string[]): ScheduleJob {
  const planned = job.planned;
  const selected = named.includes(planned.job.name);
  // A named on_failure job run on its own has nothing to wait for: the user asked for it.
  const alone = selected && named.length === 1;
  const when =
    planned.when === 'never' || (planned.when === 'on_failure' && alone) ? 'always' : planned.when;
  return {
    name: planned.job.name,
    stageIndex: planned.stageIndex,
    when,
    ...(planned.needs === undefined ? {} : { needs: planned.needs.map((need) => need.job) }),
    allowFailure: planned.allowFailure,
    retry: planned.job.retry,
    selected,
  };
}

/** The shell executor's paths are host paths: `.dockhand/builds/<job>/<project>`. */
function forShell(spec: JobSpec, buildsDir: string): JobSpec {
  const projectDir = join(buildsDir, spec.job_info.project_name);
  const paths: Record<string, string> = { CI_BUILDS_DIR: buildsDir, CI_PROJECT_DIR: projectDir };
  return {
    ...spec,
    variables: spec.variables.map((v) => {
      const value = paths[v.key];
      return value === undefined ? v : { ...v, value };
    }),
  };
}

function describe(result: JobResult): string {
  // As the closing table shows it: a one-line job takes hundredths of a second, not "0.0s".
  const seconds = (result.durationMs / 1000).toFixed(2);
  if (result.state === 'failed') {
    // GitLab's "Job failed: exit code 1" after `Job "x" failed:` would say it twice.
    return `failed: ${result.message.replace(/^Job failed: /, '')} (${seconds}s)`;
  }
  return `${result.state === 'success' ? 'passed' : 'canceled'} (${seconds}s)`;
}

/**
 * Runs the chosen jobs as a pipeline (src/runner/pipeline-schedule.ts decides the order): up to
 * `concurrency` at once, each job's log on the console (prefixed with its name when several may
 * run at once) and in `.dockhand/logs/`, caches and artifacts in `.dockhand/`, a summary at the
 * end. Returns the exit code.
 */
export async function runExecPipeline(
  assignments: readonly Assignment[],
  settings: ExecPipelineSettings,
): Promise<number> {
  const { io, root } = settings;
  const logger = stderrLogger(io);
  const stateDir = ensureStateDir(root);
  const store = new LocalStore(stateDir);
  const pruned = store.pruneExpired();
  if (pruned.length > 0) {
    logger.info(`Removed expired artifacts (artifacts:expire_in): ${pruned.join(', ')}`);
  }
  store.schedule(assignments.map((a) => a.job.planned.job.name));
  const transfer = new LocalTransfer(store, (path) => relative(root, path));
  const interrupts = new Interrupts();
  const byName = new Map(assignments.map((a) => [a.job.planned.job.name, a]));
  const idOf = new Map(assignments.map((a) => [a.job.planned.job.name, a.job.spec.id]));
  // docker+machine: a local run keeps no VM past its process; closing removes the pool's VMs.
  const closers: (() => Promise<void>)[] = [];
  const providers = await resolveProviders(assignments, settings, interrupts, closers);
  try {
    requireImages(assignments, (runner) => providers.get(runner)?.name ?? runner.executor);
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    throw error;
  }
  const jobs = assignments.map((a) => scheduleJobOf(a.job, settings.named));
  const prefixed = settings.concurrency > 1 && jobs.length > 1;
  const width = Math.min(24, Math.max(...jobs.map((j) => j.name.length)));

  const consoleSink = (name: string): TraceSink => {
    if (!prefixed) return new ConsoleSink(io.stdout, { color: io.color });
    const index = jobs.findIndex((j) => j.name === name);
    const prefix = jobPrefix(name.slice(0, width), width, index, io.color);
    return new PrefixedConsoleSink(io.stdout, prefix, io.color);
  };

  const runAttempt = async (name: string, attempt: number): Promise<JobResult> => {
    const assignment = byName.get(name);
    const provider = assignment === undefined ? undefined : providers.get(assignment.runner);
    if (assignment === undefined || provider === undefined) throw new Error(`no job ${name}`);
    const { planned } = assignment.job;
    if (planned.when === 'delayed') {
      logger.info(`Job "${name}" is delayed (start_in: ${planned.startIn ?? '?'}); started now`);
    }
    const shell = provider.name === 'shell';
    const base: JobRunner = { ...jobRunnerFor(assignment.runner), disposable: !shell };
    const buildsDir = join(stateDir, 'builds', safeName(name));
    const { token } = assignment.job.spec;
    const deps = dependenciesOf(planned.artifactsFrom, store, (d) => idOf.get(d) ?? 0, token);
    if (deps.expired.length > 0) return missingDependency(deps.expired);
    const spec = withDotenvVariables(
      { ...assignment.job.spec, dependencies: deps.dependencies },
      deps.dotenv,
      settings.projectVariables ?? [],
    );
    const logFile = logFileFor(stateDir, name, attempt);
    return runJob({
      job: shell ? forShell(spec, buildsDir) : spec,
      provider,
      runner: shell ? { ...base, buildsDir } : base,
      sink: new TeeSink([consoleSink(name), new FileSink(logFile)]),
      localRepository: { path: root, dirty: settings.dirty },
      transfer,
      cancel: interrupts.cancel.signal,
      abort: interrupts.abort.signal,
    });
  };

  interrupts.install();
  let reports: readonly PipelineJobReport[];
  let failed: boolean;
  try {
    ({ jobs: reports, failed } = await runPipeline({
      jobs,
      concurrency: settings.concurrency,
      runAttempt,
      cancel: interrupts.cancel.signal,
      onSkip: (name, reason) => logger.info(`Skipping job "${name}": ${reason}`),
      onFinish: (name, result, decision) => {
        const job = byName.get(name)?.job;
        const tolerated = decision === 'final' && job !== undefined && allowedToFail(job, result);
        const retry = decision === 'retry' ? '; retrying' : '';
        const text = `Job "${name}" ${describe(result)}${tolerated ? ' (allowed to fail)' : ''}${retry}`;
        io.stderr(`${paint(result.state === 'success' ? 'info' : 'warning', text, io.color)}\n`);
      },
    }));
  } finally {
    interrupts.remove();
    await Promise.all(closers.map((close) => close()));
  }
  const stages = new Map(assignments.map((a) => [a.job.planned.job.name, a.job.planned.job.stage]));
  io.stderr(`\n${formatSummary(reports, stages, io.color)}`);
  io.stderr(`Logs: ${relative(io.cwd, join(stateDir, 'logs')) || '.'}\n`);
  return interrupts.exitCode() ?? (failed ? 1 : 0);
}

/**
 * One provider per runner, checked before the first job starts: an engine that does not answer
 * is the environment's fault (exit 1 with a hint), not a job failure. Without a config.toml and
 * without --executor, no engine means the shell executor, with a notice.
 */
async function resolveProviders(
  assignments: readonly Assignment[],
  settings: ExecPipelineSettings,
  interrupts: Interrupts,
  closers: (() => Promise<void>)[],
): Promise<Map<ExecRunner, ExecutorProvider>> {
  const providers = new Map<ExecRunner, ExecutorProvider>();
  for (const runner of new Set(assignments.map((a) => a.runner))) {
    const logger = stderrLogger(settings.io);
    const wired = await wireProvider(runner, settings.io.env, settings.executor, logger);
    if (wired.close !== undefined) closers.push(wired.close);
    try {
      await wired.ready(interrupts.abort.signal);
      providers.set(runner, wired.provider);
    } catch (error) {
      if (runner !== EMBEDDED_RUNNER || settings.executor !== undefined) throw error;
      // The engine error already says "no Docker engine answers at …": not said twice.
      const why = ((error as Error).message.split('\n')[0] ?? '').replace(
        /^no Docker engine answers\s*/i,
        '',
      );
      settings.io.stderr(
        `${paint('warning', `No Docker engine answers ${why}; running jobs with the shell executor`, settings.io.color)}\n`,
      );
      providers.set(runner, (await wireProvider(runner, settings.io.env, 'shell')).provider);
    }
  }
  return providers;
}
