import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, EnvironmentError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import type { EngineEndpoint } from '../../../engine/endpoint.js';
import { processIsAlive } from '../../../engine/process-alive.js';
import type { CreateVmOptions, StartVmOptions, VmDriver, VmInfo } from '../driver.js';
import { vmImageIsCurrent, vmImagePaths } from '../image/vm-image.js';
import { chooseAccelerator } from '../qemu/accel-probe.js';
import { giveEngineIdentity } from '../qemu/agent-client.js';
import { makeEngineIdentity } from '../qemu/engine-identity.js';
import { ENGINE_READY_MARKER } from '../image/guest-scripts.js';
import { vmEngineEndpoint, waitForConsoleMarker, waitForEngine } from '../qemu/engine-ready.js';
import { qemuArgs, type Accelerator } from '../qemu/qemu-args.js';
import { resumeAfterIncoming } from '../qemu/qmp.js';
import {
  freeLoopbackPort,
  isQemuOf,
  killQemu,
  QEMU_BINARY,
  spawnQemu,
} from '../qemu/qemu-process.js';
import { runTool } from '../qemu/run-tool.js';
import {
  FORWARDER_SCRIPT,
  guestfwdValue,
  registryDockerdFlags,
  registryForwardFromOptions,
  type RegistryForward,
} from '../qemu/registry-forward.js';
import {
  currentSnapshot,
  DEFAULT_SHAPE,
  ensureSnapshot,
  snapshotDirFor,
  snapshotPaths,
  snapshotPathsIn,
  type MachineShape,
} from '../qemu/snapshot.js';
import {
  checkVmName,
  listVmNames,
  readVmRecord,
  socketDirFor,
  vmFiles,
  writeVmRecord,
  type VmRecord,
} from '../qemu/vm-state.js';

export interface QemuDriverOptions {
  /** VM state directories: `$DOCKHAND_STATE_DIR/machines` (see defaultMachineStateDir). */
  readonly stateDir: string;
  /** The VM image cache: `$DOCKHAND_CACHE_DIR/machines` (see defaultMachineCacheDir). */
  readonly cacheDir: string;
  readonly logger?: Logger;
  /** Memory, vCPUs and extra dockerd flags; a snapshot is used only when they match it. */
  readonly shape?: MachineShape;
  /** `auto` (default) probes KVM with a short boot and falls back to TCG. */
  readonly accel?: Accelerator | 'auto';
  /** Use the saved running VM when it is current (default true); else every VM boots cold. */
  readonly useSnapshot?: boolean;
  /** Cold boot limit (default 180 s; TCG boots take ~15 s on an idle host, more under load). */
  readonly bootTimeoutMs?: number;
  readonly qemuBinary?: string;
  /** Liveness of a creating process; defaults to kill(pid, 0). For tests. */
  readonly isAlive?: (pid: number) => boolean;
  /** The guest's one way out: a forward to a registry on the host's loopback. */
  readonly registryForward?: RegistryForward | undefined;
}

/** `$DOCKHAND_STATE_DIR/machines`, else /var/lib/dockhand/machines. */
export function defaultMachineStateDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['DOCKHAND_STATE_DIR'];
  return join(fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/var/lib/dockhand', 'machines');
}

/** Options from `MachineOptions` (`qemu-memory=2048`, `qemu-cpus=2`, `engine-registry-mirror=…`). */
export function qemuShapeFromOptions(options: Readonly<Record<string, string>>): MachineShape {
  const number = (key: string, fallback: number) => {
    const text = options[key];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigError(
        'machine.option',
        `MachineOptions ${key}=${text} is not a positive integer`,
      );
    }
    return value;
  };
  const mirror = options['engine-registry-mirror'];
  return {
    memoryMiB: number('qemu-memory', DEFAULT_SHAPE.memoryMiB),
    cpus: number('qemu-cpus', DEFAULT_SHAPE.cpus),
    dockerdFlags: [
      ...(mirror === undefined ? [] : [`--registry-mirror=${mirror}`]),
      ...registryDockerdFlags(registryForwardFromOptions(options)),
    ],
  };
}

