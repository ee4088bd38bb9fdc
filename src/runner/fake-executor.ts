import type {
  CapacityResult,
  CommandResult,
  Executor,
  ExecutorCommand,
  ExecutorProvider,
  PrepareOptions,
  ProjectFiles,
  Stage,
} from '../executors/executor.js';

/** What a fake stage (or prepare) does, scripted explicitly by a test. */
export type FakeOutcome =
  /** Writes `output` (if any) and exits with `exitCode`. */
  | { readonly exitCode: number; readonly output?: string }
  /** Throws `error` (after writing `output`, if any). */
  | { readonly error: Error; readonly output?: string }
  /**
   * Runs until the signal aborts, then exits with `exitCode` (default 143, a SIGTERM-ed shell)
   * or throws when `reject` is set, as real executors do in either style.
   */
  | { readonly hang: true; readonly exitCode?: number; readonly reject?: boolean };

export interface FakeExecutorScript {
  readonly prepare?: FakeOutcome;
  /** Outcome per stage; stages not listed exit 0. */
  readonly stages?: Partial<Record<Stage, FakeOutcome>>;
}

function settle(outcome: FakeOutcome, signal: AbortSignal, write: (text: string) => void) {
  return new Promise<CommandResult>((resolve, reject) => {
    if ('hang' in outcome) {
      const stop = () => {
        if (outcome.reject === true) reject(new Error('stopped'));
        else resolve({ exitCode: outcome.exitCode ?? 143 });
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      return;
    }
    if (outcome.output !== undefined) write(outcome.output);
    if ('error' in outcome) reject(outcome.error);
    else resolve({ exitCode: outcome.exitCode });
  });
}

/**
 * An in-memory Executor for job-run tests: records every call and the scripts it was given, and
 * answers with the outcomes a test scripted. No containers, no module mocking.
 */
export class FakeExecutor implements Executor {
  /** `prepare`, `run:<stage>`, `cleanup`, in call order. */
  readonly calls: string[] = [];
  /** The script each stage received. */
  readonly scripts = new Map<Stage, string>();
  /** The local repository prepare was given, if any. */
  localRepository: PrepareOptions['localRepository'];
  private log: PrepareOptions['log'] | undefined;

  constructor(private readonly script: FakeExecutorScript = {}) {}

  async prepare(options: PrepareOptions): Promise<void> {
    this.calls.push('prepare');
    this.log = options.log;
    this.localRepository = options.localRepository;
    options.log.plain('Using fake executor ...');
    if (this.script.prepare !== undefined) {
      await settle(this.script.prepare, options.signal, (t) => options.log.output(t));
    }
  }

  run(command: ExecutorCommand): Promise<CommandResult> {
    this.calls.push(`run:${command.stage}`);
    this.scripts.set(command.stage, command.script);
    const outcome = this.script.stages?.[command.stage] ?? { exitCode: 0 };
    return settle(outcome, command.signal, (t) => this.log?.output(t));
  }

  cleanup(): Promise<void> {
    this.calls.push('cleanup');
    return Promise.resolve();
  }

  /** No files of its own: for transfer stages whose archiver does not touch them. */
  projectFiles(): ProjectFiles {
    return {
      read: () => Promise.reject(new Error('the fake executor has no project files')),
      write: () => Promise.reject(new Error('the fake executor has no project files')),
    };
  }
}

/** Hands out FakeExecutors built from one script and keeps them for inspection. */
export class FakeExecutorProvider implements ExecutorProvider {
  readonly name: string;
  readonly created: FakeExecutor[] = [];
  /** Capacity units free for `acquire`; undefined = unlimited. */
  free: number | undefined = undefined;
  /** Capacity granted and not given back yet. */
  held = 0;

  constructor(
    private readonly script: FakeExecutorScript = {},
    name = 'fake',
  ) {
    this.name = name;
  }

  acquire(): CapacityResult {
    if (this.free !== undefined && this.free <= 0) {
      return { kind: 'none', reason: 'no free fake capacity' };
    }
    if (this.free !== undefined) this.free--;
    this.held++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held--;
      if (this.free !== undefined) this.free++;
    };
    return { kind: 'granted', capacity: { release } };
  }

  create(): FakeExecutor {
    const executor = new FakeExecutor(this.script);
    this.created.push(executor);
    return executor;
  }

  /** The executor of the last job. */
  get last(): FakeExecutor {
    const executor = this.created.at(-1);
    if (executor === undefined) throw new Error('no executor was created');
    return executor;
  }
}
