import { InternalError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import type { EngineEndpoint } from '../../engine/endpoint.js';
import type {
  CommandResult,
  Executor,
  ExecutorCommand,
  ExecutorProvider,
  PrepareOptions,
  ProjectFiles,
} from '../executor.js';
import { JobFailedError } from '../job-error.js';
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

  /** A fresh executor for one job. Does not block; acquires no VM until prepare. */
  create(): Executor {
    return new MachineExecutor(this.options);
  }
}

class MachineExecutor implements Executor {
  private lease: MachineLease | undefined;
  private inner: Executor | undefined;
  private released = false;

  constructor(private readonly options: MachineProviderOptions) {}

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
      return await this.options.pool.leaseForJob(signal);
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
