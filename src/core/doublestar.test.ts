import { describe, expect, it } from 'vitest';
import { globMatch } from './doublestar.js';

describe('globMatch (doublestar semantics)', () => {
  it.each([
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**', 'a/x/y', true],
    ['a**b', 'a/b', false],
    ['{a,b{c,d}}', 'bd', true],
    ['{a,b{c,d}}', 'b', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['[a-c]x', 'bx', true],
    ['[', '[', false],
    ['{a', '{a', false],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });
});
