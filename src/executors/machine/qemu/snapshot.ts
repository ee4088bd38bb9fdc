import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EnvironmentError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { readVmImage, vmImagePaths, vmImageRecipeDigest } from '../image/vm-image.js';
import { chooseAccelerator } from './accel-probe.js';
import { ENGINE_READY_MARKER } from '../image/guest-scripts.js';
import { waitForConsoleMarker } from './engine-ready.js';
import { guardOneTimeRun, sweepOneTimeLeftovers } from './one-time-run.js';
import { qemuArgs, type Accelerator } from './qemu-args.js';
import {
  freeLoopbackPort,
  isQemuOf,
  killQemu,
  QEMU_BINARY,
  sleep,
  spawnQemu,
} from './qemu-process.js';
import { QmpClient } from './qmp.js';
import { runTool } from './run-tool.js';

/** The machine shape; a snapshot only restores into an identical one. */
export interface MachineShape {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly dockerdFlags: readonly string[];
}

export const DEFAULT_SHAPE: MachineShape = { memoryMiB: 1024, cpus: 1, dockerdFlags: [] };

export interface SnapshotRecord extends MachineShape {
  readonly imageDigest: string;
  readonly accel: Accelerator;
  readonly createdAt: string;
  readonly bootSeconds: number;
}

export interface SnapshotPaths {
  /** Frozen qcow2 over the base: the disk exactly as it was when memory was saved. */
  readonly disk: string;
  readonly memory: string;
  readonly record: string;
}

/**
 * Where the saved running VM of `shape` lives. The default shape keeps the directory that
 * `dockhand machines image` has always made; other shapes (more memory, extra dockerd flags such
 * as a registry forward's `--insecure-registry`) get one directory each, because dockerd's flags
 * are baked into the saved memory and cannot change on restore.
 */
export function snapshotDirFor(cacheDir: string, shape: MachineShape = DEFAULT_SHAPE): string {
  const key = shapeKey(shape);
  if (key === shapeKey(DEFAULT_SHAPE)) return vmImagePaths(cacheDir).snapshotDir;
  return join(cacheDir, 'snapshots', createHash('sha256').update(key).digest('hex').slice(0, 12));
}

function shapeKey(shape: MachineShape): string {
  return JSON.stringify([shape.memoryMiB, shape.cpus, shape.dockerdFlags]);
}

export function snapshotPaths(cacheDir: string, shape?: MachineShape): SnapshotPaths {
  return snapshotPathsIn(snapshotDirFor(cacheDir, shape));
}

/** The files of a saved running VM in `dir`. */
export function snapshotPathsIn(dir: string): SnapshotPaths {
  return {
    disk: join(dir, 'disk.qcow2'),
    memory: join(dir, 'memory.bin'),
    record: join(dir, 'snapshot.json'),
  };
}

