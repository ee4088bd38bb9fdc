import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accelerator } from './qemu-args.js';

/**
 * What a VM's state directory (`<stateDir>/<name>/`) records, so that another dockhand process
 * (or the same one after a crash) can find, reach and remove the VM: vm.json plus overlay.qcow2,
 * console.log, qemu.pid and engine-tls/ next to it.
 */
export interface VmRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly ownerPid: number;
  /** `snapshot`: restored from the saved running VM; `cold`: boots the base image. */
  readonly source: 'snapshot' | 'cold';
  /** The saved running VM it was created over (one per machine shape); set when `snapshot`. */
  readonly snapshotDir?: string;
  /** The registry forward's guestfwd value, when the VM has one (registry-forward.ts). */
  readonly guestForward?: string;
  readonly accel: Accelerator;
  /** Where the QMP and agent sockets live (a short path: unix socket paths max ~107 bytes). */
  readonly socketDir: string;
  readonly port?: number;
  readonly pid?: number;
  /**
   * Set at the first start. A later start boots cold: the overlay no longer matches the saved
   * memory once the VM has run.
   */
  readonly started?: boolean;
}

export interface VmFiles {
  readonly dir: string;
  readonly record: string;
  readonly overlay: string;
  readonly consoleLog: string;
  readonly pidFile: string;
  readonly qmpSocket: string;
  readonly agentSocket: string;
  /** The host's TLS directory for this VM's engine: its pinned certificate + client credentials. */
  readonly tlsDir: string;
}

/** Unix socket paths are limited to 108 bytes; long names put the sockets under /tmp. */
export function socketDirFor(stateDir: string, name: string): string {
  const plain = join(stateDir, name);
  if (plain.length + '/agent.sock'.length < 100) return plain;
  return join(
    tmpdir(),
    `dockhand-vm-${createHash('sha256').update(plain).digest('hex').slice(0, 16)}`,
  );
}

export function vmFiles(
  stateDir: string,
  name: string,
  socketDir = socketDirFor(stateDir, name),
): VmFiles {
  const dir = join(stateDir, name);
  return {
    dir,
    record: join(dir, 'vm.json'),
    overlay: join(dir, 'overlay.qcow2'),
    consoleLog: join(dir, 'console.log'),
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(socketDir, 'qmp.sock'),
    agentSocket: join(socketDir, 'agent.sock'),
    tlsDir: join(dir, 'engine-tls'),
  };
}

export async function writeVmRecord(files: VmFiles, record: VmRecord): Promise<void> {
  // Write then rename: a crash never leaves a half-written record for the sweep to choke on.
  const partial = `${files.record}.partial`;
  await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`);
  await rename(partial, files.record);
}

export async function readVmRecord(stateDir: string, name: string): Promise<VmRecord | undefined> {
  const text = await readFile(join(stateDir, name, 'vm.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as VmRecord;
  } catch {
    return undefined;
  }
}

/** Names of all VM state directories (including ones without a readable record). */
export async function listVmNames(stateDir: string): Promise<string[]> {
  await mkdir(stateDir, { recursive: true });
  const entries = await readdir(stateDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** VM names become directory names: keep them to safe characters. */
export function checkVmName(name: string): string | undefined {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/.test(name)) {
    return `VM name "${name}" must be 1-128 letters, digits, ".", "_" or "-" and start with a letter or digit`;
  }
  return undefined;
}
