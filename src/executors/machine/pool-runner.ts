import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { EngineEndpoint } from '../../engine/endpoint.js';
import type { VmDriver } from './driver.js';
import type { AcquireResult, MachinePool, PoolCommand } from './pool.js';

/** GitLab's unique part of a VM name: `<unix seconds>-<8 hex>`. */
export function machineId(now: number = Date.now()): string {
  return `${Math.floor(now / 1000)}-${randomBytes(4).toString('hex')}`;
}

/** A VM held for one job. */
export interface MachineLease {
  readonly name: string;
  readonly engine: EngineEndpoint;
  /** `idle`: taken warm from the pool; `on-demand`: created for this job (IdleCount = 0). */
  readonly source: 'idle' | 'on-demand';
}

/** How long a job waiting for a free VM sleeps between looks when nothing else wakes it. */
const WAIT_POLL_MS = 2000;

/**
 * Carries out the pool's commands against a VmDriver (the imperative shell around the pure
 * pool). Idle pre-creation and removals run in the background; `settle()` waits for everything
 * in flight (tests, shutdown). A VM created on demand for a job is awaited by that job.
 */
export class PoolRunner {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ready = new Map<string, EngineEndpoint>();
  /** Woken whenever a VM becomes ready, fails, is released or removed. */
  private readonly listeners = new Set<() => void>();
  /** The last background creation failure, so a waiting job can report it instead of hanging. */
  private lastFailure: { readonly at: number; readonly error: unknown } | undefined;
  private closed = false;

  constructor(
    readonly pool: MachinePool,
    private readonly driver: VmDriver,
    private readonly labels: Readonly<Record<string, string>> = {},
    private readonly logger: Logger = silentLogger,
  ) {}

  /**
   * Startup: removes VMs of crashed runs, lets the driver prepare (qemu: the saved running VM of
   * this machine shape, once), then runs one tick. Blocks; honours `signal`.
   */
  async start(signal?: AbortSignal): Promise<void> {
    const orphans = await this.driver.removeOrphans();
    if (orphans.length > 0)
      this.logger.info(`removed ${orphans.length} VMs left by an earlier run`);
    await this.driver.prepare?.(signal);
    this.tick();
  }

  /** One upkeep step: executes the pool's commands (not awaited; see settle). */
  tick(): void {
    if (this.closed) return;
    for (const command of this.pool.tick()) this.execute(command);
  }

  /** Waits until no create or remove is in flight. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops pre-creating and removes every VM of this pool, waiting for creations in flight
   * first. For processes that keep no pool past their lifetime (`dockhand exec`). Never throws.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.settle();
    for (const machine of this.pool.snapshot()) {
      const command = this.pool.forceRemove(machine.name);
      if (command !== undefined) this.execute(command);
    }
    await this.settle();
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private execute(command: PoolCommand): void {
    if (command.kind === 'create') {
      void this.track(this.create(command.name).catch(() => undefined));
    } else {
      void this.track(this.remove(command.name, command.reason));
    }
  }

  /** Creates and starts one VM; rejects (after cleaning up) when that fails. */
  private async create(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.driver.create({ name, labels: this.labels, ...(signal ? { signal } : {}) });
      this.ready.set(name, await this.driver.start(name, signal ? { signal } : {}));
      this.pool.created(name);
      this.notify();
    } catch (error) {
      if (signal?.aborted !== true) {
        this.lastFailure = { at: Date.now(), error };
        this.logger.warn(`VM ${name} could not be created: ${messageOf(error)}`);
      }
      const removal = this.pool.createFailed(name);
      if (removal !== undefined) await this.remove(removal.name, removal.reason);
      this.notify();
      throw error;
    }
  }

  private async remove(name: string, reason: string): Promise<void> {
    this.ready.delete(name);
    try {
      await this.driver.remove(name);
      this.pool.removed(name);
      this.logger.info(`VM ${name} removed (${reason})`);
    } catch (error) {
      this.pool.removeFailed(name);
      this.logger.warn(`VM ${name} could not be removed: ${messageOf(error)}`);
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** The pool's acquire decision, before asking for a job. */
  acquire(): AcquireResult {
    const result = this.pool.acquire();
    this.tick();
    return result;
  }

  /**
   * The VM for a job that came: the acquired one, or (IdleCount 0) one created now. Blocks
   * until its engine answers; marks it used. Honours `signal`: a VM being created for the job
   * is stopped and removed, an acquired one goes back to the pool.
   */
  async lease(acquired: AcquireResult, signal?: AbortSignal): Promise<MachineLease> {
    if (acquired.kind === 'none') throw new Error(acquired.reason);
    let name: string;
    if (acquired.kind === 'acquired') name = acquired.name;
    else {
      const command = this.pool.createForJob();
      if (command === undefined) throw new Error('the machine limit is reached');
      name = command.name;
      await this.track(this.create(name, signal));
    }
    if (signal?.aborted === true) {
      this.release(name);
      signal.throwIfAborted();
    }
    const engine = this.ready.get(name) ?? (await this.driver.engine(name));
    this.pool.use(name);
    return { name, engine, source: acquired.kind === 'acquired' ? 'idle' : 'on-demand' };
  }

  /**
   * Acquire and lease for a job that is already here (`dockhand exec`): when no VM is free yet
   * (IdleCount > 0 and the warm VM is still booting, or the limit is reached) it waits for one.
   * Rejects with the creation error when a VM it waits for fails to come up. Honours `signal`.
   */
  async leaseForJob(signal: AbortSignal): Promise<MachineLease> {
    const since = Date.now();
    for (;;) {
      signal.throwIfAborted();
      const acquired = this.acquire();
      if (acquired.kind !== 'none') return this.lease(acquired, signal);
      if (this.lastFailure !== undefined && this.lastFailure.at >= since) {
        throw this.lastFailure.error;
      }
      await this.changed(signal);
    }
  }

  /** Resolves at the next pool change, after a poll interval, or when `signal` aborts. */
  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, WAIT_POLL_MS);
      this.listeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The job is over (or never came): back to idle, or removed at MaxBuilds. */
  release(name: string): void {
    const command = this.pool.release(name);
    if (command !== undefined) this.execute(command);
    this.notify();
    this.tick();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