/** The QemuDriver options that `MachineOptions` decide (shape and registry forward). */
export function qemuOptionsFromMachineOptions(
  options: Readonly<Record<string, string>>,
): Pick<QemuDriverOptions, 'shape' | 'registryForward'> {
  return {
    shape: qemuShapeFromOptions(options),
    registryForward: registryForwardFromOptions(options),
  };
}

/**
 * VMs under local QEMU: a read-only base disk with a qcow2 overlay per VM, the guest engine
 * reachable only through a forward on 127.0.0.1 with TLS client certificates and a server key
 * given to each VM after every start (its certificate pinned per VM), no network for the guest
 * (user-net with restrict=on), and a state directory per VM so that VMs of a crashed dockhand are
 * found and removed. Starts restore the saved running VM (~1.5 s) when it is current.
 */
export class QemuDriver implements VmDriver {
  readonly name = 'qemu';
  private readonly logger: Logger;
  private readonly shape: MachineShape;
  private readonly binary: string;

  constructor(private readonly options: QemuDriverOptions) {
    this.logger = options.logger ?? silentLogger;
    this.shape = options.shape ?? DEFAULT_SHAPE;
    this.binary = options.qemuBinary ?? QEMU_BINARY;
  }

  private get image() {
    return vmImagePaths(this.options.cacheDir);
  }

  private async accel(): Promise<Accelerator> {
    const chosen = this.options.accel ?? 'auto';
    if (chosen !== 'auto') return chosen;
    return chooseAccelerator(this.image.kernel, this.image.initrd, this.logger, this.binary);
  }

