import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { DOTENV_MAX_BYTES, parseDotenvReport } from './dotenv-report.js';

const parse = (text: string) => parseDotenvReport([{ name: 'build.env', text }]);

describe('dotenv reports, read as GitLab reads them', () => {
  it('takes KEY=VALUE lines, trimmed, split at the first =, values as written', () => {
    expect(parse('VERSION=1.2\n  URL = http://x/?a=b \nQUOTED="a b"\nEMPTY=\n')).toEqual({
      ok: true,
      variables: [
        { key: 'VERSION', value: '1.2' },
        { key: 'URL', value: 'http://x/?a=b' },
        { key: 'QUOTED', value: '"a b"' },
        { key: 'EMPTY', value: '' },
      ],
    });
  });

  it('keeps the last value of a repeated key, across the files of one report', () => {
    const result = parseDotenvReport([
      { name: 'a.env', text: 'A=1\nB=2' },
      { name: 'b.env', text: 'A=3\r\n' },
    ]);
    expect(result).toEqual({
      ok: true,
      variables: [
        { key: 'A', value: '3' },
        { key: 'B', value: '2' },
      ],
    });
  });

  test.each([
    ['A=1\n\nB=2\n', 'build.env:2: not KEY=VALUE'],
    ['# comment\n', 'build.env:1: not KEY=VALUE'],
    ['A=1\nMY-KEY=2\n', 'build.env:2: the key "MY-KEY"'],
    ['=value\n', 'build.env:1: the key ""'],
    ['export A=1\n', 'build.env:1: the key "export A"'],
  ])('%j is rejected with its line', (text, error) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(error);
  });

  it('limits the size (5 KiB) and the number of variables (20)', () => {
    const errorOf = (text: string): string => {
      const result = parse(text);
      return result.ok ? '' : result.error;
    };
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `K${i}=v`).join('\n');
    expect(errorOf(lines(21))).toContain('more than 20');
    expect(parse(lines(20)).ok).toBe(true);
    expect(errorOf(`A=${'x'.repeat(DOTENV_MAX_BYTES)}`)).toContain('too big');
  });

  it('drops a byte order mark', () => {
    expect(parse('\uFEFFA=1')).toEqual({ ok: true, variables: [{ key: 'A', value: '1' }] });
  });

  it('reads back every valid set of variables it is given', () => {
    const key = fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/);
    const value = fc.stringMatching(/^[^\n\r=\s]([^\n\r]{0,20}[^\n\r\s])?$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, value), { maxLength: 20, selector: ([k]) => k }),
        (pairs) => {
          const text = pairs.map(([k, v]) => `${k}=${v}\n`).join('');
          expect(parse(text)).toEqual({
            ok: true,
            variables: pairs.map(([k, v]) => ({ key: k, value: v })),
          });
        },
      ),
    );
  });
});
