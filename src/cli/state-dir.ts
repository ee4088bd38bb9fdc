import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `.dockhand/` holds local state (logs, artifacts, caches, shell builds, parsed pipelines). A
 * `.gitignore` of `*` inside keeps it out of `git status`, so a run never makes the work tree
 * look dirty to the next. Returns the directory.
 */
export function ensureStateDir(root: string, sub = 'logs'): string {
  const dir = join(root, '.dockhand');
  mkdirSync(join(dir, sub), { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, "# dockhand's local state\n*\n");
  return dir;
}
