import { cp, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { InternalError } from '../../core/errors.js';
import type {
  CommandResult,
  Executor,
  ExecutorCommand,
  JobLog,
  PrepareOptions,
  ProjectFiles,
} from '../executor.js';
import { JobFailedError } from '../job-error.js';
import { checkoutLocal } from '../local-checkout.js';
import { runShell } from './shell-process.js';
import { clearForFresh } from './stale-dirs.js';

export interface ShellExecutorSettings {
  /** The shell that runs stage scripts: `bash` when found, else `sh`. */
  readonly shell: string;
  /** The environment jobs start from (the runner's own, as GitLab's shell executor does). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** SIGTERM → SIGKILL grace when a stage is stopped. */
  readonly graceMs: number;
}

interface Prepared {
  readonly buildsDir: string;
  readonly projectDir: string;
  readonly log: JobLog;
  readonly sourceLines: readonly string[] | undefined;
}

/**
 * The shell executor: stage scripts run on this machine, in `bash` (else `sh`), from the job's
 * builds directory. CI_BUILDS_DIR and CI_PROJECT_DIR are host paths (the job runner derives them
 * from the runner's builds_dir). For local runs the project directory is rebuilt from the local
 * repository in prepare; otherwise get_sources' git script fetches it.
 */
export class ShellExecutor implements Executor {
  private prepared: Prepared | undefined;
  /** Deletion of the previous job's project directory, running behind this job. */
  private staleRemoved: (() => Promise<void>) | undefined;

  constructor(private readonly settings: ShellExecutorSettings) {}

  async prepare({ job, log, signal, localRepository }: PrepareOptions): Promise<void> {
    const vars = new Map(job.variables.map((v) => [v.key, v.value]));
    const projectDir = vars.get('CI_PROJECT_DIR');
    const buildsDir = vars.get('CI_BUILDS_DIR') ?? (projectDir && dirname(projectDir));
    if (projectDir === undefined || buildsDir === undefined || !projectDir.startsWith('/')) {
      throw new JobFailedError(
        'runner_configuration_error',
        'shell.project-dir',
        `the shell executor needs an absolute CI_PROJECT_DIR, not "${projectDir ?? ''}"`,
        { hint: 'set builds_dir in the [[runners]] section to an absolute path' },
      );
    }
    log.plain(`Using Shell (${basename(this.settings.shell)}) executor...`);
    try {
      // A fresh project directory per job, as a fresh docker volume would be.
      this.staleRemoved = await clearForFresh([projectDir, `${projectDir}.tmp`]);
      await mkdir(buildsDir, { recursive: true });
      const sourceLines =
        localRepository === undefined
          ? undefined
          : await checkoutLocal({
              repository: localRepository,
              job,
              variable: (key) => vars.get(key),
              dest: projectDir,
              signal,
            });
      this.prepared = { buildsDir, projectDir, log, sourceLines };
    } catch (error) {
      signal.throwIfAborted();
      throw new JobFailedError(
        'runner_system_failure',
        'shell.prepare',
        `cannot prepare ${projectDir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async run(command: ExecutorCommand): Promise<CommandResult> {
    const prepared = this.prepared;
    if (prepared === undefined) {
      throw new InternalError('ShellExecutor.run called before prepare succeeded');
    }
    if (command.stage === 'prepare_script') {
      prepared.log.plain(`Running on ${hostname()}...`);
    }
    if (command.stage === 'get_sources' && prepared.sourceLines !== undefined) {
      for (const line of prepared.sourceLines) prepared.log.info(line);
      return { exitCode: 0 };
    }
    if (command.script.trim() === '') return { exitCode: 0 };
    const exitCode = await runShell({
      shell: this.settings.shell,
      script: command.script,
      cwd: prepared.buildsDir,
      env: this.settings.env,
      output: (chunk) => prepared.log.output(chunk),
      signal: command.signal,
      graceMs: this.settings.graceMs,
    });
    return { exitCode };
  }

  /**
   * The project directory stays (GitLab's shell executor keeps it too); the previous one, set
   * aside in prepare, must be gone before the job counts as finished.
   */
  async cleanup(): Promise<void> {
    // A tree that cannot be deleted now stays set aside; the next job's sweep retries it once
    // this process is gone. It never blocks or fails the job that already ran.
    await this.staleRemoved?.().catch(() => undefined);
  }

  projectFiles(): ProjectFiles {
    const prepared = this.prepared;
    if (prepared === undefined) {
      throw new InternalError('ShellExecutor.projectFiles called before prepare succeeded');
    }
    return {
      read: (use) => use(prepared.projectDir),
      write: (from) =>
        cp(from, prepared.projectDir, { recursive: true, force: true, verbatimSymlinks: true }),
    };
  }
}