  /**
   * Makes the saved running VM for this driver's shape when the image is current and it is
   * missing (one cold boot, ~20–40 s under TCG, kept in the cache for later runs). Without it,
   * every VM of a non-default shape would boot cold. Honours `signal`.
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    if (this.options.useSnapshot === false || !(await vmImageIsCurrent(this.image))) return;
    if (
      (await currentSnapshot(this.options.cacheDir, await this.accel(), this.shape)) !== undefined
    )
      return;
    this.logger.info('making the saved running VM for this machine shape (once)...');
    await ensureSnapshot({
      cacheDir: this.options.cacheDir,
      logger: this.logger,
      shape: this.shape,
      qemuBinary: this.binary,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async create(options: CreateVmOptions): Promise<VmInfo> {
    options.signal?.throwIfAborted();
    const problem = checkVmName(options.name);
    if (problem !== undefined) throw new ConfigError('machine.name', problem);
    if (!(await vmImageIsCurrent(this.image))) {
      throw new EnvironmentError('vm.no-image', `no current VM image in ${this.image.dir}`, {
        hint: 'run `dockhand machines image` (as root) to build it',
      });
    }
    const stateDir = this.options.stateDir;
    const socketDir = socketDirFor(stateDir, options.name);
    const files = vmFiles(stateDir, options.name, socketDir);
    await mkdir(stateDir, { recursive: true });
    try {
      await mkdir(files.dir);
    } catch {
      throw new EnvironmentError('vm.exists', `a VM named ${options.name} already exists`, {
        hint: `remove it with 'dockhand machines rm ${options.name}'`,
      });
    }
    try {
      const accel = await this.accel();
      const snapshot =
        this.options.useSnapshot === false
          ? undefined
          : await currentSnapshot(this.options.cacheDir, accel, this.shape);
      const snapshotDir = snapshotDirFor(this.options.cacheDir, this.shape);
      const backing =
        snapshot === undefined
          ? ['-b', this.image.base, '-F', 'raw']
          : ['-b', snapshotPaths(this.options.cacheDir, this.shape).disk, '-F', 'qcow2'];
      await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', ...backing, files.overlay]);
      await mkdir(socketDir, { recursive: true, mode: 0o700 });
      const record: VmRecord = {
        name: options.name,
        labels: { ...(options.labels ?? {}) },
        createdAt: new Date().toISOString(),
        ownerPid: process.pid,
        source: snapshot === undefined ? 'cold' : 'snapshot',
        ...(snapshot === undefined ? {} : { snapshotDir }),
        accel,
        socketDir,
        ...(await this.writeForwarder(files.dir)),
      };
      await writeVmRecord(files, record);
      return this.info(record, false);
    } catch (error) {
      await this.remove(options.name);
      throw error;
    }
  }

  async start(name: string, options: StartVmOptions = {}): Promise<EngineEndpoint> {
    const record = await this.record(name);
    const files = vmFiles(this.options.stateDir, name, record.socketDir);
    if (
      record.pid !== undefined &&
      record.port !== undefined &&
      (await isQemuOf(record.pid, files.overlay))
    ) {
      return vmEngineEndpoint(record.port, files.tlsDir);
    }
    options.signal?.throwIfAborted();
    const port = await freeLoopbackPort();
    await rm(files.qmpSocket, { force: true });
    await rm(files.agentSocket, { force: true });
    // Only the first start restores the saved memory: after the VM has run, its overlay no
    // longer matches that memory, so a restart boots the kernel on the overlay (ext4 replays
    // its journal; dockerd cleans its leftovers).
    const restore = record.source === 'snapshot' && record.started !== true;
    const memory = snapshotPathsIn(
      record.snapshotDir ?? snapshotDirFor(this.options.cacheDir),
    ).memory;
    // Made while QEMU loads the saved memory; awaited (and its failure seen) after the resume.
    const identity = makeEngineIdentity(name);
    identity.catch(() => undefined);
    const qemu = await spawnQemu(
      qemuArgs({
        accel: record.accel,
        kernel: this.image.kernel,
        initrd: this.image.initrd,
        disk: { path: files.overlay, format: 'qcow2' },
        hostPort: port,
        ...this.shape,
        mode: 'run',
        consoleLog: files.consoleLog,
        qmpSocket: files.qmpSocket,
        agentSocket: files.agentSocket,
        pidFile: files.pidFile,
        ...(restore ? { incoming: `exec:cat '${memory}'` } : {}),
        ...(record.guestForward === undefined ? {} : { guestForward: record.guestForward }),
      }),
      this.binary,
    );
    await writeVmRecord(files, { ...record, pid: qemu.pid, port, started: true });
    const wait = {
      signal: options.signal,
      alive: () => isQemuOf(qemu.pid, files.overlay),
      diagnose: async () =>
        `${(await readFile(files.consoleLog, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')}\n${qemu.stderr()}`,
    };
    try {
      if (restore) await resumeAfterIncoming(files.qmpSocket);
      else {
        await waitForConsoleMarker(files.consoleLog, ENGINE_READY_MARKER, {
          timeoutMs: this.options.bootTimeoutMs ?? 180_000,
          intervalMs: 250,
          ...wait,
        });
      }
      await giveEngineIdentity(
        name,
        files,
        await identity,
        this.image.certs,
        restore ? 30_000 : 15_000,
      );
      const endpoint = vmEngineEndpoint(port, files.tlsDir);
      await waitForEngine(endpoint, { timeoutMs: 30_000, intervalMs: 25, ...wait });
      qemu.release();
      return endpoint;
    } catch (error) {
      qemu.release();
      await this.stop(name);
      throw error;
    }
  }

  /** Puts the registry forwarder next to the VM (removed with it); the guestfwd value. */
  private async writeForwarder(dir: string): Promise<{ guestForward?: string }> {
    const forward = this.options.registryForward;
    if (forward === undefined) return {};
    const script = join(dir, 'registry-forward.mjs');
    await writeFile(script, FORWARDER_SCRIPT, { mode: 0o644 });
    return { guestForward: guestfwdValue(forward, process.execPath, script) };
  }

