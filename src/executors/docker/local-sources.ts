import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { LocalRepository } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import type { JobContext } from './job-context.js';

const run = promisify(execFile);

async function git(args: readonly string[], signal: AbortSignal): Promise<string> {
  const { stdout } = await run('git', [...args], { signal, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

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

interface GitPlan {
  readonly strategy: string;
  readonly depth: number;
  readonly checkout: boolean;
}

function gitPlan(ctx: JobContext): GitPlan {
  const depthText = ctx.variable('GIT_DEPTH') ?? String(ctx.job.git_info.depth);
  const depth = /^\d+$/.test(depthText) ? Number(depthText) : 0;
  return {
    strategy: ctx.variable('GIT_STRATEGY') ?? 'fetch',
    depth,
    checkout: ctx.variable('GIT_CHECKOUT') !== 'false',
  };
}

async function resolveCommit(repo: string, wanted: string, signal: AbortSignal): Promise<string> {
  if (wanted !== '') {
    try {
      return (
        await git(['-C', repo, 'rev-parse', '--verify', `${wanted}^{commit}`], signal)
      ).trim();
    } catch {
      // The job's sha is not in this repository (e.g. a synthetic payload): use HEAD.
    }
  }
  return (await git(['-C', repo, 'rev-parse', 'HEAD'], signal)).trim();
}

/** Copies the work tree's uncommitted state (modified, added, untracked, deleted) over `dest`. */
async function overlayDirty(repo: string, dest: string, signal: AbortSignal): Promise<void> {
  const list = await git(
    ['-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    signal,
  );
  const deleted = new Set(
    (await git(['-C', repo, 'ls-files', '-z', '--deleted'], signal)).split('\0').filter(Boolean),
  );
  for (const file of list.split('\0').filter(Boolean)) {
    signal.throwIfAborted();
    if (deleted.has(file)) continue;
    await mkdir(join(dest, posix.dirname(file)), { recursive: true });
    await cp(join(repo, file), join(dest, file), { force: true, verbatimSymlinks: true });
  }
  for (const file of deleted) await rm(join(dest, file), { force: true });
}

function fetchLines(plan: GitPlan, ref: string): string[] {
  const depth = plan.depth > 0 ? ` with git depth set to ${plan.depth}` : '';
  return plan.strategy === 'clone'
    ? [`Cloning repository for ${ref}${depth}...`]
    : [depth === '' ? 'Fetching changes...' : `Fetching changes${depth}...`];
}

async function checkoutInto(
  repository: LocalRepository,
  ctx: JobContext,
  plan: GitPlan,
  dest: string,
  signal: AbortSignal,
): Promise<string[]> {
  const repo = repository.path;
  const sha = await resolveCommit(repo, ctx.job.git_info.sha, signal);
  const ref = ctx.job.git_info.ref !== '' ? ctx.job.git_info.ref : sha.slice(0, 8);
  const lines = fetchLines(plan, ref);
  await git(['init', '-q', dest], signal);
  const depth = plan.depth > 0 ? [`--depth=${plan.depth}`] : [];
  // file:// so that --depth is honoured; the local repository is never modified.
  await git(['-C', dest, 'fetch', '-q', '--no-tags', ...depth, `file://${repo}`, sha], signal);
  if (ctx.job.git_info.repo_url !== '') {
    await git(['-C', dest, 'remote', 'add', 'origin', ctx.job.git_info.repo_url], signal);
  }
  lines.push('Created fresh repository.');
  if (plan.checkout) {
    await git(['-C', dest, 'checkout', '-q', '--detach', sha], signal);
    lines.push(`Checking out ${sha.slice(0, 8)} as ${ref}...`);
    if (repository.dirty) {
      await overlayDirty(repo, dest, signal);
      lines.push('Including uncommitted changes of the local work tree (--dirty)');
    }
  } else {
    lines.push('Skipping Git checkout');
  }
  lines.push('Skipping Git submodules setup');
  return lines;
}

/**
 * Builds the project directory on the host from a local repository — no network, and no git in
 * the job image: a shallow `git fetch` over file:// into a temp dir, plus the uncommitted state
 * with `dirty`. Honours GIT_STRATEGY (none/empty: an empty directory), GIT_CHECKOUT, GIT_DEPTH.
 */
export async function prepareLocalSources(
  repository: LocalRepository,
  ctx: JobContext,
  signal: AbortSignal,
): Promise<LocalSources> {
  const plan = gitPlan(ctx);
  const root = await mkdtemp(join(tmpdir(), 'dockhand-src-'));
  const underBuilds = ctx.projectDir.startsWith(`${ctx.buildsDir}/`);
  const extractAt = underBuilds ? ctx.buildsDir : '/';
  const relative = posix.relative(extractAt, ctx.projectDir);
  const dest = join(root, relative);
  const dispose = () => rm(root, { recursive: true, force: true });
  try {
    let lines: string[];
    if (plan.strategy === 'none' || plan.strategy === 'empty') {
      await mkdir(dest, { recursive: true });
      lines = [
        plan.strategy === 'none'
          ? 'Skipping Git repository setup'
          : 'Skipping Git repository setup and creating an empty build directory',
      ];
    } else {
      await mkdir(dest, { recursive: true });
      lines = await checkoutInto(repository, ctx, plan, dest, signal);
    }
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
