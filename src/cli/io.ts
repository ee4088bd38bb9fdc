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

/** Progress lines on a non-TTY are thinned to one every few seconds, so CI logs stay readable. */
const PROGRESS_INTERVAL_MS = 3000;

/**
 * An operator logger on stderr. On a TTY a progress line overwrites the previous one; elsewhere
 * progress is printed at most every few seconds (and always before the next real message).
 */
export function stderrLogger(io: CliIo, now: () => number = Date.now): Logger {
  const color = io.color;
  let lastProgressAt = 0;
  let pendingOverwrite = false;
  const line = (text: string) => {
    if (pendingOverwrite) io.stderr('\r\x1b[K');
    pendingOverwrite = false;
    io.stderr(`${text}\n`);
  };
  return {
    info: (message) => line(message),
    warn: (message) => line(paint('warning', `WARNING: ${message}`, color)),
    error: (message) => line(paint('error', `ERROR: ${message}`, color)),
    progress: (message) => {
      if (io.isTty) {
        const width = 100;
        const text = message.length > width ? `${message.slice(0, width - 1)}…` : message;
        io.stderr(`\r\x1b[K${paint('dim', text, color)}`);
        pendingOverwrite = true;
        return;
      }
      if (now() - lastProgressAt < PROGRESS_INTERVAL_MS) return;
      lastProgressAt = now();
      io.stderr(`${message}\n`);
    },
  };
}
