import type { Logger } from '../core/logger.js';
import type { LogLevel } from '../config/types.js';

const RANK: Readonly<Record<LogLevel, number>> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  fatal: 4,
  panic: 5,
};

/**
 * config.toml's global `log_level` applied to the daemon's own messages, as GitLab Runner's
 * logrus levels: `warn` drops info lines, `error` drops warnings too. Progress lines count as
 * info. Errors are always kept: a daemon that stops must say why, whatever the level.
 */
export function atLogLevel(logger: Logger, level: LogLevel): Logger {
  const shows = (at: LogLevel) => RANK[at] >= RANK[level];
  return {
    info: (message) => (shows('info') ? logger.info(message) : undefined),
    warn: (message) => (shows('warn') ? logger.warn(message) : undefined),
    error: (message) => logger.error(message),
    progress: (message) => (shows('info') ? logger.progress(message) : undefined),
  };
}
