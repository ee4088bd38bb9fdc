import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardOneTimeRun, sweepOneTimeLeftovers } from './one-time-run.js';

// A stand-in for a detached QEMU: a real process whose command line names the run's disk, which
// is all the cleanup code looks at (it never kills a process that does not name it).
const children: ChildProcess[] = [];
function fakeQemu(disk: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', disk], {
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}
const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await exited(child);
  return child.pid ?? 0;
}

const dirs: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dh-one-time-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const layout = { pidFile: join('boot', 'qemu.pid'), markerFile: 'disk.qcow2' };

async function leftover(parent: string, name: string, qemu?: ChildProcess): Promise<string> {
  const dir = join(parent, name);
  await mkdir(join(dir, 'boot'), { recursive: true });
  await writeFile(join(dir, 'disk.qcow2'), '');
  if (qemu !== undefined) await writeFile(join(dir, 'boot', 'qemu.pid'), `${qemu.pid}\n`);
  return dir;
}

describe('sweepOneTimeLeftovers', () => {
  it('kills the QEMU of a dead maker and removes its directory; a live maker keeps its own', async () => {
    const parent = await tempRoot();
    const deadOwner = await deadPid();
    const crashedDir = join(parent, `snapshot.tmp-${deadOwner}`);
    const orphanQemu = fakeQemu(join(crashedDir, 'disk.qcow2'));
    await leftover(parent, `snapshot.tmp-${deadOwner}`, orphanQemu);
    const liveOwner = fakeQemu('unrelated');
    const liveDir = await leftover(parent, `snapshot.tmp-${liveOwner.pid}`);
    const finished = await leftover(parent, 'snapshot');

    expect(await sweepOneTimeLeftovers(parent, layout)).toEqual([crashedDir]);
    await exited(orphanQemu);
    expect(orphanQemu.signalCode).toBe('SIGTERM');
    expect(existsSync(crashedDir)).toBe(false);
    expect(existsSync(liveDir)).toBe(true);
    expect(existsSync(finished)).toBe(true);
    expect(liveOwner.exitCode).toBeNull();
  });

  it('never kills a process that does not name the leftover disk (a recycled pid)', async () => {
    const parent = await tempRoot();
    const bystander = fakeQemu('some-other-disk.qcow2');
    const dir = await leftover(parent, `x.tmp-${await deadPid()}`, bystander);
    expect(await sweepOneTimeLeftovers(parent, layout)).toEqual([dir]);
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
  });

  it('is a no-op for a missing parent directory', async () => {
    expect(await sweepOneTimeLeftovers(join(await tempRoot(), 'none'), layout)).toEqual([]);
  });
});

describe('guardOneTimeRun', () => {
  it('on SIGINT kills the run at once and removes its directory; released, it does nothing', async () => {
    const parent = await tempRoot();
    const dir = await leftover(parent, 'snapshot.tmp-1');
    const qemu = fakeQemu(join(dir, 'disk.qcow2'));
    // A `once` listener (as the CLI has): the guard must not re-raise the signal, which would
    // end this test process.
    const other = () => undefined;
    process.once('SIGINT', other);
    const release = guardOneTimeRun({
      pid: qemu.pid ?? 0,
      marker: join(dir, 'disk.qcow2'),
      dirs: [dir],
    });
    try {
      process.emit('SIGINT');
      expect(existsSync(dir)).toBe(false);
      await exited(qemu);
      expect(qemu.signalCode).toBe('SIGKILL');
    } finally {
      release();
      process.off('SIGINT', other);
    }
    const later = await leftover(parent, 'snapshot.tmp-2');
    process.on('SIGTERM', other);
    try {
      process.emit('SIGTERM');
    } finally {
      process.off('SIGTERM', other);
    }
    expect(existsSync(later)).toBe(true);
  });
});
