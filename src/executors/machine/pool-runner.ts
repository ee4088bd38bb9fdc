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
}

/**
 * Carries out the pool's commands against a VmDriver (the imperative shell around the pure
 * pool). Creation runs in the background; `settle()` waits for everything in flight (tests,
 * shutdown).
 */
export class PoolRunner {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ready = new Map<string, EngineEndpoint>();
  private readonly waiters = new Map<string, ((error?: unknown) => void)[]>();

  constructor(
    readonly pool: MachinePool,
    private readonly driver: VmDriver,
    private readonly labels: Readonly<Record<string, string>> = {},
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Startup: removes VMs of crashed runs, then runs one tick. */
  async start(): Promise<void> {
    const orphans = await this.driver.removeOrphans();
    if (orphans.length > 0)
      this.logger.info(`removed ${orphans.length} VMs left by an earlier run`);
    this.tick();
  }

  /** One upkeep step: executes the pool's commands (not awaited; see settle). */
  tick(): void {
    for (const command of this.pool.tick()) this.execute(command);
  }

  /** Waits until no create or remove is in flight. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private execute(command: PoolCommand): void {
    const work =
      command.kind === 'create'
        ? this.create(command.name)
        : this.remove(command.name, command.reason);
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async create(name: string): Promise<void> {
    try {
      await this.driver.create({ name, labels: this.labels });
      this.ready.set(name, await this.driver.start(name));
      this.pool.created(name);
      this.wake(name);
    } catch (error) {
      this.logger.warn(
        `VM ${name} could not be created: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.wake(name, error);
      const removal = this.pool.createFailed(name);
      if (removal !== undefined) await this.remove(removal.name, removal.reason);
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
      this.logger.warn(
        `VM ${name} could not be removed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private wake(name: string, error?: unknown): void {
    for (const waiter of this.waiters.get(name) ?? []) waiter(error);
    this.waiters.delete(name);
  }

  /** The pool's acquire decision, before asking for a job. */
  acquire(): AcquireResult {
    const result = this.pool.acquire();
    this.tick();
    return result;
  }

  /**
   * The VM for a job that came: the acquired one, or (IdleCount 0) one created now. Blocks
   * until its engine answers; marks it used.
   */
  async lease(acquired: AcquireResult): Promise<MachineLease> {
    let name: string;
    if (acquired.kind === 'acquired') name = acquired.name;
    else {
      const command = this.pool.createForJob();
      if (command === undefined) throw new Error('the machine limit is reached');
      name = command.name;
      const done = new Promise<void>((resolve, reject) => {
        this.waiters.set(name, [
          ...(this.waiters.get(name) ?? []),
          (e) =>
            e === undefined
              ? resolve()
              : reject(e instanceof Error ? e : new Error('VM creation failed', { cause: e })),
        ]);
      });
      this.execute(command);
      await done;
    }
    const engine = this.ready.get(name) ?? (await this.driver.engine(name));
    this.pool.use(name);
    return { name, engine };
  }

  /** The job is over (or never came): back to idle, or removed at MaxBuilds. */
  release(name: string): void {
    const command = this.pool.release(name);
    if (command !== undefined) this.execute(command);
    this.tick();
  }
}
