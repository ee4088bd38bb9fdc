import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine/engine.js';
import type { Executor, ExecutorProvider } from '../executor.js';
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

  constructor(
    private readonly engine: Engine,
    private readonly settings: DockerExecutorSettings,
    options: DockerProviderOptions = {},
  ) {
    this.session = options.session ?? randomUUID();
  }

  /** A fresh executor for one job. Does not block; touches no engine until prepare. */
  create(): Executor {
    return new DockerExecutor(this.engine, this.settings, this.session);
  }
}
