import type { Logger } from '../core/logger.js';
import { paint } from '../core/ansi.js';

/** What a command may touch of the outside world; passed in so commands are testable. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colour on stdout: a TTY and NO_COLOR unset (https://no-color.org), or FORCE_COLOR set. */
  readonly color: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly isTty: boolean;
}

export function processIo(): CliIo {
  const env = process.env;
  const isTty = process.stdout.isTTY;
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const forceColor = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    color: forceColor || (isTty && !noColor),
    env,
    cwd: process.cwd(),
    isTty,
  };
}

/** An operator logger on stderr; progress lines overwrite each other only on a TTY. */
export function stderrLogger(io: CliIo): Logger {
  const color = io.color;
  return {
    info: (message) => io.stderr(`${message}\n`),
    warn: (message) => io.stderr(`${paint('warning', `WARNING: ${message}`, color)}\n`),
    error: (message) => io.stderr(`${paint('error', `ERROR: ${message}`, color)}\n`),
    progress: (message) => io.stderr(`${paint('dim', message, color)}\n`),
  };
}