  async stop(name: string): Promise<void> {
    const record = await readVmRecord(this.options.stateDir, name);
    if (record?.pid === undefined) return;
    const files = vmFiles(this.options.stateDir, name, record.socketDir);
    await killQemu(record.pid, files.overlay);
    const { pid: _pid, port: _port, ...stopped } = record;
    await writeVmRecord(files, stopped);
  }

  async remove(name: string): Promise<void> {
    if (checkVmName(name) !== undefined) return;
    const record = await readVmRecord(this.options.stateDir, name);
    const files = vmFiles(this.options.stateDir, name, record?.socketDir);
    if (record?.pid !== undefined) await killQemu(record.pid, files.overlay);
    else {
      // No readable record (a crash mid-create): find a QEMU by its pid file all the same.
      const pid = Number((await readFile(files.pidFile, 'utf8').catch(() => '')).trim());
      if (pid > 0) await killQemu(pid, files.overlay);
    }
    await rm(files.dir, { recursive: true, force: true });
    if (record !== undefined && record.socketDir !== files.dir) {
      await rm(record.socketDir, { recursive: true, force: true });
    }
  }

  async list(): Promise<VmInfo[]> {
    const infos: VmInfo[] = [];
    for (const name of await listVmNames(this.options.stateDir)) {
      const record = await readVmRecord(this.options.stateDir, name);
      if (record === undefined) continue;
      const files = vmFiles(this.options.stateDir, name, record.socketDir);
      const running = record.pid !== undefined && (await isQemuOf(record.pid, files.overlay));
      infos.push(this.info(record, running));
    }
    return infos;
  }

  async engine(name: string): Promise<EngineEndpoint> {
    const record = await this.record(name);
    const files = vmFiles(this.options.stateDir, name, record.socketDir);
    if (
      record.pid === undefined ||
      record.port === undefined ||
      !(await isQemuOf(record.pid, files.overlay))
    ) {
      throw new EnvironmentError('vm.stopped', `VM ${name} is not running`);
    }
    return vmEngineEndpoint(record.port, files.tlsDir);
  }

  async removeOrphans(): Promise<string[]> {
    const alive = this.options.isAlive ?? processIsAlive;
    const removed: string[] = [];
    for (const name of await listVmNames(this.options.stateDir)) {
      const record = await readVmRecord(this.options.stateDir, name);
      const orphan =
        record === undefined
          ? await this.staleWithoutRecord(name)
          : record.ownerPid !== process.pid && !alive(record.ownerPid);
      if (!orphan) continue;
      await this.remove(name);
      removed.push(name);
    }
    return removed;
  }

  /** A directory without vm.json is an interrupted create; give a live create 60 s to finish. */
  private async staleWithoutRecord(name: string): Promise<boolean> {
    const dir = join(this.options.stateDir, name);
    const info = await stat(dir).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > 60_000;
  }

  private async record(name: string): Promise<VmRecord> {
    const record = await readVmRecord(this.options.stateDir, name);
    if (record === undefined) {
      throw new EnvironmentError('vm.unknown', `no VM named ${name}`, {
        hint: "list them with 'dockhand machines ls'",
      });
    }
    return record;
  }

  private info(record: VmRecord, running: boolean): VmInfo {
    return {
      name: record.name,
      status: running ? 'running' : 'stopped',
      labels: record.labels,
      createdAt: new Date(record.createdAt),
      ownerPid: record.ownerPid,
      engine:
        running && record.port !== undefined
          ? vmEngineEndpoint(record.port, vmFiles(this.options.stateDir, record.name).tlsDir)
          : undefined,
    };
  }
}

/** True when qemu-system-x86_64 can be run here. */
export async function qemuAvailable(binary = QEMU_BINARY): Promise<boolean> {
  return runTool(binary, ['--version']).then(
    () => true,
    () => false,
  );
}
