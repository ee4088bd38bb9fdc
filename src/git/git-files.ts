import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Answers that a plain repository (a `.git` folder with the files ref backend) holds in small
 * files, read here instead of asking a `git` process (each costs a one-line local run ≈ 3 ms of
 * CPU on a 2-core machine). Anything unusual (worktrees, submodules' `.git` files, reftable,
 * `core.worktree`, git's environment variables, another owner, a crossed file system, names
 * that git would shorten differently) is not answered here: `git` is asked, as before.
 */
export interface FileAnswers {
  /** `git rev-parse --show-toplevel`. */
  readonly root: string;
  /** `git symbolic-ref --quiet --short HEAD`: a name, `null` when detached, undefined: ask git. */
  readonly branch?: string | null;
  /**
   * `git symbolic-ref --quiet --short refs/remotes/origin/HEAD`: e.g. `origin/main`, `null`
   * when there is no such symbolic ref, undefined: ask git.
   */
  readonly originHead?: string | null;
  /** false when the repository has no tags at all (`for-each-ref refs/tags` would print nothing). */
  readonly mayHaveTags: boolean;
}

/** Variables that move or reshape the repository git finds; with any of them set, ask git. */
const GIT_LOCATION_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_NAMESPACE',
  'GIT_REF_STORAGE',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
];

const stat = (path: string): Stats | undefined => statSync(path, { throwIfNoEntry: false });

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The work tree holding `start` and its `.git` folder, as git's discovery finds it. */
function discover(start: string): { root: string; gitDir: string } | undefined {
  let dir: string;
  try {
    dir = realpathSync(start);
  } catch {
    return undefined;
  }
  const device = stat(dir)?.dev;
  for (;;) {
    const dotGit = join(dir, '.git');
    const found = stat(dotGit);
    if (found !== undefined) return found.isDirectory() ? { root: dir, gitDir: dotGit } : undefined;
    const parent = dirname(dir);
    // git stops at a file-system boundary: leave that case (and the error wording) to it.
    if (parent === dir || stat(parent)?.dev !== device) return undefined;
    dir = parent;
  }
}

/** A repository git would accept as is: its layout, its config and its owner. */
function plainRepository(root: string, gitDir: string): boolean {
  const layout = ['HEAD', 'objects', 'refs'];
  if (!layout.every((name) => existsSync(join(gitDir, name)))) return false;
  if (existsSync(join(gitDir, 'reftable')) || existsSync(join(gitDir, 'commondir'))) return false;
  const config = readText(join(gitDir, 'config')) ?? '';
  if (/^\s*(worktree|refstorage)\s*=/im.test(config) || /^\s*bare\s*=\s*true/im.test(config)) {
    return false;
  }
  // safe.directory: git refuses a repository of another user; keep its wording of that.
  const uid = process.getuid?.();
  return uid === undefined || (stat(root)?.uid === uid && stat(gitDir)?.uid === uid);
}

function packedRefNames(gitDir: string): Set<string> {
  const text = readText(join(gitDir, 'packed-refs')) ?? '';
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]{40,64} (refs\/\S+)$/.exec(line);
    if (m !== null) names.add(m[1]!);
  }
  return names;
}

/**
 * git's `shorten_unambiguous_ref` for a ref under `prefix` (refs/heads/ or refs/remotes/): the
 * name without the prefix, unless an earlier rule would read that short name as another ref;
 * then undefined (ask git, which prints a longer form).
 */
function shorten(
  gitDir: string,
  packed: Set<string>,
  ref: string,
  prefix: string,
): string | undefined {
  const short = ref.slice(prefix.length);
  const earlier = [short, `refs/${short}`, `refs/tags/${short}`];
  if (prefix === 'refs/remotes/') earlier.push(`refs/heads/${short}`);
  const taken = earlier.some((name) => packed.has(name) || existsSync(join(gitDir, name)));
  return taken ? undefined : short;
}

/** The target of a symbolic ref stored as a loose file; null when it is not one. */
function symbolicTarget(gitDir: string, name: string): string | null | undefined {
  const path = join(gitDir, name);
  const link = lstatSync(path, { throwIfNoEntry: false });
  if (link === undefined) return null;
  // A symbolic link as HEAD (git before 1.5): let git read it.
  if (!link.isFile()) return undefined;
  const text = readText(path);
  if (text === undefined) return undefined;
  const m = /^ref: (refs\/\S+)\n?$/.exec(text);
  if (m !== null) return m[1]!;
  // A plain object id: a detached HEAD, or a non-symbolic origin/HEAD.
  return /^[0-9a-f]{40,64}\n?$/.test(text) ? null : undefined;
}

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** Reads what it safely can; undefined when the repository is not a plain one (ask git). */
export function readGitFiles(dir: string, env: NodeJS.ProcessEnv): FileAnswers | undefined {
  if (GIT_LOCATION_ENV.some((name) => env[name] !== undefined)) return undefined;
  const found = discover(dir);
  if (found === undefined || !plainRepository(found.root, found.gitDir)) return undefined;
  const { root, gitDir } = found;
  const packed = packedRefNames(gitDir);

  const head = symbolicTarget(gitDir, 'HEAD');
  let branch: string | null | undefined;
  if (head === null) branch = null;
  else if (head?.startsWith('refs/heads/')) branch = shorten(gitDir, packed, head, 'refs/heads/');

  const origin = symbolicTarget(gitDir, 'refs/remotes/origin/HEAD');
  let originHead: string | null | undefined;
  if (origin === null) originHead = null;
  else if (origin?.startsWith('refs/remotes/')) {
    originHead = shorten(gitDir, packed, origin, 'refs/remotes/');
  }

  const mayHaveTags =
    hasEntries(join(gitDir, 'refs', 'tags')) ||
    [...packed].some((name) => name.startsWith('refs/tags/'));
  return {
    root,
    ...(branch === undefined ? {} : { branch }),
    ...(originHead === undefined ? {} : { originHead }),
    mayHaveTags,
  };
}
