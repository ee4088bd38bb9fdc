import { InternalError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import type { EngineEndpoint } from '../../engine/endpoint.js';
import type {
  CapacityResult,
  CommandResult,
  Executor,
  ExecutorCapacity,
  ExecutorCommand,
  ExecutorProvider,
  PrepareOptions,
  ProjectFiles,
} from '../executor.js';
import { JobFailedError } from '../job-error.js';
import type { AcquireResult } from './pool.js';
import type { MachineLease, PoolRunner } from './pool-runner.js';

/**
 * Makes the docker provider for one VM's engine. Given by the composition root, so that this
 * folder never knows the docker executor's internals; `machine` lets it print the VM's name in
 * `Running on … via <machine>...`, as GitLab does.
 */
export type DockerProviderFactory = (
  engine: Engine,
  machine: Pick<MachineLease, 'name'>,
) => ExecutorProvider;

/** Opens an Engine for a VM's endpoint (one per VM: engines are never shared singletons). */
export type EngineConnector = (endpoint: EngineEndpoint) => Engine;

export interface MachineProviderOptions {
  readonly pool: PoolRunner;
  readonly docker: DockerProviderFactory;
  readonly connect: EngineConnector;
}

/**
 * The `docker+machine` executor: a decorator around a docker provider (shared/design
 * architecture rule 5). Each job gets a VM from the pool (a warm idle one, or one created on
 * demand when IdleCount = 0), runs as a docker job against that VM's engine, and gives the VM
 * back at cleanup, where MaxBuilds decides whether it is destroyed.
 */
export class MachineExecutorProvider implements ExecutorProvider {
  readonly name = 'docker+machine';

  constructor(private readonly options: MachineProviderOptions) {}

  /**
   * Before a job is asked for: takes an idle VM of the pool (GitLab's "acquires an existing idle
   * VM before asking for a new job"), or, with IdleCount 0, permission to create one for the
   * job. `none` while every VM is busy or booting, or the machine limit is reached.
   */
  acquire(): CapacityResult {
    const acquired = this.options.pool.acquire();
    if (acquired.kind === 'none') return { kind: 'none', reason: acquired.reason };
    return { kind: 'granted', capacity: new MachineCapacity(this.options.pool, acquired) };
  }

  /**
   * A fresh executor for one job. Does not block. With the capacity `acquire` granted it uses
   * that VM; without (local runs) it waits for one in prepare.
   */
  create(capacity?: ExecutorCapacity): Executor {
    return new MachineExecutor(
      this.options,
      capacity instanceof MachineCapacity ? capacity : undefined,
    );
  }
}

/** An acquired VM (or leave to create one) held for a job request. */
class MachineCapacity implements ExecutorCapacity {
  private state: 'held' | 'taken' | 'released' = 'held';

  constructor(
    private readonly pool: PoolRunner,
    private readonly acquired: Exclude<AcquireResult, { kind: 'none' }>,
  ) {}

  /** No job came: the VM goes back to idle. A no-op once an executor took it over. */
  release(): void {
    if (this.state !== 'held') return;
    this.state = 'released';
    if (this.acquired.kind === 'acquired') this.pool.release(this.acquired.name);
  }

  /** The executor of the job takes the VM over; undefined when it was given back already. */
  take(): AcquireResult | undefined {
    if (this.state !== 'held') return undefined;
    this.state = 'taken';
    return this.acquired;
  }
}

class MachineExecutor implements Executor {
  private lease: MachineLease | undefined;
  private inner: Executor | undefined;
  private released = false;

  constructor(
    private readonly options: MachineProviderOptions,
    private readonly capacity: MachineCapacity | undefined,
  ) {}

  /**
   * Acquires a VM (blocks while one boots; honours `signal`), then prepares the docker job on
   * its engine. A VM that cannot be created fails the job as `runner_system_failure`.
   */
  async prepare(options: PrepareOptions): Promise<void> {
    const started = Date.now();
    const lease = await this.acquire(options.signal);
    this.lease = lease;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    options.log.plain(
      lease.source === 'idle'
        ? `Using machine ${lease.name} (idle, from the pool) ...`
        : `Created machine ${lease.name} for this job in ${seconds} s ...`,
    );
    this.inner = this.options
      .docker(this.options.connect(lease.engine), { name: lease.name })
      .create();
    await this.inner.prepare(options);
  }

  private async acquire(signal: AbortSignal): Promise<MachineLease> {
    try {
      const acquired = this.capacity?.take();
      return acquired === undefined
        ? await this.options.pool.leaseForJob(signal)
        : await this.options.pool.lease(acquired, signal);
    } catch (error) {
      // A cancel is the job runner's to report (it checks its signals), not a system failure.
      if (signal.aborted) throw error;
      throw new JobFailedError(
        'runner_system_failure',
        'machine.create-failed',
        `no machine for the job: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
          hint: "check the VM driver ('dockhand machines ls'; the qemu driver needs 'dockhand machines image')",
        },
      );
    }
  }

  /** Runs the stage in the VM's docker job. Blocks; honours `command.signal`. */
  run(command: ExecutorCommand): Promise<CommandResult> {
    if (this.inner === undefined) {
      return Promise.reject(
        new InternalError('MachineExecutor.run called before prepare succeeded'),
      );
    }
    return this.inner.run(command);
  }

  /** The docker job's project files (cache and artifact stages of local runs). */
  projectFiles(): ProjectFiles {
    const files = this.inner?.projectFiles?.();
    if (files === undefined)
      throw new InternalError('MachineExecutor.projectFiles called before prepare succeeded');
    return files;
  }

  /**
   * Cleans the docker job, then gives the VM back (destroyed once it has run MaxBuilds jobs).
   * Idempotent; never throws.
   */
  async cleanup(): Promise<void> {
    try {
      await this.inner?.cleanup();
    } finally {
      if (this.lease !== undefined && !this.released) {
        this.released = true;
        this.options.pool.release(this.lease.name);
      }
    }
  }
}
