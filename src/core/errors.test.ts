import { describe, expect, it } from 'vitest';
import { CheckFailedError, ConfigError, InternalError, UsageError, exitCodeFor } from './errors.js';

describe('exitCodeFor', () => {
  it('maps usage and configuration errors to 2', () => {
    expect(exitCodeFor(new UsageError('bad flag'))).toBe(2);
    expect(exitCodeFor(new ConfigError('config.invalid', 'bad key'))).toBe(2);
  });
  it('maps failed checks, internal errors and foreign errors to 1', () => {
    expect(exitCodeFor(new CheckFailedError('job.failed', 'job failed'))).toBe(1);
    expect(exitCodeFor(new InternalError('bug'))).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});
