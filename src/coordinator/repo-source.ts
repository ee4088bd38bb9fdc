/**
 * Reads what a pipeline needs from a project's git repository at a ref: the commit, its
 * metadata, the file list, and the YAML files (the pipeline and what it may `include:local`).
 * Uses the `git` CLI, like src/git, so bare repositories and worktrees work alike.
 */
import { execFile } from 'node:child_process';
import { EnvironmentError } from '../core/errors.js';

export interface RepoCommit {
  readonly sha: string;
  readonly beforeSha: string;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly message: string;
  readonly authorName: string;
  readonly authorEmail: string;
  readonly timestamp: string;
  readonly defaultBranch: string;
  readonly files: readonly string[];
  /** Text of the YAML files of the tree, by path. */
  readonly yaml: ReadonlyMap<string, string>;
}

export type ReadRepoResult =
  | { readonly ok: true; readonly commit: RepoCommit }
  | { readonly ok: false; readonly reason: string };

/** A repository with more YAML files than this is read only for the first ones. */
const MAX_YAML_FILES = 500;
const BLANK_SHA = '0'.repeat(40);

/** Runs git in `dir`; resolves with its exit code (no throw on a non-zero one). */
export function git(
  dir: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      },
      (error, stdout) => {
        if (error === null) resolve({ code: 0, stdout });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout });
        else
          reject(
            new EnvironmentError('git.unavailable', `could not run git in ${dir}`, {
              hint: 'install git on the coordinator host',
              cause: error,
            }),
          );
      },
    );
  });
}

/** A pushed ref update: the commit to read (not the ref's tip, which may have moved on since). */
export interface PushedRef {
  readonly sha: string;
  /** The ref's value before the push (all zeros for a new ref): CI_COMMIT_BEFORE_SHA. */
  readonly beforeSha: string;
}

/** `ref`: a branch or tag name, or a full `refs/heads/…` / `refs/tags/…` name. */
export async function readRepoAt(
  dir: string,
  ref: string,
  pushed?: PushedRef,
): Promise<ReadRepoResult> {
  if (ref.startsWith('-') || ref.includes('..'))
    return { ok: false, reason: `invalid ref "${ref}"` };
  if (pushed !== undefined && !/^[0-9a-f]{40,64}$/.test(pushed.sha))
    return { ok: false, reason: `invalid commit "${pushed.sha}"` };
  const at = pushed?.sha ?? ref;
  const head = await git(dir, ['rev-parse', '--verify', '--quiet', `${at}^{commit}`]);
  if (head.code !== 0) return { ok: false, reason: `no commit for ref "${ref}" in ${dir}` };
  const sha = head.stdout.trim();
  const [parent, isTag, meta, tree, defaultBranch] = await Promise.all([
    git(dir, ['rev-parse', '--verify', '--quiet', `${sha}~1^{commit}`]),
    git(dir, ['rev-parse', '--verify', '--quiet', `refs/tags/${ref}`]),
    git(dir, ['log', '-1', '--format=%an%x00%ae%x00%cI%x00%B', sha]),
    git(dir, ['ls-tree', '-r', '-z', '--name-only', sha]),
    git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
  ]);
  const [authorName = '', authorEmail = '', timestamp = '', ...message] = meta.stdout.split('\0');
  const files = tree.stdout.split('\0').filter((f) => f !== '');
  const yaml = new Map<string, string>();
  for (const file of files.filter((f) => /\.ya?ml$/.test(f)).slice(0, MAX_YAML_FILES)) {
    const shown = await git(dir, ['show', `${sha}:${file}`]);
    if (shown.code === 0) yaml.set(file, shown.stdout);
  }
  return {
    ok: true,
    commit: {
      sha,
      beforeSha: pushed?.beforeSha ?? (parent.code === 0 ? parent.stdout.trim() : BLANK_SHA),
      ref: ref.replace(/^refs\/(heads|tags)\//, ''),
      refType: isTag.code === 0 || ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      message: message.join('\0').replace(/\n$/, ''),
      authorName,
      authorEmail,
      timestamp,
      defaultBranch: defaultBranch.code === 0 ? defaultBranch.stdout.trim() : 'main',
      files,
      yaml,
    },
  };
}
