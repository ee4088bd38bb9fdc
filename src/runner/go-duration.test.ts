import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { shortToken } from './runner-identity.js';

describe('Go durations', () => {
  it('parses what GitLab users write', () => {
    expect(parseGoDuration('5m')).toBe(300_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('soon')).toBeUndefined();
  });

  it('prints as Go does', () => {
    expect(formatGoDuration(7_200_000)).toBe('2h0m0s');
    expect(formatGoDuration(2000)).toBe('2s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(50)).toBe('50ms');
  });
});

describe('shortToken', () => {
  it('drops token-type prefixes and keeps 9 characters', () => {
    expect(shortToken('glrt-t1_AbCdEfGhIjKl')).toBe('AbCdEfGhI');
    expect(shortToken('glrt-xyz123456789')).toBe('xyz123456');
    expect(shortToken('short')).toBe('short');
  });
});
