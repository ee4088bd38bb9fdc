import type { JobArtifact, JobSpec } from '../protocol/job-spec.js';

/**
 * The stages of a job, in GitLab Runner's names and order (shared/reference/gitlab-runner.md
 * §2.2). The job runner owns the order; executors only run the script they are given.
 */
export type Stage =
  | 'prepare_script'
  | 'get_sources'
  | 'restore_cache'
  | 'download_artifacts'
  | 'step_script'
  | 'after_script'
  | 'archive_cache'
  | 'archive_cache_on_failure'
  | 'upload_artifacts_on_success'
  | 'upload_artifacts_on_failure'
  | 'cleanup_file_variables';

/** Stages that run the user's commands in the job image; the others run in a helper context. */
export const USER_STAGES: ReadonlySet<Stage> = new Set(['step_script', 'after_script']);

/**
 * Where an executor writes the job log. Runner messages use the tone methods (GitLab's colours
 * and `ESC[0K` framing are applied by the implementation); container output goes to `output`
 * untouched. Implementations mask secrets; callers never need to.
 */
export interface JobLog {
  /** A plain runner line, e.g. `Using Docker executor with image busybox ...`. */
  plain(text: string): void;
  /** A green runner line, e.g. `Job succeeded`. */
  info(text: string): void;
  /** `WARNING: <text>` in yellow. */
  warning(text: string): void;
  /** `ERROR: <text>` in red. */
  error(text: string): void;
  /** Raw bytes from a container or process (stdout and stderr alike). */
  output(chunk: string): void;
}

export interface PrepareOptions {
  readonly job: JobSpec;
  readonly log: JobLog;
  /** Aborted on cancel or timeout: everything long-running must stop promptly. */
  readonly signal: AbortSignal;
  /**
   * The project directory on this machine to check out from (local runs), or undefined when the
   * sources come from `job.git_info.repo_url` (runner runs).
   */
  readonly localRepository?: LocalRepository;
}

export interface LocalRepository {
  /** Absolute path of the repository's work tree on this machine. */
  readonly path: string;
  /** Include uncommitted changes (`dockhand exec --dirty`). */
  readonly dirty: boolean;
}

export interface ExecutorCommand {
  readonly stage: Stage;
  /** The whole stage script (bash/sh), fed to the shell on stdin, as GitLab Runner does. */
  readonly script: string;
  readonly signal: AbortSignal;
}

export interface CommandResult {
  /** Exit code of the stage's shell (or of the image entrypoint when it ignores the shell). */
  readonly exitCode: number;
}

/**
 * Host access to a job's project directory, for the cache and artifact stages of local runs:
 * they are done on this machine, the same way for every executor (src/executors/local-files/).
 * Usable once `prepare` succeeded.
 */
export interface ProjectFiles {
  /**
   * Calls `use` with a directory on this machine holding the project as the job left it (for a
   * container, a fresh copy that `use` must not expect to write back). Honours `signal`.
   */
  read<T>(use: (dir: string) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Copies the contents of the host directory `from` into the project directory, overwriting. */
  write(from: string, signal: AbortSignal): Promise<void>;
}

/**
 * Artifact archives of runner runs, made from and unpacked into a job's project directory through
 * its ProjectFiles (docker: the build container's volume, on the VM's engine for docker+machine):
 * one implementation for every executor (src/executors/artifacts/).
 */
export interface ArtifactArchiver {
  /**
   * The zip archive of what `artifact` selects (`paths`, `exclude`, `untracked`), printing
   * GitLab's per-path match counts to `log`; undefined when nothing matched. Honours `signal`.
   */
  archive(
    files: ProjectFiles,
    artifact: JobArtifact,
    log: JobLog,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined>;
  /**
   * Unpacks a zip archive into the project directory, overwriting. Rejects on an archive it
   * cannot read or an entry outside the project directory. Honours `signal`.
   */
  extract(files: ProjectFiles, zip: Uint8Array, signal: AbortSignal): Promise<void>;
}

/** The stages a local run does on this machine instead of in a script. */
export type TransferStage = Extract<
  Stage,
  | 'restore_cache'
  | 'download_artifacts'
  | 'archive_cache'
  | 'archive_cache_on_failure'
  | 'upload_artifacts_on_success'
  | 'upload_artifacts_on_failure'
>;

export interface TransferContext {
  readonly job: JobSpec;
  readonly files: ProjectFiles;
  readonly log: JobLog;
  readonly signal: AbortSignal;
}

/**
 * Caches and artifacts of local runs (`dockhand exec`), kept on this machine and moved in and out
 * of the project directory through `ProjectFiles`: one implementation for every executor.
 */
export interface TransferStages {
  /** Whether the stage has anything to do for this job; if not it is skipped (no section). */
  has(stage: TransferStage, job: JobSpec): boolean;
  /** Does the stage; a non-zero result fails it like a script's exit code. Honours `signal`. */
  run(stage: TransferStage, context: TransferContext): Promise<CommandResult>;
}

/**
 * Runs one job's stages. Created by a provider for one job; never reused for another job.
 */
export interface Executor {
  /**
   * Prepares the environment: checks policies, pulls images, creates networks and volumes, starts
   * services, puts the sources in place. Blocks until ready; honours `signal`. Throws a
   * DockhandError (with a FailureReason) when the job cannot run.
   */
  prepare(options: PrepareOptions): Promise<void>;
  /** Runs one stage script to completion. Blocks; honours `command.signal` (stops the stage). */
  run(command: ExecutorCommand): Promise<CommandResult>;
  /**
   * Removes everything this executor created (containers, networks, temporary volumes, files).
   * Idempotent, never throws, safe to call after a failed or partial prepare.
   */
  cleanup(): Promise<void>;
  /** Host access to the project directory (local runs); absent when the executor has none. */
  projectFiles?(): ProjectFiles;
}

/**
 * Capacity a provider holds for one job before the runner asks the coordinator for it (GitLab
 * Runner's provider `Acquire`): docker+machine holds a VM of its pool. Opaque to the runner.
 */
export interface ExecutorCapacity {
  /**
   * Gives the capacity back (no job came, or the job is over). Idempotent; a no-op once an
   * executor took the capacity over (that executor gives it back at cleanup). Never throws.
   */
  release(): void;
}

export type CapacityResult =
  | { readonly kind: 'granted'; readonly capacity: ExecutorCapacity }
  /** Nothing free now (no idle VM, the machine limit): do not ask for a job. */
  | { readonly kind: 'none'; readonly reason: string };

/** Capacity of providers that need none beyond the runner's own slots (shell, docker). */
export const UNLIMITED_CAPACITY: CapacityResult = {
  kind: 'granted',
  capacity: { release: () => undefined },
};

/** Makes executors of one kind. Registered explicitly in src/cli/wiring.ts. */
export interface ExecutorProvider {
  /** The config.toml executor name: `shell`, `docker`, `docker+machine`. */
  readonly name: string;
  /**
   * Takes capacity for one job before a job is asked for. Does not block: `none` means ask later.
   * Release what was granted when no job came; pass it to `create` when one did.
   */
  acquire(): CapacityResult;
  /**
   * A fresh executor for one job. Does not block. `capacity` is what `acquire` granted for this
   * job (runner runs); without it (local runs) the executor finds capacity itself in prepare.
   */
  create(capacity?: ExecutorCapacity): Executor;
}
