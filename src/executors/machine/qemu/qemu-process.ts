import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { EnvironmentError } from '../../../core/errors.js';

export const QEMU_BINARY = 'qemu-system-x86_64';

export interface StartedQemu {
  readonly pid: number;
  /** Resolves with QEMU's exit code (or -1 when killed by a signal) once it has exited. */
  readonly exited: Promise<number>;
  /** The last lines QEMU wrote to stderr (its own errors, never guest output). */
  stderr(): string;
  /**
   * Stops this process from waiting for QEMU: call once the VM is up and handed over, so a CLI
   * can exit while its VMs run on. `exited` no longer resolves after that.
   */
  release(): void;
}

/**
 * Starts QEMU in its own process group, detached from this process's lifetime: a crashed
 * dockhand leaves it running, and the startup sweep finds it through the VM's state directory.
 */
export function spawnQemu(args: readonly string[], binary = QEMU_BINARY): Promise<StartedQemu> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    });
    const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new EnvironmentError(
          error.code === 'ENOENT' ? 'vm.qemu-missing' : 'vm.qemu-failed',
          error.code === 'ENOENT' ? `${binary} is not installed` : `${binary}: ${error.message}`,
          { hint: 'apt-get install -y qemu-system-x86 qemu-utils', cause: error },
        ),
      ),
    );
    child.once('spawn', () => {
      const release = () => {
        // Do not keep this process alive for QEMU's sake, nor for its stderr pipe.
        child.unref();
        child.stderr.destroy();
      };
      resolve({ pid: child.pid ?? -1, exited, stderr: () => tail.trim(), release });
    });
  });
}

/**
 * True when `pid` is alive and is the QEMU of the VM whose state lives in `marker` (a path on
 * its command line), so a recycled PID is never killed by mistake.
 */
export async function isQemuOf(pid: number, marker: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(marker)) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // A zombie (Z) has exited already; its parent has simply not reaped it yet.
  return !/^\d+ \(.*\) Z /.test(stat);
}

/** SIGTERM (QEMU exits at once: the disk is disposable), then SIGKILL after `graceMs`. */
export async function killQemu(pid: number, marker: string, graceMs = 3000): Promise<void> {
  if (!(await isQemuOf(pid, marker))) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isQemuOf(pid, marker))) return;
    await sleep(50);
  }
  signal(pid, 'SIGKILL');
  while (await isQemuOf(pid, marker)) await sleep(50);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** RSS of a process in bytes (from /proc), or undefined when it is gone. */
export async function processRss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status === undefined ? undefined : /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; QEMU binds it a moment later). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
