import type { CliIo } from './io.js';

/** One `dockhand` sub-command. Registered explicitly in src/cli/commands/index.ts. */
export interface Command {
  /** Words that select it, e.g. `images seed`. */
  readonly name: string;
  /** One line for `dockhand --help`. */
  readonly summary: string;
  /** The full text of `dockhand <name> --help`. */
  readonly help: string;
  /** Runs the command. Resolves to the exit code; throws DockhandError for usage/config errors. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
