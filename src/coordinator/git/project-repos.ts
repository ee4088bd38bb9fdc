/**
 * Where projects' repositories live for git over HTTP. A project named on the command line
 * keeps its own path; one created by a push (or named without a path) gets a bare repository
 * `NAME.git` under the server's data directory.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../repo-source.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Why `name` cannot be a project name, or undefined when it can. */
export function projectNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) {
    return 'use up to 100 letters, digits, ".", "_" or "-", starting with a letter or digit';
  }
  if (name.includes('..') || name.endsWith('.') || /\.(git|atom)$/i.test(name)) {
    return 'it must not contain "..", end with "." or end with ".git" or ".atom"';
  }
  return undefined;
}

export function bareRepoPath(reposDir: string, name: string): string {
  return join(reposDir, `${name}.git`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Creates the bare repository at `dir` unless it is there. */
export async function ensureBareRepo(dir: string): Promise<boolean> {
  if (await exists(join(dir, 'HEAD'))) return true;
  const init = await git('/', ['init', '--quiet', '--bare', dir]);
  return init.code === 0;
}

/**
 * A new bare repository's HEAD names `init.defaultBranch` (often master) whatever gets pushed;
 * like GitLab, make the first pushed branch the default so clones check it out.
 */
export async function adoptDefaultBranch(dir: string, branchRef: string): Promise<void> {
  const head = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (head.code === 0) return;
  await git(dir, ['symbolic-ref', 'HEAD', branchRef]);
}
