import type { EngineEndpoint } from '../../engine/endpoint.js';

/** Lifecycle state of one VM as its driver sees it. */
export type VmStatus = 'stopped' | 'running';

/** What a driver knows about one VM it created (now or in an earlier, possibly crashed, run). */
export interface VmInfo {
  /** Unique VM name, e.g. `runner-abc123def-1732800000-1a2b3c4d.myrunner`. */
  readonly name: string;
  readonly status: VmStatus;
  /** Labels given at creation (dev.dockhand.* keys: runner, session, pid …). */
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  /** PID of the process that created it: when that process is gone the VM is an orphan. */
  readonly ownerPid: number;
  /**
   * Where its Docker engine listens, with the credentials to reach it (TLS client certificate
   * directory); undefined while stopped.
   */
  readonly engine: EngineEndpoint | undefined;
}

export interface CreateVmOptions {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface StartVmOptions {
  readonly signal?: AbortSignal;
}

/**
 * The only seam to real VMs (shared/design/architecture.md rule 5). One driver instance manages
 * the VMs of one dockhand process; VMs it finds from other, dead processes are orphans that
 * `removeOrphans` disposes of. All methods reject with a DockhandError (EnvironmentError for
 * host problems) and never put secrets in messages.
 */
export interface VmDriver {
  /** The `MachineDriver` name, e.g. `qemu`. */
  readonly name: string;

  /**
   * Optional one-time preparation before the first create (the qemu driver makes the saved
   * running VM for its machine shape). Blocks, possibly for a cold boot; idempotent; honours
   * `signal`. Drivers without anything to prepare leave it out.
   */
  prepare?(signal?: AbortSignal): Promise<void>;

  /**
   * Allocates a VM (disk overlay, state directory) without starting it. Blocks until done
   * (milliseconds for qemu). Not idempotent: an existing name rejects. Honours `signal` before
   * doing any work; on failure nothing is left behind.
   */
  create(options: CreateVmOptions): Promise<VmInfo>;

  /**
   * Starts the VM and blocks until its engine answers; resolves with the engine endpoint.
   * Idempotent: a running VM resolves at once. Honours `signal`: on abort the VM is stopped
   * again and the promise rejects with the abort reason.
   */
  start(name: string, options?: StartVmOptions): Promise<EngineEndpoint>;

  /**
   * Stops the VM (its disk stays, it may be started again, cold). Blocks until the process is
   * gone. Idempotent: a stopped or unknown VM resolves. Not cancellable (it is short).
   */
  stop(name: string): Promise<void>;

  /**
   * Stops the VM and deletes everything it owns (process, overlay, state directory, forwarded
   * port). Blocks until done. Idempotent: an unknown VM resolves. Not cancellable.
   */
  remove(name: string): Promise<void>;

  /** Every VM of this driver on this host, including orphans of crashed runs. Never blocks long. */
  list(): Promise<VmInfo[]>;

  /**
   * The engine endpoint and credentials of a running VM. Rejects when the VM is unknown or
   * stopped. Does not block on the guest.
   */
  engine(name: string): Promise<EngineEndpoint>;

  /**
   * Removes VMs whose creating process is gone (a crashed dockhand). Call at startup, before
   * creating VMs. Resolves with the names removed. Idempotent.
   */
  removeOrphans(): Promise<string[]>;
}
