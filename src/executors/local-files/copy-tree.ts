import { copyFile, lstat, mkdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Copies `entries` (relative, parents first) from `from` to `to`; symlinks stay symlinks. */
export async function copyEntries(
  from: string,
  entries: readonly string[],
  to: string,
  signal: AbortSignal,
): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    signal.throwIfAborted();
    const source = join(from, entry);
    const target = join(to, entry);
    const stat = await lstat(source);
    if (stat.isDirectory()) await mkdir(target, { recursive: true, mode: stat.mode & 0o7777 });
    else if (stat.isSymbolicLink()) await symlink(await readlink(source), target);
    else await copyFile(source, target);
  }
}

/**
 * Replaces the directory `target` with a fresh one filled by `fill`, so a reader never sees a
 * half-written cache or artifact set (another job may read it at the same time).
 */
export async function replaceDirectory(
  target: string,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const staging = `${target}.partial-${process.pid}-${Date.now().toString(36)}`;
  try {
    await fill(staging);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
