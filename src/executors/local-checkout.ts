import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { JobSpec } from '../protocol/job-spec.js';
import type { LocalRepository } from './executor.js';

const run = promisify(execFile);

async function git(args: readonly string[], signal: AbortSignal): Promise<string> {
  const { stdout } = await run('git', [...args], { signal, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** What a local checkout needs to know about the job. */
export interface LocalCheckout {
  readonly repository: LocalRepository;
  readonly job: JobSpec;
  /** The job's effective variables (GIT_STRATEGY, GIT_DEPTH, GIT_CHECKOUT). */
  readonly variable: (key: string) => string | undefined;
  /** The project directory on this machine; created, and expected to be empty. */
  readonly dest: string;
  readonly signal: AbortSignal;
}

interface GitPlan {
  readonly strategy: string;
  readonly depth: number;
  readonly checkout: boolean;
}

function gitPlan(request: LocalCheckout): GitPlan {
  const depthText = request.variable('GIT_DEPTH') ?? String(request.job.git_info.depth);
  const depth = /^\d+$/.test(depthText) ? Number(depthText) : 0;
  return {
    strategy: request.variable('GIT_STRATEGY') ?? 'fetch',
    depth,
    checkout: request.variable('GIT_CHECKOUT') !== 'false',
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

/** The local repository's HEAD commit and the job's commit (HEAD when unknown), one `git`. */
async function headAndCommit(
  repo: string,
  wanted: string,
  signal: AbortSignal,
): Promise<{ head: string; sha: string }> {
  // Only a hex object name goes next to HEAD on one command line (nothing that reads as an option).
  if (!/^[0-9a-f]{4,64}$/i.test(wanted)) {
    return { head: '', sha: await resolveCommit(repo, wanted, signal) };
  }
  try {
    const out = await git(['-C', repo, 'rev-parse', 'HEAD', `${wanted}^{commit}`], signal);
    const [head = '', sha = ''] = out.trim().split('\n');
    return { head, sha };
  } catch {
    // The job's sha is not in this repository (e.g. a synthetic payload): use HEAD.
    const head = (await git(['-C', repo, 'rev-parse', 'HEAD'], signal)).trim();
    return { head, sha: head };
  }
}

/**
 * The commit a fresh clone checked out, read from its files (HEAD's branch, as a loose ref or in
 * packed-refs); undefined when that cannot be told without git.
 */
async function clonedCommit(gitDir: string): Promise<string | undefined> {
  const head = (await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (ref === undefined) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
  const loose = (await readFile(join(gitDir, ref), 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f]{40,64}$/.test(loose)) return loose;
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
  return line?.split(' ')[0];
}

/**
 * Full history and a checkout: a local clone (objects hard-linked, no upload-pack) that checks
 * out the repository's HEAD. When that commit is the job's (`dockhand exec`'s usual case, told
 * from the clone's own files) the work tree is already right and only HEAD is detached, by
 * writing it: no further `git` process. Otherwise the job's commit is resolved (HEAD when the
 * repository lacks it, as for a synthetic payload) and checked out. Returns the commit.
 */
async function cloneCheckedOut(request: LocalCheckout): Promise<string> {
  const { repository, job, dest, signal } = request;
  await git(['clone', '-q', '--no-tags', repository.path, dest], signal);
  const gitDir = join(dest, '.git');
  const cloned = await clonedCommit(gitDir);
  if (cloned !== undefined && cloned === job.git_info.sha) {
    await detachHead(gitDir, cloned);
    return cloned;
  }
  const { head, sha } = await headAndCommit(repository.path, job.git_info.sha, signal);
  if (sha === head && sha === cloned) await detachHead(gitDir, sha);
  else await git(['-C', dest, 'checkout', '-q', '--detach', sha], signal);
  return sha;
}

/**
 * What `git checkout --detach <sha>` does when the work tree already is `sha`: HEAD holds the
 * commit, and the reflog says where it moved from (git status then reads "HEAD detached at …",
 * as in a GitLab checkout). The reflog line reuses the clone's own identity and time.
 */
async function detachHead(gitDir: string, sha: string): Promise<void> {
  const headFile = join(gitDir, 'HEAD');
  const from = (await readFile(headFile, 'utf8')).trim().replace(/^ref: refs\/heads\//, '');
  await writeFile(headFile, `${sha}\n`);
  const reflog = join(gitDir, 'logs', 'HEAD');
  const cloned = await readFile(reflog, 'utf8').catch(() => '');
  const who = /^[0-9a-f]+ [0-9a-f]+ ([^\t]+)\t/.exec(cloned)?.[1];
  if (who !== undefined) {
    await appendFile(reflog, `${sha} ${sha} ${who}\tcheckout: moving from ${from} to ${sha}\n`);
  }
}

/**
 * Full history: a local clone (objects hard-linked, no upload-pack), overlapped with resolving
 * the commit. A depth: a fetch over file://, the only way git honours --depth locally. Neither
 * modifies the local repository.
 */
async function fetchInto(request: LocalCheckout, plan: GitPlan): Promise<string> {
  const { repository, job, dest, signal } = request;
  const repo = repository.path;
  if (plan.depth === 0) {
    const [sha] = await Promise.all([
      resolveCommit(repo, job.git_info.sha, signal),
      git(['clone', '-q', '--no-checkout', '--no-tags', repo, dest], signal),
    ]);
    return sha;
  }
  const sha = await resolveCommit(repo, job.git_info.sha, signal);
  await git(['init', '-q', dest], signal);
  await git(
    ['-C', dest, 'fetch', '-q', '--no-tags', `--depth=${plan.depth}`, `file://${repo}`, sha],
    signal,
  );
  if (job.git_info.repo_url !== '') {
    await git(['-C', dest, 'remote', 'add', 'origin', job.git_info.repo_url], signal);
  }
  return sha;
}

async function checkoutInto(request: LocalCheckout, plan: GitPlan): Promise<string[]> {
  const { repository, job, dest, signal } = request;
  const repo = repository.path;
  const checkedOut = plan.checkout && plan.depth === 0;
  const sha = checkedOut ? await cloneCheckedOut(request) : await fetchInto(request, plan);
  const ref = job.git_info.ref !== '' ? job.git_info.ref : sha.slice(0, 8);
  const lines = fetchLines(plan, ref);
  lines.push('Created fresh repository.');
  if (plan.checkout) {
    if (!checkedOut) await git(['-C', dest, 'checkout', '-q', '--detach', sha], signal);
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
 * Builds a job's project directory on this machine from a local repository, without network:
 * a `git fetch` over file:// into `dest` (shallow with GIT_DEPTH), plus the uncommitted state
 * when the repository is `dirty`. Honours GIT_STRATEGY (none/empty: an empty directory),
 * GIT_CHECKOUT and GIT_DEPTH. Returns GitLab's get_sources lines. Used by every executor that
 * runs from a local repository: docker copies the result into its volume, shell uses it as is.
 */
export async function checkoutLocal(request: LocalCheckout): Promise<string[]> {
  const plan = gitPlan(request);
  await mkdir(request.dest, { recursive: true });
  if (plan.strategy === 'none') return ['Skipping Git repository setup'];
  if (plan.strategy === 'empty') {
    return ['Skipping Git repository setup and creating an empty build directory'];
  }
  return checkoutInto(request, plan);
}
