import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../core/errors.js';

const run = promisify(execFile);

/** What `dockhand exec` needs to know about the local repository's current commit. */
export interface RepoFacts {
  readonly sha: string;
  /** Undefined on a detached HEAD. */
  readonly branch: string | undefined;
  /** A tag pointing at HEAD, used only on a detached HEAD (a tag pipeline). */
  readonly tag: string | undefined;
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** Committer date, ISO 8601. */
  readonly timestamp: string;
  /** Tracked files, `/`-separated, relative to the root (for `exists:` and include wildcards). */
  readonly files: readonly string[];
}

async function git(cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

/**
 * Reads the commit `dockhand exec` runs: HEAD, its branch or tag, author and message, and the
 * tracked files. A directory without a commit is a usage error with a hint.
 */
export async function readRepoFacts(cwd: string): Promise<RepoFacts> {
  const sha = (await git(cwd, ['rev-parse', '--verify', '-q', 'HEAD']))?.trim();
  if (sha === undefined || sha === '') {
    throw new UsageError(`${cwd} is not a git repository with a commit`, {
      hint: 'dockhand exec runs the committed work tree (add --dirty for local changes): run git init and commit first',
    });
  }
  const [branchText, logText, filesText] = await Promise.all([
    git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']),
    git(cwd, ['log', '-1', '--format=%an%x00%ae%x00%cI%x00%B']),
    git(cwd, ['ls-files', '-z']),
  ]);
  const branch = branchText?.trim() || undefined;
  const tag =
    branch === undefined
      ? (await git(cwd, ['describe', '--tags', '--exact-match', 'HEAD']))?.trim() || undefined
      : undefined;
  const [authorName = '', authorEmail = '', timestamp = '', ...message] = (logText ?? '').split(
    '\0',
  );
  return {
    sha,
    branch,
    tag,
    message: message.join('\0').replace(/\n+$/, ''),
    authorName,
    authorEmail,
    timestamp: timestamp.trim(),
    files: (filesText ?? '').split('\0').filter((f) => f !== ''),
  };
}
