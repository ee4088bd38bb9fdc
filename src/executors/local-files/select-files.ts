import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { globMatch } from '../../core/doublestar.js';
import type { JobLog } from '../executor.js';

const run = promisify(execFile);

/** What to take from a project directory: GitLab's artifacts/cache `paths`, `exclude`, `untracked`. */
export interface FileSelection {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly untracked: boolean;
}

export interface SelectedFiles {
  /** Relative paths (files, symlinks and directories) to copy, parents before children. */
  readonly entries: readonly string[];
  /** How many entries each `paths` pattern matched, in the order given. */
  readonly counts: readonly { readonly pattern: string; readonly count: number }[];
  /** Untracked files found (when `untracked` is set). */
  readonly untrackedCount: number;
}

interface Entry {
  readonly path: string;
  readonly directory: boolean;
}

/** Every entry under `root` except `.git`, parents before children. */
async function walk(root: string, signal: AbortSignal): Promise<Entry[]> {
  const out: Entry[] = [];
  const visit = async (relative: string): Promise<void> => {
    signal.throwIfAborted();
    const names = await readdir(join(root, relative));
    for (const name of names.sort()) {
      if (relative === '' && name === '.git') continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const stat = await lstat(join(root, path));
      out.push({ path, directory: stat.isDirectory() });
      if (stat.isDirectory()) await visit(path);
    }
  };
  await visit('');
  return out;
}

/** `./a/b/` → `a/b`; GitLab paths are relative to the project directory. */
function normalise(pattern: string): string {
  return pattern.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** The path itself or one of its parent directories matches: a matched directory brings its contents. */
function matchesSelfOrParent(pattern: string, path: string): boolean {
  if (globMatch(pattern, path)) return true;
  let at = path.lastIndexOf('/');
  while (at > 0) {
    if (globMatch(pattern, path.slice(0, at))) return true;
    at = path.lastIndexOf('/', at - 1);
  }
  return false;
}

/** Files git does not track in `root` (ignored ones included, as GitLab's `untracked`). */
async function untrackedFiles(root: string, signal: AbortSignal): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['-C', root, 'ls-files', '-z', '--others'], {
      signal,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.split('\0').filter((path) => path !== '');
  } catch {
    // Not a git work tree (GIT_STRATEGY: none): nothing is "untracked".
    return [];
  }
}

function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * The entries of a project directory that artifacts or a cache take: those matching `paths`
 * (doublestar globs, as GitLab Runner; a matched directory brings everything under it) plus, with
 * `untracked`, git's untracked files; minus those matching `exclude`. Never follows symlinks.
 */
export async function selectFiles(
  root: string,
  selection: FileSelection,
  signal: AbortSignal,
): Promise<SelectedFiles> {
  const all = await walk(root, signal);
  const patterns = selection.paths.map(normalise);
  const exclude = selection.exclude.map(normalise);
  const chosen = new Set<string>();
  const counts = patterns.map((pattern) => {
    let count = 0;
    for (const entry of all) {
      if (!matchesSelfOrParent(pattern, entry.path)) continue;
      count += 1;
      chosen.add(entry.path);
    }
    return { pattern, count };
  });
  const untracked = selection.untracked ? await untrackedFiles(root, signal) : [];
  for (const path of untracked) chosen.add(path);
  const kept = [...chosen].filter((path) => !exclude.some((p) => matchesSelfOrParent(p, path)));
  // Parents first, so a copy can create directories as it goes.
  const withParents = new Set<string>();
  for (const path of kept) {
    for (const parent of parentsOf(path)) withParents.add(parent);
    withParents.add(path);
  }
  const entries = [...withParents].sort((a, b) => a.split('/').length - b.split('/').length);
  return {
    entries,
    counts: counts.map((c, i) => ({ pattern: selection.paths[i] ?? c.pattern, count: c.count })),
    untrackedCount: untracked.length,
  };
}

/** Selects files and prints GitLab's per-path match counts (and the untracked count). */
export async function selectAndReport(
  root: string,
  selection: FileSelection,
  log: JobLog,
  signal: AbortSignal,
): Promise<readonly string[]> {
  const found = await selectFiles(root, selection, signal);
  for (const { pattern, count } of found.counts) {
    if (count > 0) log.plain(`${pattern}: found ${count} matching artifact files and directories`);
    else {
      log.warning(
        `${pattern}: no matching files. Ensure that the artifact path is relative to the working directory`,
      );
    }
  }
  if (selection.untracked) log.plain(`untracked: found ${found.untrackedCount} files`);
  return found.entries;
}
