import { describe, expect, it } from 'vitest';
import type { JobVariable } from '../../protocol/job-spec.js';
import { expandAll, expandVariables } from './expand.js';

const env: Record<string, string> = {
  HOME: '/usr/gopher',
  H: '(Value of H)',
  home_1: '/usr/foo',
  _: 'underscore',
  'A B': 'spaced',
  '-': 'dash',
  '1': 'must not be used',
};
const lookup = (name: string): string | undefined => env[name];

describe('expandVariables: Go os.Expand with the runner mapping', () => {
  it.each<[string, string]>([
    ['', ''],
    ['now is the time', 'now is the time'],
    ['$HOME', '/usr/gopher'],
    ['${HOME}', '/usr/gopher'],
    ['$home_1', '/usr/foo'],
    ['${H}OME', '(Value of H)OME'],
    ['$HOME/bin:$H', '/usr/gopher/bin:(Value of H)'],
    ['$_', 'underscore'],
    // Unknown names expand to "".
    ['a${NOPE}b$NOPE', 'ab'],
    // `$$` is a literal `$` (the runner maps the special name `$` to itself).
    ['$$', '$'],
    ['$$HOME', '$HOME'],
    ['cost: $$5', 'cost: $5'],
    // Positional and special shell names expand to "" (runner), one character only.
    ['$1', ''],
    ['$12', '2'],
    ['${1}', ''],
    ['$*$#$@$!$?', ''],
    ['${*}x', 'x'],
    // `-` is a shell special for Go, but the runner looks it up like any name.
    ['$-', 'dash'],
    // `$` before a non-name character, or at the end, stays.
    ['$', '$'],
    ['a$', 'a$'],
    ['$%', '$%'],
    ['$.x', '$.x'],
    ['$\\HOME', '$\\HOME'],
    ['$ HOME', '$ HOME'],
    ['$é', '$é'],
    // Braces: the name is everything up to `}`; bad syntax is dropped.
    ['${A B}', 'spaced'],
    ['${}', ''],
    ['x${}y', 'xy'],
    ['${HOME', 'HOME'],
    ['a${', 'a'],
    ['${HOME}}', '/usr/gopher}'],
    // Names are ASCII only; a non-ASCII letter ends the name.
    ['$HOMEé', '/usr/gopheré'],
    // One pass: expanded text is not expanded again.
    ['${DOLLAR}', ''],
  ])('%j → %j', (input, expected) => {
    expect(expandVariables(input, lookup)).toBe(expected);
  });

  it('does not re-expand values that contain $', () => {
    expect(expandVariables('$A', (n) => (n === 'A' ? '$B' : 'nope'))).toBe('$B');
  });
});

const v = (key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value,
  public: true,
  masked: false,
  file: false,
  raw: false,
  ...extra,
});

describe('expandAll', () => {
  it('expands one level against the unexpanded list', () => {
    const out = expandAll([v('A', '$B-x'), v('B', '$C'), v('C', 'c')]);
    expect(out.map((x) => x.value)).toEqual(['$C-x', 'c', 'c']);
  });

  it('leaves raw values alone, but raw values can be referenced', () => {
    const out = expandAll([v('R', '$C', { raw: true }), v('C', 'c'), v('X', '[$R]')]);
    expect(out.map((x) => x.value)).toEqual(['$C', 'c', '[$C]']);
  });

  it('uses the last entry of a key, like the runner', () => {
    const out = expandAll([v('A', 'first'), v('USE', '$A'), v('A', 'second')]);
    expect(out[1]!.value).toBe('second');
  });

  it('does not loop on self or mutual references', () => {
    const out = expandAll([v('A', '$A$B'), v('B', '$A')]);
    expect(out.map((x) => x.value)).toEqual(['$A$B$A', '$A$B']);
  });

  it('expands a reference to a file variable to its path', () => {
    const vars = [
      v('RUNNER_TEMP_PROJECT_DIR', '/builds/g/p.tmp'),
      v('KUBECONFIG_DATA', 'secret', { file: true }),
      v('KUBECONFIG', '$KUBECONFIG_DATA'),
    ];
    expect(expandAll(vars)[2]!.value).toBe('/builds/g/p.tmp/KUBECONFIG_DATA');
    const custom = expandAll(vars, { fileVariablePath: (key) => `/tmp/${key}` });
    expect(custom[2]!.value).toBe('/tmp/KUBECONFIG_DATA');
  });

  it('keeps every flag of every entry', () => {
    const input = [v('S', '$X', { masked: true, public: false, file: true })];
    expect(expandAll(input)[0]).toEqual({ ...input[0], value: '' });
  });
});
