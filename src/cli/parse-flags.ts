import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with errors turned into UsageError naming the command, so a wrong flag
 * exits 2 with a hint instead of a stack trace.
 */
export function parseFlags<O extends Options>(
  command: string,
  args: readonly string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`dockhand ${command}: ${message.replace(/\.$/, '')}`, {
      hint: `run 'dockhand ${command} --help' for the flags it takes`,
    });
  }
}
