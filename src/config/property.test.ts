// Tests may read fixture files; the module under test stays pure.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { formatProblem } from './problems.js';

const FIXTURES = [
  'setup-1-docker-socket.toml',
  'setup-2-machine-socket.toml',
  'setup-3-machine-dind.toml',
  'all-keys.toml',
].map((name) =>
  readFileSync(new URL(`../../test/fixtures/configs/${name}`, import.meta.url), 'utf8'),
);

/** Never throws, and every problem points inside the file and formats. */
function checkInvariants(text: string): void {
  const result = parseConfig(text, 'fuzz.toml');
  const lines = text.split(/\r\n|\n|\r/).length;
  for (const problem of [...result.errors, ...result.warnings]) {
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.line).toBeLessThanOrEqual(lines + 1);
    expect(problem.column).toBeGreaterThanOrEqual(1);
    expect(problem.code).not.toBe('internal');
    expect(typeof formatProblem(problem)).toBe('string');
  }
  expect(result.config.concurrent).toBeGreaterThanOrEqual(1);
}

const TOKENS = [
  '[[runners]]',
  '[runners.docker]',
  '[runners.machine]',
  '[[runners.machine.autoscaling]]',
  '[runners.cache]',
  '[runners.cache.s3]',
  '[session_server]',
  '[runners.feature_flags]',
  'executor = "docker"',
  'executor = "docker+machine"',
  'executor = 3',
  'name = "a"',
  'volumes = ["/cache", "x:y"]',
  'MachineName = "m"',
  'MachineName = "m-%s"',
  'IdleCount = -1',
  'Periods = ["* * 9-17 * * mon-fri *", "x"]',
  'concurrent = 0',
  'limit = 9',
  'image = "alpine"',
  'allowed_images = ["a"]',
  'IdleScaleFactor = 1',
  'tag_list = "a,b"',
  'FF_X = "yes"',
  'a.b.c = 1',
  'runners = 1',
  'docker = []',
  '"quoted key" = 1',
  'x = {a = 1}',
  'y = [[1], ["a"]]',
  'token_obtained_at = 2024-01-01T00:00:00Z',
  'memory = "1k"',
  'dns = ["nope"]',
  '# comment',
  '',
];

/** Mutations of a valid file: drop, duplicate or swap lines, and insert or delete characters. */
const mutated = fc
  .tuple(
    fc.constantFrom(...FIXTURES),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
        fc.record({
          op: fc.constant('insert' as const),
          at: fc.nat(),
          text: fc.string({ maxLength: 4 }),
        }),
        fc.record({
          op: fc.constant('line' as const),
          at: fc.nat(),
          text: fc.constantFrom(...TOKENS),
        }),
        fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.nat({ max: 8 }) }),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([base, operations]) => {
    let lines = base.split('\n');
    for (const operation of operations) {
      const at = lines.length === 0 ? 0 : operation.at % lines.length;
      if (operation.op === 'drop') lines.splice(at, 1);
      else if (operation.op === 'dup') lines.splice(at, 0, lines[at] ?? '');
      else if (operation.op === 'line') lines.splice(at, 0, operation.text);
      else if (operation.op === 'swap') {
        const to = lines.length === 0 ? 0 : operation.to % lines.length;
        [lines[at], lines[to]] = [lines[to] ?? '', lines[at] ?? ''];
      } else {
        const text = lines.join('\n');
        const pos = text.length === 0 ? 0 : operation.at % text.length;
        const next =
          operation.op === 'insert'
            ? text.slice(0, pos) + operation.text + text.slice(pos)
            : text.slice(0, pos) + text.slice(pos + operation.length);
        lines = next.split('\n');
      }
    }
    return lines.join('\n');
  });

describe('parseConfig never throws', () => {
  it('on random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), checkInvariants), { numRuns: 500 });
  });

  it('on random lines of config-like tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), (lines) =>
        checkInvariants(lines.join('\n')),
      ),
      { numRuns: 500 },
    );
  });

  it('on mutated seed and all-keys files', () => {
    fc.assert(fc.property(mutated, checkInvariants), { numRuns: 400 });
  });
});
