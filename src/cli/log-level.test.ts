import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import { atLogLevel } from './log-level.js';

function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    progress: (m) => void lines.push(`progress ${m}`),
  };
  return { logger, lines };
}

function emitAll(logger: Logger): void {
  logger.info('i');
  logger.progress('p');
  logger.warn('w');
  logger.error('e');
}

describe('atLogLevel', () => {
  it.each([
    ['debug', ['info i', 'progress p', 'warn w', 'error e']],
    ['info', ['info i', 'progress p', 'warn w', 'error e']],
    ['warn', ['warn w', 'error e']],
    ['error', ['error e']],
    ['panic', ['error e']],
  ] as const)('log_level %s keeps %j', (level, expected) => {
    const { logger, lines } = recording();
    emitAll(atLogLevel(logger, level));
    expect(lines).toEqual(expected);
  });
});
