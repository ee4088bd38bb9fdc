import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureSpecContext } from '../../test/support/jobs.js';
import { mapIncludeResolver } from './includes.js';
import { parsePipeline } from './parse-pipeline.js';
import { planPipeline } from './plan.js';
import { toJobSpec } from './to-job-spec.js';

/**
 * One folder per keyword under test/fixtures/pipelines: .gitlab-ci.yml (plus included files)
 * and expected.json, written by hand from GitLab's documentation: the jobs that run, their
 * batches, and the parts of each job payload the keyword affects.
 */
interface Expected {
  readonly context?: {
    readonly ref?: { name: string; type: 'branch' | 'tag' };
    readonly variables?: Record<string, string>;
    readonly source?: string;
    readonly changedFiles?: string[];
  };
  readonly batches?: string[][];
  readonly stages?: string[];
  readonly excluded?: string[];
  readonly created?: boolean;
  readonly jobs?: Record<string, unknown>;
}

const root = join(import.meta.dirname, '../../test/fixtures/pipelines');

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'expected.json')
        out.set(relative(dir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('pipeline fixtures', () => {
  const folders = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'expected.json')))
    .sort();
  for (const name of folders) {
    test(name, () => {
      const dir = join(root, name);
      const files = filesUnder(dir);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
      const result = parsePipeline({
        file: '.gitlab-ci.yml',
        text: files.get('.gitlab-ci.yml') ?? '',
        includes: mapIncludeResolver(files),
      });
      expect(result.errors).toEqual([]);
      const pipeline = result.pipeline!;
      const ref = expected.context?.ref ?? { name: 'main', type: 'branch' as const };
      const predefined = {
        CI_COMMIT_REF_NAME: ref.name,
        ...(ref.type === 'branch' ? { CI_COMMIT_BRANCH: ref.name } : { CI_COMMIT_TAG: ref.name }),
        CI_DEFAULT_BRANCH: 'main',
        CI_PIPELINE_SOURCE: expected.context?.source ?? 'push',
        ...expected.context?.variables,
      };
      const plan = planPipeline(pipeline, {
        predefined,
        ref,
        ...(expected.context?.source === undefined ? {} : { source: expected.context.source }),
        ...(expected.context?.changedFiles === undefined
          ? {}
          : { changedFiles: expected.context.changedFiles }),
        repositoryFiles: [...files.keys()],
      });
      expect(plan.errors).toEqual([]);
      if (expected.created !== undefined) expect(plan.created).toBe(expected.created);
      if (expected.batches !== undefined) expect(plan.batches).toEqual(expected.batches);
      if (expected.stages !== undefined) expect(pipeline.stages).toEqual(expected.stages);
      if (expected.excluded !== undefined)
        expect(plan.excluded.map((job) => job.name)).toEqual(expected.excluded);
      for (const [jobName, want] of Object.entries(expected.jobs ?? {})) {
        const planned = plan.jobs.find((job) => job.job.name === jobName);
        expect(planned, `job ${jobName} is planned`).toBeDefined();
        const spec = toJobSpec(planned!, fixtureSpecContext(ref));
        const yamlVariables = spec.variables.filter(
          (variable) => variable.public && !variable.key.startsWith('CI_'),
        );
        expect({
          ...spec,
          variables: yamlVariables,
          when: planned!.when,
          allow_failure: planned!.allowFailure,
        }).toMatchObject(want as object);
      }
    });
  }
});
