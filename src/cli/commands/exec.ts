import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { paint } from '../../core/ansi.js';
import type { ExecutorProvider } from '../../executors/executor.js';
import { readGitSnapshot } from '../../git/read-repo.js';
import type { JobVariable } from '../../protocol/job-spec.js';
import type { JobResult } from '../../runner/job-outcome.js';
import { runJob } from '../../runner/job-run.js';
import { ConsoleSink, FileSink, TeeSink } from '../../runner/sinks.js';
import type { Command } from '../command.js';
import { loadExecRunners } from '../exec-config.js';
import {
  allowedToFail,
  loadExecPlan,
  localRunContext,
  parseVariableFlag,
  pickJobs,
  predefinedRecord,
  refOf,
  skipReason,
  type ExecJob,
} from '../exec-jobs.js';
import { listJobs } from './exec-list.js';
import { stderrLogger, type CliIo } from '../io.js';
import { parseFlags } from '../parse-flags.js';
import { selectRunner } from '../runner-selection.js';
import { defaultImageOf, jobRunnerFor, wireProvider, type ExecRunner } from '../wiring.js';

const help = `Usage: dockhand exec [JOB...] [flags]

Runs jobs of .gitlab-ci.yml locally, one after another in stage order, the way a GitLab runner
would: same stages, same job log (printed, and saved to .dockhand/logs/<job>.log). With no JOB,
runs the pipeline's jobs for the current commit (on_success jobs stop after a failed stage;
manual jobs run only when named).

Flags:
  --cwd DIR              the repository (default: the current directory)
  --file F               the pipeline file, relative to the repository (default: .gitlab-ci.yml)
  --config F             config.toml to take runners from (default: discovered; without one an
                         embedded docker runner is used, with images used as present locally)
  --executor NAME        docker (default) or shell, instead of the runner's executor
  --variable KEY=VALUE   a variable like a project variable (beats YAML); repeatable
  --dirty                include uncommitted changes of the work tree
  --list                 list the jobs that would run, and why others would not

Ctrl-C (or SIGTERM) cancels the running job: its script stops, after_script runs, containers are
removed. A second Ctrl-C stops at once (still removing containers).

Exit codes: 0 every job passed or was allowed to fail, 1 a job failed, 2 usage or configuration
error, 130 canceled by Ctrl-C (SIGINT), 143 canceled by SIGTERM.
`;

const flags = {
  cwd: { type: 'string' },
  file: { type: 'string' },
  config: { type: 'string' },
  executor: { type: 'string' },
  variable: { type: 'string', multiple: true },
  dirty: { type: 'boolean' },
  list: { type: 'boolean' },
} as const;

/** First signal: graceful cancel; second: hard abort. Removed when the run ends. */
class Interrupts {
  readonly cancel = new AbortController();
  readonly abort = new AbortController();
  signalName: 'SIGINT' | 'SIGTERM' | undefined;

  private readonly handler = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (this.signalName === undefined) {
      this.signalName = name;
      this.cancel.abort(`script canceled by ${name} (send it again to stop at once)`);
    } else {
      this.abort.abort(name);
    }
  };
  private readonly onInt = this.handler('SIGINT');
  private readonly onTerm = this.handler('SIGTERM');

  install(): void {
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
  }

  remove(): void {
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
  }

  exitCode(): number | undefined {
    if (this.signalName === undefined) return undefined;
    return this.signalName === 'SIGINT' ? 130 : 143;
  }
}

/**
 * `.dockhand/` holds local state (job logs). A `.gitignore` of `*` inside keeps it out of
 * `git status`, so a run never makes the work tree look dirty to the next one.
 */
function ensureStateDir(root: string): void {
  const dir = join(root, '.dockhand');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, "# dockhand's local state (job logs)\n*\n");
}

function logFileFor(root: string, jobName: string): string {
  const safe = jobName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '') || 'job';
  return join(root, '.dockhand', 'logs', `${safe}.log`);
}

function describe(result: JobResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.state === 'failed') return `failed: ${result.message} (${seconds}s)`;
  return `${result.state === 'success' ? 'passed' : 'canceled'} (${seconds}s)`;
}

interface Assignment {
  readonly job: ExecJob;
  readonly runner: ExecRunner;
}

/** Checks every selected job can run before any does: runner tags and an image. */
function assign(jobs: readonly ExecJob[], runners: readonly ExecRunner[]): Assignment[] {
  return jobs.map((job) => {
    const choice = selectRunner(
      { name: job.planned.job.name, tags: job.planned.job.tags },
      runners,
    );
    if (!choice.ok) throw new ConfigError('exec.no-runner', choice.message, { hint: choice.hint });
    if (job.spec.image === undefined && defaultImageOf(choice.runner) === undefined) {
      throw new ConfigError(
        'exec.no-image',
        `job "${job.planned.job.name}" has no image and the runner "${choice.runner.name}" has no default image`,
        {
          hint: 'add image: busybox:latest (for example) to the job, or image = "…" under [runners.docker]',
        },
      );
    }
    return { job, runner: choice.runner };
  });
}

