import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { EnvironmentError } from '../core/errors.js';

/**
 * The facts about a working copy that a local run turns into predefined variables
 * (src/pipeline/variables/predefined.ts). Read with the `git` CLI, so whatever the user's git
 * understands (worktrees, submodules, alternates) works here too.
 */
export interface GitSnapshot {
  /** Top-level directory of the working copy. */
  readonly root: string;
  /** Its directory name: the local stand-in for CI_PROJECT_NAME. */
  readonly projectName: string;
  readonly sha: string;
  /** HEAD~1, or 40 zeros for a root commit (GitLab's value when there is no previous commit). */
  readonly beforeSha: string;
  /** Absent when HEAD is detached. */
  readonly branch?: string;
  readonly detached: boolean;
  /** A tag pointing at HEAD (the most recently created one if several). */
  readonly tag?: string;
  /** The annotation of `tag` when it is an annotated tag. */
  readonly tagMessage?: string;
  /** The raw commit message, exactly as stored. */
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** Committer date in ISO 8601 with the committer's offset (GitLab uses the committed date). */
  readonly timestamp: string;
  /** From `origin/HEAD`, else `init.defaultBranch`, else `main`. */
  readonly defaultBranch: string;
  /** Uncommitted changes or untracked files are present. */
  readonly dirty: boolean;
}

export interface ReadGitOptions {
  /** Environment for the git processes (tests isolate the user's configuration with it). */
  readonly env?: NodeJS.ProcessEnv;
}

const BLANK_SHA = '0'.repeat(40);

interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function git(dir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: dir, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        if (typeof error.code === 'number') {
          resolve({ code: error.code, stdout, stderr });
          return;
        }
        reject(
          new EnvironmentError('git.unavailable', `could not run git in ${dir}: ${error.message}`, {
            hint: 'install git and make sure it is on PATH',
            cause: error,
          }),
        );
      },
    );
  });
}

/** Reads HEAD, refs and status of the working copy at `dir`. */
export async function readGitSnapshot(
  dir: string,
  options: ReadGitOptions = {},
): Promise<GitSnapshot> {
  const env = options.env ?? process.env;
  const run = (...args: string[]): Promise<GitRun> => git(dir, args, env);

  const top = await run('rev-parse', '--show-toplevel');
  if (top.code !== 0) {
    throw new EnvironmentError('git.not-a-repository', `${dir} is not inside a git working copy`, {
      hint: 'run dockhand from a git checkout, or run `git init` and commit first',
    });
  }
  const root = top.stdout.trim();
  const head = await run('rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  if (head.code !== 0) {
    throw new EnvironmentError('git.no-commits', `the repository at ${root} has no commits yet`, {
      hint: 'commit something first: GitLab runs pipelines for commits',
    });
  }
  const sha = head.stdout.trim();

  const [parent, branchRef, tagRefs, commit, defaultBranch, status] = await Promise.all([
    run('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}'),
    run('symbolic-ref', '--quiet', '--short', 'HEAD'),
    run(
      'for-each-ref',
      '--points-at=HEAD',
      '--sort=-creatordate',
      '--format=%(refname:strip=2)%00%(objecttype)%00%(contents)%00',
      'refs/tags',
    ),
    run('cat-file', 'commit', sha),
    readDefaultBranch(run),
    run('status', '--porcelain', '--untracked-files=normal'),
  ]);
  if (commit.code !== 0) {
    throw new EnvironmentError(
      'git.read-failed',
      `could not read commit ${sha}: ${commit.stderr.trim()}`,
    );
  }
  const parsed = parseCommit(commit.stdout);
  const branch = branchRef.code === 0 ? branchRef.stdout.trim() : undefined;
  const [tagName, tagType, tagContents] = tagRefs.stdout.split('\0');
  const tag = tagName === undefined || tagName.trim() === '' ? undefined : tagName.trim();

  return {
    root,
    projectName: basename(root),
    sha,
    beforeSha: parent.code === 0 ? parent.stdout.trim() : BLANK_SHA,
    ...(branch === undefined ? {} : { branch }),
    detached: branch === undefined,
    ...(tag === undefined ? {} : { tag }),
    ...(tag !== undefined && tagType === 'tag' && tagContents !== undefined
      ? { tagMessage: tagContents }
      : {}),
    ...parsed,
    defaultBranch,
    dirty: status.code === 0 && status.stdout.trim() !== '',
  };
}

async function readDefaultBranch(run: (...args: string[]) => Promise<GitRun>): Promise<string> {
  const originHead = await run('symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD');
  const fromOrigin = originHead.stdout.trim();
  if (originHead.code === 0 && fromOrigin.startsWith('origin/')) {
    return fromOrigin.slice('origin/'.length);
  }
  const configured = await run('config', '--get', 'init.defaultBranch');
  const name = configured.stdout.trim();
  return configured.code === 0 && name !== '' ? name : 'main';
}

const PERSON = /^(author|committer) (.*) <([^>]*)> (\d+) ([+-])(\d{2})(\d{2})$/;

/** Parses `git cat-file commit` output: headers, a blank line, then the raw message. */
function parseCommit(
  raw: string,
): Pick<GitSnapshot, 'message' | 'authorName' | 'authorEmail' | 'timestamp'> {
  const split = raw.indexOf('\n\n');
  const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
  const message = split < 0 ? '' : raw.slice(split + 2);
  let authorName = '';
  let authorEmail = '';
  let timestamp = '';
  for (const line of headers) {
    const m = PERSON.exec(line);
    if (m === null) continue;
    if (m[1] === 'author') {
      authorName = m[2]!;
      authorEmail = m[3]!;
    } else {
      timestamp = isoWithOffset(Number(m[4]), m[5]!, m[6]!, m[7]!);
    }
  }
  return { message, authorName, authorEmail, timestamp };
}

/** `2024-05-01T10:20:30+02:00`: the wall-clock time in the committer's own offset. */
function isoWithOffset(epochSeconds: number, sign: string, hours: string, minutes: string): string {
  const offsetSeconds = (sign === '-' ? -1 : 1) * (Number(hours) * 3600 + Number(minutes) * 60);
  const local = new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 19);
  return `${local}${sign}${hours}:${minutes}`;
}
