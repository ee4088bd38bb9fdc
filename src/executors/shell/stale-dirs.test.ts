import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearForFresh } from './stale-dirs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function buildsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-stale-'));
  dirs.push(dir);
  return dir;
}

function tree(path: string): void {
  mkdirSync(join(path, '.git', 'objects'), { recursive: true });
  writeFileSync(join(path, '.git', 'objects', 'pack'), 'x');
  writeFileSync(join(path, 'file'), 'y');
}

describe('clearForFresh', () => {
  it('frees the paths at once and deletes the old trees when awaited', async () => {
    const builds = buildsDir();
    const project = join(builds, 'project');
    tree(project);
    tree(`${project}.tmp`);
    const removed = await clearForFresh([project, `${project}.tmp`]);
    expect(existsSync(project)).toBe(false);
    expect(existsSync(`${project}.tmp`)).toBe(false);
    await removed();
    expect(readdirSync(builds)).toEqual([]);
  });

  it('is a no-op for paths that do not exist', async () => {
    const builds = buildsDir();
    const removed = await clearForFresh([join(builds, 'none')]);
    await removed();
    expect(readdirSync(builds)).toEqual([]);
  });

  it('sweeps what a crashed run set aside, never what a live one did', async () => {
    const builds = buildsDir();
    const project = join(builds, 'project');
    // No process has a PID this large (pid_max is at most 2^22 on Linux).
    const crashed = `${project}.dockhand-stale-2147483646-1`;
    const live = `${project}.dockhand-stale-${String(process.ppid)}-1`;
    const otherProject = join(builds, 'other.dockhand-stale-2147483646-1');
    for (const dir of [crashed, live, otherProject]) tree(dir);
    await (
      await clearForFresh([project])
    )();
    expect(readdirSync(builds).sort()).toEqual(
      [
        'other.dockhand-stale-2147483646-1',
        `project.dockhand-stale-${String(process.ppid)}-1`,
      ].sort(),
    );
  });
});
