import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processIsAlive } from '../../engine/process-alive.js';

/** What marks a directory set aside for removal: `<project>.dockhand-stale-<pid>-<n>`. */
const MARK = '.dockhand-stale-';
let counter = 0;

/**
 * Renames `dir` aside when it exists; returns the new path, or undefined when there was none.
 * A directory that cannot be renamed (a mount point: EBUSY, EXDEV) is deleted in place, as
 * before this optimisation.
 */
async function setAside(dir: string): Promise<string | undefined> {
  const aside = `${dir}${MARK}${process.pid}-${String((counter += 1))}`;
  try {
    await rename(dir, aside);
    return aside;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** Set-aside siblings of `dir` whose dockhand is gone (it crashed before removing them). */
async function abandoned(dir: string): Promise<string[]> {
  const prefix = `${basename(dir)}${MARK}`;
  const names = await readdir(dirname(dir)).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(prefix))
    .filter((name) => !processIsAlive(Number(name.slice(prefix.length).split('-')[0])))
    .map((name) => join(dirname(dir), name));
}

/**
 * Empties the way for fresh directories at `dirs` without waiting for the old trees to be
 * deleted: each is renamed aside (one syscall) at once, and the returned promise deletes them,
 * with leftovers of crashed runs, while the job's checkout proceeds. Deleting a clone's `.git`
 * first would put ≈ 10 ms of unlinks in front of every shell job. The caller awaits the promise
 * before it reports the job finished, so nothing is left behind a run that ends normally.
 */
export async function clearForFresh(dirs: readonly string[]): Promise<() => Promise<void>> {
  const aside = (await Promise.all(dirs.map(setAside))).filter((d) => d !== undefined);
  const removal = (async () => {
    const leftovers = (await Promise.all(dirs.map(abandoned))).flat();
    await Promise.all([...aside, ...leftovers].map((d) => rm(d, { recursive: true, force: true })));
  })();
  // Observed now so that a failure does not surface as an unhandled rejection before the await.
  removal.catch(() => undefined);
  return () => removal;
}
