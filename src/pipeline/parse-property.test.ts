import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { mapIncludeResolver } from './includes.js';
import { parsePipeline } from './parse-pipeline.js';
import { planPipeline } from './plan.js';
import { toJobSpec } from './to-job-spec.js';

const KEYWORDS = [
  'script',
  'before_script',
  'after_script',
  'image',
  'services',
  'variables',
  'stage',
  'stages',
  'when',
  'rules',
  'if',
  'changes',
  'exists',
  'needs',
  'job',
  'optional',
  'artifacts',
  'paths',
  'cache',
  'key',
  'files',
  'extends',
  'default',
  'include',
  'local',
  'parallel',
  'matrix',
  'retry',
  'max',
  'timeout',
  'only',
  'except',
  'refs',
  'allow_failure',
  'exit_codes',
  'environment',
  'name',
  'inherit',
  'workflow',
  'tags',
  'dependencies',
  '.hidden',
  'build',
  'test',
  '<<',
];

/** YAML-ish values built from GitLab's keywords, so the generator reaches deep code paths. */
const ciValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom(
      'build',
      'test',
      '$CI_COMMIT_BRANCH == "main"',
      'on_success',
      'manual',
      'delayed',
      '1h',
      'a/b',
      '.hidden',
      '*.yml',
    ),
    fc.integer({ min: -5, max: 300 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYWORDS), tie('value'), { maxKeys: 5 }),
  ),
}));

const files = mapIncludeResolver({ 'a.yml': 'x:\n  script: y\n', 'ci/b.yml': 'include: a.yml\n' });

function exercise(text: string): void {
  const result = parsePipeline({ file: '.gitlab-ci.yml', text, includes: files });
  expect(result.errors.filter((problem) => problem.message.startsWith('internal error'))).toEqual(
    [],
  );
  for (const problem of [...result.errors, ...result.warnings]) {
    expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.column).toBeGreaterThanOrEqual(1);
  }
  if (result.pipeline === undefined) return;
  const plan = planPipeline(result.pipeline, {
    predefined: { CI_COMMIT_BRANCH: 'main' },
    ref: { name: 'main', type: 'branch' },
  });
  for (const planned of plan.jobs) {
    toJobSpec(planned, {
      jobId: 1,
      pipelineId: 1,
      projectId: 1,
      projectName: 'p',
      token: 't',
      predefined: [],
      git: {
        repo_url: '',
        ref: 'main',
        sha: '',
        before_sha: '',
        ref_type: 'branch',
        refspecs: [],
        depth: 0,
      },
    });
  }
}

const fixtureRoot = join(import.meta.dirname, '../../test/fixtures/pipelines');
const fixtures = readdirSync(fixtureRoot)
  .map((name) => join(fixtureRoot, name, '.gitlab-ci.yml'))
  .filter((path) => existsSync(path))
  .map((path) => readFileSync(path, 'utf8'));

describe('parsePipeline never throws', () => {
  test('random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => exercise(text)),
      { numRuns: 300 },
    );
  });

  test('random YAML built from CI keywords', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...KEYWORDS), ciValue.value, { maxKeys: 6 }),
        (config) => exercise(stringify(config)),
      ),
      { numRuns: 400 },
    );
  });

  test('mutated fixtures', () => {
    const mutation = fc.record({
      fixture: fc.integer({ min: 0, max: fixtures.length - 1 }),
      at: fc.nat(),
      cut: fc.nat({ max: 20 }),
      insert: fc.constantFrom(
        '',
        ' ',
        '\n',
        ':',
        '- ',
        '[',
        '{',
        '&a ',
        '*a',
        '!reference [x]',
        '<<: *a\n',
        '  ',
        '"',
      ),
    });
    fc.assert(
      fc.property(mutation, ({ fixture, at, cut, insert }) => {
        const text = fixtures[fixture] ?? '';
        const pos = text.length === 0 ? 0 : at % text.length;
        exercise(text.slice(0, pos) + insert + text.slice(pos + cut));
      }),
      { numRuns: 500 },
    );
  });

  test('alias bombs are refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    const result = parsePipeline({ file: '.gitlab-ci.yml', text: bomb.join('\n') });
    expect(result.errors.some((problem) => problem.message.includes('too large'))).toBe(true);
  });
});
