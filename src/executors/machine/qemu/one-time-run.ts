import { readFileSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processIsAlive } from '../../../engine/process-alive.js';
import { killQemu } from './qemu-process.js';

/**
 * The one-time QEMU runs (saving the running VM, the image's preparation boot) work in a
 * temporary directory with a detached QEMU: detached so that VMs survive a crashed dockhand,
 * which also means a Ctrl-C on the terminal does not reach it. These helpers make sure that an
 * interrupted run leaves neither the QEMU nor its directory behind.
 */

/** SIGKILLs `pid` at once when it is still the QEMU whose command line names `marker`. */
function killNow(pid: number, marker: string): void {
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  })();
  if (!cmdline.includes(marker)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}

export interface GuardedRun {
  readonly pid: number;
  /** A path on the QEMU's command line (its disk), so a recycled PID is never killed. */
  readonly marker: string;
  /** Directories to remove when interrupted. */
  readonly dirs: readonly string[];
}

/**
 * Until the returned function is called, SIGINT and SIGTERM kill the run's QEMU and remove its
 * directories right away (synchronously: the process may end before any promise settles). The
 * run's own code then fails on its abort signal or on the dead QEMU and cleans up what is left.
 * When nothing else listened for the signal when the guard was set, its default meaning (end the
 * process) is kept by raising it again once cleaned up.
 */
export function guardOneTimeRun(run: GuardedRun): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const release = () => {
    for (const [name, handler] of handlers) process.off(name, handler);
    handlers.clear();
  };
  for (const name of signals) {
    // Counted now: a `process.once` listener (the CLI's abort) is already gone when ours runs.
    const handledElsewhere = process.listenerCount(name) > 0;
    const handler = () => {
      killNow(run.pid, run.marker);
      for (const dir of run.dirs) rmSync(dir, { recursive: true, force: true });
      if (!handledElsewhere) {
        release();
        process.kill(process.pid, name);
      }
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return release;
}

/**
 * Removes what an earlier, crashed (SIGKILLed, power loss) run left in `parent`: directories
 * named `<prefix>.tmp-<pid>` whose process is gone, after killing the QEMU recorded in their
 * `pidFile` (relative) whose command line names `<dir>/<markerFile>`. Directories of live
 * processes (another dockhand making the same snapshot) stay. Resolves with the removed paths.
 */
export async function sweepOneTimeLeftovers(
  parent: string,
  layout: { readonly pidFile: string; readonly markerFile: string },
): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    const owner = /\.tmp-(\d+)$/.exec(entry.name)?.[1];
    if (!entry.isDirectory() || owner === undefined) continue;
    const ownerPid = Number(owner);
    if (ownerPid === process.pid || processIsAlive(ownerPid)) continue;
    const dir = join(parent, entry.name);
    await killRecordedQemu(join(dir, layout.pidFile), join(dir, layout.markerFile));
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Kills the QEMU whose pid `pidFile` holds, when its command line names `marker`. */
export async function killRecordedQemu(pidFile: string, marker: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) await killQemu(pid, marker, 1000);
}
