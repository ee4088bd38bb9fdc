import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  UNLIMITED_CAPACITY,
  type CapacityResult,
  type Executor,
  type ExecutorProvider,
} from '../executor.js';
import { ShellExecutor, type ShellExecutorSettings } from './shell-executor.js';

/** The first of `names` found as an executable on PATH; undefined when none is. */
export function findOnPath(names: readonly string[], path: string | undefined): string | undefined {
  const dirs = (path ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here: try the next directory.
      }
    }
  }
  return undefined;
}

export interface ShellProviderOptions {
  /** The environment jobs start from; default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** SIGTERM → SIGKILL grace when a stage is stopped; default 3 s. */
  readonly graceMs?: number;
}

/** Makes shell executors; bash is looked up once, `sh` is the fallback (GitLab's `bash` shell). */
export class ShellExecutorProvider implements ExecutorProvider {
  readonly name = 'shell';
  private readonly settings: ShellExecutorSettings;

  constructor(options: ShellProviderOptions = {}) {
    const env = options.env ?? process.env;
    this.settings = {
      shell: findOnPath(['bash'], env['PATH']) ?? 'sh',
      env,
      graceMs: options.graceMs ?? 3000,
    };
  }

  /** The shell scripts run in (`/usr/bin/bash`, or `sh`). */
  get shell(): string {
    return this.settings.shell;
  }

  /** This machine's capacity is bounded by the runner's limit and concurrent alone. */
  acquire(): CapacityResult {
    return UNLIMITED_CAPACITY;
  }

  /** A fresh executor for one job. Does not block. */
  create(): Executor {
    return new ShellExecutor(this.settings);
  }
}