async function execute(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('exec', args, flags, true);
  const cwd = resolve(io.cwd, values.cwd ?? '.');
  const file = values.file ?? '.gitlab-ci.yml';
  const variables: JobVariable[] = (values.variable ?? []).map(parseVariableFlag);
  if (values.list === true) {
    const git = await readGitSnapshot(cwd);
    return listJobs(io, {
      cwd: git.root,
      file,
      ref: refOf(git),
      predefined: predefinedRecord(localRunContext(git, file, { id: 0, name: '', stage: '' })),
      overrides: Object.fromEntries(variables.map((v) => [v.key, v.value])),
    });
  }
  // A fresh token per run: CI_JOB_TOKEN is masked like a real one, and is worth nothing.
  const token = `glcbt-local${randomBytes(12).toString('hex')}`;
  const loaded = await loadExecPlan({ cwd, file, variables }, token);
  const logger = stderrLogger(io);
  if (!loaded.plan.created) {
    logger.warn(`no pipeline for this commit: ${loaded.plan.reason}`);
    return 0;
  }
  const runners = await loadExecRunners(values.config, io, logger);
  const assignments = assign(pickJobs(loaded.jobs, positionals), runners);
  if (loaded.git.dirty && values.dirty !== true) {
    logger.warn('the work tree has uncommitted changes; jobs see the last commit (add --dirty)');
  }
  return runAssignments(assignments, {
    io,
    root: loaded.git.root,
    named: positionals.length > 0,
    dirty: values.dirty === true,
    ...(values.executor === undefined ? {} : { executor: values.executor }),
  });
}

interface RunSettings {
  readonly io: CliIo;
  /** The repository's root: sources and `.dockhand/logs/`. */
  readonly root: string;
  /** Jobs were named on the command line: manual and on_failure jobs among them run. */
  readonly named: boolean;
  readonly dirty: boolean;
  readonly executor?: string;
}

/** Runs the jobs one by one, in pipeline order; returns the exit code. */
async function runAssignments(
  assignments: readonly Assignment[],
  settings: RunSettings,
): Promise<number> {
  const { io, root } = settings;
  const logger = stderrLogger(io);
  const providers = new Map<ExecRunner, ExecutorProvider>();
  const interrupts = new Interrupts();
  ensureStateDir(root);
  const providerFor = async (runner: ExecRunner): Promise<ExecutorProvider> => {
    const known = providers.get(runner);
    if (known !== undefined) return known;
    // An engine that does not answer is the environment's fault (exit 1 with a hint), not a job
    // failure, and is found before the first job starts.
    const wired = wireProvider(runner, io.env, settings.executor);
    await wired.ready(interrupts.abort.signal);
    providers.set(runner, wired.provider);
    return wired.provider;
  };
  interrupts.install();
  const failedStages = new Set<number>();
  try {
    for (const { job, runner } of assignments) {
      if (interrupts.signalName !== undefined) break;
      const stage = job.planned.stageIndex;
      const skip = skipReason(
        job,
        [...failedStages].some((s) => s < stage),
        settings.named,
      );
      if (skip !== undefined) {
        logger.info(`Skipping job "${job.planned.job.name}": ${skip}`);
        continue;
      }
      const provider = await providerFor(runner);
      const logFile = logFileFor(root, job.planned.job.name);
      const result = await runJob({
        job: job.spec,
        provider,
        runner: jobRunnerFor(runner),
        sink: new TeeSink([new ConsoleSink(io.stdout, { color: io.color }), new FileSink(logFile)]),
        localRepository: { path: root, dirty: settings.dirty },
        cancel: interrupts.cancel.signal,
        abort: interrupts.abort.signal,
      });
      const tolerated = allowedToFail(job, result);
      if (result.state !== 'success' && !tolerated) failedStages.add(stage);
      const summary = `Job "${job.planned.job.name}" ${describe(result)}${tolerated ? ' (allowed to fail)' : ''}; log: ${logFile}`;
      io.stderr(`${paint(result.state === 'success' ? 'info' : 'warning', summary, io.color)}\n\n`);
    }
  } finally {
    interrupts.remove();
  }
  return interrupts.exitCode() ?? (failedStages.size > 0 ? 1 : 0);
}

export const execCommand: Command = {
  name: 'exec',
  summary: 'run .gitlab-ci.yml jobs locally, as a GitLab runner would',
  help,
  run: execute,
};
