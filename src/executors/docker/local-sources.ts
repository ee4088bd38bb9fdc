import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { LocalRepository } from '../executor.js';
import { checkoutLocal } from '../local-checkout.js';
import { JobFailedError } from '../job-error.js';
import type { JobContext } from './job-context.js';

/** Sources prepared on the host, ready to be copied into the job's builds volume. */
export interface LocalSources {
  /** GitLab's get_sources lines, printed when the job runner runs `get_sources`. */
  readonly lines: readonly string[];
  /** The directory (inside the builds dir) the archive is extracted at. */
  readonly extractAt: string;
  /** A tar stream of the project directory, relative to `extractAt`. */
  tar(): Readable;
  /** Removes the host temp dir; idempotent. */
  dispose(): Promise<void>;
}

/**
 * Builds the project directory on the host (src/executors/local-checkout.ts) in a temp dir, to
 * be copied into the job's builds volume: no network, and no git in the job image.
 */
export async function prepareLocalSources(
  repository: LocalRepository,
  ctx: JobContext,
  signal: AbortSignal,
): Promise<LocalSources> {
  const root = await mkdtemp(join(tmpdir(), 'dockhand-src-'));
  const underBuilds = ctx.projectDir.startsWith(`${ctx.buildsDir}/`);
  const extractAt = underBuilds ? ctx.buildsDir : '/';
  const relative = posix.relative(extractAt, ctx.projectDir);
  const dest = join(root, relative);
  // One removal, however often it is asked for (prepare starts it, cleanup waits for it).
  let disposing: Promise<void> | undefined;
  const dispose = () => (disposing ??= rm(root, { recursive: true, force: true }));
  try {
    const lines = await checkoutLocal({
      repository,
      job: ctx.job,
      variable: ctx.variable,
      dest,
      signal,
    });
    return {
      lines,
      extractAt,
      tar: () => spawnTar(root, relative.split('/')[0] ?? relative),
      dispose,
    };
  } catch (error) {
    await dispose();
    signal.throwIfAborted();
    throw new JobFailedError(
      'runner_system_failure',
      'docker.local-sources',
      `cannot prepare the sources from ${repository.path}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'check that the directory is a git repository with at least one commit',
      },
    );
  }
}

/** The host's tar: files owned by root in the container, as a helper-image clone would be. */
function spawnTar(root: string, top: string): Readable {
  const child = spawn(
    'tar',
    ['-C', root, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', top],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return child.stdout;
}