/** The saved running VM when it matches the image, accelerator and shape; else undefined. */
export async function currentSnapshot(
  cacheDir: string,
  accel: Accelerator,
  shape: MachineShape,
): Promise<SnapshotRecord | undefined> {
  const paths = snapshotPaths(cacheDir, shape);
  const text = await readFile(paths.record, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const record = JSON.parse(text) as SnapshotRecord;
  const matches =
    record.imageDigest === vmImageRecipeDigest() &&
    record.accel === accel &&
    record.memoryMiB === shape.memoryMiB &&
    record.cpus === shape.cpus &&
    record.dockerdFlags.join(' ') === shape.dockerdFlags.join(' ');
  const files = await Promise.all([access(paths.disk), access(paths.memory)]).then(
    () => true,
    () => false,
  );
  return matches && files ? record : undefined;
}

export interface EnsureSnapshotOptions {
  readonly cacheDir: string;
  readonly logger: Logger;
  readonly shape?: MachineShape;
  readonly qemuBinary?: string;
  readonly signal?: AbortSignal;
}

export type EnsureSnapshotOutcome =
  | { readonly action: 'current'; readonly record: SnapshotRecord }
  | {
      readonly action: 'made';
      readonly record: SnapshotRecord;
      readonly seconds: number;
      readonly bootSeconds: number;
    };

/**
 * Boots the image once on a fresh qcow2 over the base, waits for dockerd, pauses the VM and
 * migrates its state to a file, then freezes that qcow2. Restored VMs each get a new qcow2
 * whose backing file is the frozen one, so the disk they see is exactly the disk the saved
 * memory (page cache, open files, dockerd's state) refers to.
 */
export async function ensureSnapshot(
  options: EnsureSnapshotOptions,
): Promise<EnsureSnapshotOutcome> {
  const image = vmImagePaths(options.cacheDir);
  const record = await readVmImage(image);
  if (record?.digest !== vmImageRecipeDigest()) {
    throw new EnvironmentError('vm.no-image', `no current VM image in ${image.dir}`, {
      hint: 'run `dockhand machines image` (as root) to build it',
    });
  }
  await sweepSnapshotLeftovers(options.cacheDir);
  const binary = options.qemuBinary ?? QEMU_BINARY;
  const shape = options.shape ?? DEFAULT_SHAPE;
  const accel = await chooseAccelerator(image.kernel, image.initrd, options.logger, binary);
  const present = await currentSnapshot(options.cacheDir, accel, shape);
  if (present !== undefined) return { action: 'current', record: present };
  const started = Date.now();
  // Made in a private directory and renamed into place: a second process making the same
  // snapshot at the same time never sees (or restores) a half-written one.
  const finalDir = snapshotDirFor(options.cacheDir, shape);
  const tempDir = `${finalDir}.tmp-${process.pid}`;
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  try {
    const made = await bootAndSave(options, {
      accel,
      binary,
      shape,
      tempDir,
      imageDigest: record.digest,
    });
    // A concurrent maker that finished first wins: VMs may already be using its disk.
    const raced = await currentSnapshot(options.cacheDir, accel, shape);
    if (raced !== undefined) {
      await rm(tempDir, { recursive: true, force: true });
      return { action: 'current', record: raced };
    }
    await rm(finalDir, { recursive: true, force: true });
    await mkdir(dirname(finalDir), { recursive: true });
    await rename(tempDir, finalDir);
    return {
      action: 'made',
      record: made,
      seconds: (Date.now() - started) / 1000,
      bootSeconds: made.bootSeconds,
    };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Where the saving boot keeps its QEMU's files inside the temporary snapshot directory. */
const BOOT_DIR = 'boot';

/**
 * Removes `snapshot.tmp-PID` (and `snapshots/*.tmp-PID`) directories of a snapshot maker that
 * died (killed, power loss) with their QEMU, if it still runs. Interrupts (Ctrl-C, SIGTERM) are
 * handled at once by the maker itself; this is for what no handler could see.
 */
export async function sweepSnapshotLeftovers(cacheDir: string): Promise<string[]> {
  const layout = { pidFile: join(BOOT_DIR, 'qemu.pid'), markerFile: 'disk.qcow2' };
  return [
    ...(await sweepOneTimeLeftovers(cacheDir, layout)),
    ...(await sweepOneTimeLeftovers(join(cacheDir, 'snapshots'), layout)),
  ];
}

interface BootPlan {
  readonly accel: Accelerator;
  readonly binary: string;
  readonly shape: MachineShape;
  readonly tempDir: string;
  readonly imageDigest: string;
}

/**
 * Boots the image on a fresh qcow2 in `plan.tempDir`, waits until dockerd answers inside (the
 * console marker: the guest has no engine key yet, and must not get one before it is saved),
 * then saves memory and freezes the disk. Ctrl-C or SIGTERM meanwhile kill the QEMU and remove
 * the directory at once.
 */
async function bootAndSave(
  options: EnsureSnapshotOptions,
  plan: BootPlan,
): Promise<SnapshotRecord> {
  const started = Date.now();
  const image = vmImagePaths(options.cacheDir);
  const paths = snapshotPathsIn(plan.tempDir);
  const work = join(plan.tempDir, BOOT_DIR);
  await mkdir(work, { recursive: true });
  await runTool('qemu-img', [
    'create',
    '-q',
    '-f',
    'qcow2',
    '-b',
    image.base,
    '-F',
    'raw',
    paths.disk,
  ]);
  options.signal?.throwIfAborted();
  const consoleLog = join(work, 'console.log');
  const qmpSocket = join(work, 'qmp.sock');
  const qemu = await spawnQemu(
    qemuArgs({
      accel: plan.accel,
      kernel: image.kernel,
      initrd: image.initrd,
      disk: { path: paths.disk, format: 'qcow2' },
      hostPort: await freeLoopbackPort(),
      ...plan.shape,
      mode: 'run',
      consoleLog,
      qmpSocket,
      agentSocket: join(work, 'agent.sock'),
      pidFile: join(work, 'qemu.pid'),
    }),
    plan.binary,
  );
  const release = guardOneTimeRun({ pid: qemu.pid, marker: paths.disk, dirs: [plan.tempDir] });
  try {
    options.logger.info('  booting the image once to save it running...');
    await waitForConsoleMarker(consoleLog, ENGINE_READY_MARKER, {
      timeoutMs: 180_000,
      intervalMs: 250,
      signal: options.signal,
      alive: () => isQemuOf(qemu.pid, paths.disk),
      diagnose: async () =>
        `${(await readFile(consoleLog, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')}\n${qemu.stderr()}`,
    });
    const bootSeconds = (Date.now() - started) / 1000;
    options.logger.info(
      `  engine ready after ${bootSeconds.toFixed(1)} s; saving the running VM...`,
    );
    // Let the guest settle (dockerd idle after start-up) before freezing it.
    await sleep(1500);
    options.signal?.throwIfAborted();
    await saveState(qmpSocket, paths.memory);
    await qemu.exited;
    await chmod(paths.disk, 0o444);
    await chmod(paths.memory, 0o444);
    const made: SnapshotRecord = {
      ...plan.shape,
      imageDigest: plan.imageDigest,
      accel: plan.accel,
      createdAt: new Date().toISOString(),
      bootSeconds,
    };
    await writeFile(paths.record, `${JSON.stringify(made, null, 2)}\n`);
    const size = (await stat(paths.memory)).size;
    options.logger.info(`  saved ${(size / 1048576).toFixed(0)} MB of memory state`);
    await rm(work, { recursive: true, force: true });
    return made;
  } catch (error) {
    await killQemu(qemu.pid, paths.disk);
    throw error;
  } finally {
    release();
  }
}

/** Pause, migrate to a file, wait for completion, quit. */
async function saveState(qmpSocket: string, target: string): Promise<void> {
  const qmp = await QmpClient.open(qmpSocket);
  try {
    await qmp.execute('stop');
    await qmp.execute('migrate', { uri: `exec:cat > '${target}'` });
    for (;;) {
      const info = (await qmp.execute('query-migrate')) as {
        status?: string;
        'error-desc'?: string;
      };
      if (info.status === 'completed') break;
      if (info.status === 'failed' || info.status === 'cancelled') {
        throw new EnvironmentError(
          'vm.snapshot',
          `saving the VM failed: ${info['error-desc'] ?? info.status}`,
        );
      }
      await sleep(100);
    }
    await qmp.execute('quit').catch(() => undefined);
  } finally {
    qmp.close();
  }
}
