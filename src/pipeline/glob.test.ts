import { describe, expect, test } from 'vitest';
import { fnmatch, includeGlobToRegExp } from './glob.js';
import { parseDuration } from './keywords/duration.js';

describe('include:local wildcards (GitLab: ** → .*, * → [^/]*)', () => {
  test.each([
    ['configs/*.yml', 'configs/a.yml', true],
    ['configs/*.yml', 'configs/sub/a.yml', false],
    ['configs/**.yml', 'configs/sub/a.yml', true],
    ['configs/**/*.yml', 'configs/a.yml', false],
    ['configs/**/*.yml', 'configs/sub/a.yml', true],
    ['/configs/*.yml', 'configs/a.yml', true],
  ])('%s ~ %s → %s', (pattern, path, match) => {
    expect(includeGlobToRegExp(pattern).test(path)).toBe(match);
  });
});

describe('fnmatch (rules:changes, rules:exists)', () => {
  test.each([
    ['docs/**/*.md', 'docs/a.md', true],
    ['docs/**/*.md', 'docs/x/y/a.md', true],
    ['*.md', 'docs/a.md', false],
    ['**/*.md', 'a.md', true],
    ['src/{a,b}.c', 'src/b.c', true],
    ['Dockerfile', 'Dockerfile', true],
    ['file?.txt', 'file1.txt', true],
    ['[ab].txt', 'c.txt', false],
    ['.*', '.env', true],
    ['{broken', '{broken', false],
  ])('%s ~ %s → %s', (pattern, path, match) => {
    expect(fnmatch(pattern, path)).toBe(match);
  });
});

describe('durations', () => {
  test.each([
    ['1h 30m', 5400],
    ['90 minutes', 5400],
    ['1 hour and 5 min', 3900],
    ['3600', 3600],
    ['2 days', 172800],
    ['1 week', 604800],
    ['1:30', 90],
    ['soon', undefined],
    ['', undefined],
  ])('%s → %s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});
