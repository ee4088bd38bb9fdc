import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine/engine.js';
import {
  UNLIMITED_CAPACITY,
  type CapacityResult,
  type Executor,
  type ExecutorProvider,
} from '../executor.js';
import { BuildsSlots } from './builds-volume.js';
import { DockerExecutor } from './docker-executor.js';
import type { DockerExecutorSettings } from './settings.js';

export interface DockerProviderOptions {
  /**
   * This process's session id, put on every resource (`dev.dockhand.session`) so the sweeper can
   * tell a live owner from a dead one. One per dockhand process; a random one by default.
   */
  readonly session?: string;
}

/** Makes docker executors over one engine (the host's, or one VM's for docker+machine). */
export class DockerExecutorProvider implements ExecutorProvider {
  readonly name = 'docker';
  readonly session: string;
  /** Persistent builds volumes in use by this runner's jobs (one checkout per job at a time). */
  private readonly slots = new BuildsSlots();

  constructor(
    private readonly engine: Engine,
    private readonly settings: DockerExecutorSettings,
    options: DockerProviderOptions = {},
  ) {
    this.session = options.session ?? randomUUID();
  }

  /** The engine's capacity is bounded by the runner's limit and concurrent alone. */
  acquire(): CapacityResult {
    return UNLIMITED_CAPACITY;
  }

  /** A fresh executor for one job. Does not block; touches no engine until prepare. */
  create(): Executor {
    return new DockerExecutor(this.engine, this.settings, this.session, this.slots);
  }
}
