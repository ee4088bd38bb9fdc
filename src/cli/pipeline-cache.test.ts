import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePipeline, type ParseInput } from '../pipeline/parse-pipeline.js';
import { planPipeline } from '../pipeline/plan.js';
import { toJobSpec } from '../pipeline/to-job-spec.js';
import { fixtureSpecContext } from '../../test/support/jobs.js';
import { parseWithCache, type PipelineCacheOptions } from './pipeline-cache.js';
import { fsIncludeResolver, listRepositoryFiles, readPipelineSource } from './pipeline-files.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures');
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repoWith(files: Record<string, string> | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-parsed-'));
  made.push(dir);
  if (typeof files === 'string') cpSync(files, dir, { recursive: true });
  else {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  return dir;
}

/** The cache as exec uses it, with a parser that counts its calls. */
function cacheOf(repo: string, build = 'test-build') {
  let parses = 0;
  const options: PipelineCacheOptions = { dir: join(repo, '.dockhand', 'parsed'), build };
  const parse = (input: ParseInput) => {
    parses += 1;
    return parsePipeline(input);
  };
  return {
    load: () => {
      const source = readPipelineSource(repo);
      return parseWithCache(source, fsIncludeResolver(repo), parse, options);
    },
    parses: () => parses,
    entry: () => join(options.dir, readdirSync(options.dir)[0]!),
  };
}

/** Parsed the ordinary way, without any cache. */
function direct(repo: string) {
  const source = readPipelineSource(repo);
  return parsePipeline({
    file: source.file,
    text: source.text,
    includes: fsIncludeResolver(repo),
  });
}

/** Plans and job payloads of a pipeline on a branch, for equivalence checks. */
function planned(repo: string, pipeline: Parameters<typeof planPipeline>[0]) {
  const ref = { name: 'main', type: 'branch' as const };
  const plan = planPipeline(pipeline, {
    predefined: { CI_COMMIT_BRANCH: 'main', CI_COMMIT_REF_NAME: 'main', CI_DEFAULT_BRANCH: 'main' },
    ref,
    repositoryFiles: () => listRepositoryFiles(repo),
  });
  const specs = plan.jobs.map((job, index) => toJobSpec(job, fixtureSpecContext(ref, index + 1)));
  return { plan, specs };
}

const fixturePipelines = ['pipelines', 'local-pipelines'].flatMap((group) =>
  readdirSync(join(fixtures, group))
    .filter((name) => existsSync(join(fixtures, group, name, '.gitlab-ci.yml')))
    .map((name) => join(group, name)),
);

describe('parsed-pipeline cache: equivalence on the fixture pipelines', () => {
  it('finds fixtures', () => {
    expect(fixturePipelines.length).toBeGreaterThan(10);
  });

  for (const fixture of fixturePipelines) {
    it(fixture, async () => {
      const repo = repoWith(join(fixtures, fixture));
      const cache = cacheOf(repo);
      const expected = direct(repo);
      expect(expected.pipeline).toBeDefined();

      const first = await cache.load();
      const second = await cache.load();
      expect(first.cached).toBe(false);
      expect(second.cached).toBe(true);
      expect(cache.parses()).toBe(1);
      // The very same model: strict equality also tells absent keys from undefined ones.
      expect(second.result).toStrictEqual(expected);
      expect(first.result).toStrictEqual(expected);
      expect(planned(repo, second.result.pipeline!)).toStrictEqual(
        planned(repo, expected.pipeline!),
      );
    });
  }
});

describe('parsed-pipeline cache: invalidation', () => {
  const withInclude = {
    '.gitlab-ci.yml': "include:\n  - local: ci/jobs.yml\n  - 'ci/more/*.yml'\n",
    'ci/jobs.yml': 'build:\n  script: [make]\n',
    'ci/more/a.yml': 'test-a:\n  script: [echo a]\n',
  };
  const jobNames = (result: Awaited<ReturnType<ReturnType<typeof cacheOf>['load']>>) =>
    result.result.pipeline?.jobs.map((job) => job.name);

  it('reparses when the main file changes', async () => {
    const repo = repoWith(withInclude);
    const cache = cacheOf(repo);
    await cache.load();
    writeFileSync(
      join(repo, '.gitlab-ci.yml'),
      'include:\n  - local: ci/jobs.yml\nlint: {script: [x]}\n',
    );
    const again = await cache.load();
    expect(again.cached).toBe(false);
    expect(jobNames(again)).toEqual(['build', 'lint']);
    expect((await cache.load()).cached).toBe(true);
  });

  it('reparses when an included file changes or disappears', async () => {
    const repo = repoWith(withInclude);
    const cache = cacheOf(repo);
    await cache.load();
    writeFileSync(join(repo, 'ci/jobs.yml'), 'compile:\n  script: [make]\n');
    const changed = await cache.load();
    expect(changed.cached).toBe(false);
    expect(jobNames(changed)).toEqual(['compile', 'test-a']);
    rmSync(join(repo, 'ci/jobs.yml'));
    const missing = await cache.load();
    expect(missing.cached).toBe(false);
    expect(missing.result).toStrictEqual(direct(repo));
    expect(missing.result.errors.length).toBeGreaterThan(0);
  });

  it('reparses when a file now matches a wildcard include', async () => {
    const repo = repoWith(withInclude);
    const cache = cacheOf(repo);
    await cache.load();
    writeFileSync(join(repo, 'ci/more/b.yml'), 'test-b:\n  script: [echo b]\n');
    const again = await cache.load();
    expect(again.cached).toBe(false);
    expect(jobNames(again)).toEqual(['build', 'test-a', 'test-b']);
  });

  it('reparses when a file an include looked for and missed appears', async () => {
    const repo = repoWith({
      '.gitlab-ci.yml':
        'include:\n  - local: ci/maybe.yml\n    rules:\n      - exists: [x]\nj: {script: [x]}\n',
    });
    const cache = cacheOf(repo);
    const first = await cache.load();
    const second = await cache.load();
    expect(second.result).toStrictEqual(first.result);
    mkdirSync(join(repo, 'ci'));
    writeFileSync(join(repo, 'ci/maybe.yml'), 'k: {script: [y]}\n');
    const third = await cache.load();
    expect(third.result).toStrictEqual(direct(repo));
  });

  it("is not invalidated by dockhand's own state in .dockhand/", async () => {
    const repo = repoWith(withInclude);
    const cache = cacheOf(repo);
    await cache.load();
    // A shell build holds a whole checkout: its files are not the repository's.
    mkdirSync(join(repo, '.dockhand/builds/job/project/ci/more'), { recursive: true });
    writeFileSync(join(repo, '.dockhand/builds/job/project/ci/more/c.yml'), 'c: {script: [c]}\n');
    expect(listRepositoryFiles(repo).some((path) => path.startsWith('.dockhand'))).toBe(false);
    expect((await cache.load()).cached).toBe(true);
  });

  it('never uses an entry of another dockhand build', async () => {
    const repo = repoWith(withInclude);
    await cacheOf(repo, 'build-1').load();
    const other = cacheOf(repo, 'build-2');
    expect((await other.load()).cached).toBe(false);
    expect(other.parses()).toBe(1);
  });

  it('ignores a corrupt entry and replaces it', async () => {
    const repo = repoWith(withInclude);
    const cache = cacheOf(repo);
    await cache.load();
    const entry = cache.entry();
    const intact = readFileSync(entry, 'utf8');
    const corruptions = [
      '',
      'not json\n{}',
      intact.slice(0, intact.length - 10),
      intact.replace('"build"', '"blind"'),
      // The body edited but the header kept: the checksum catches it.
      intact.replace('test-a', 'test-z'),
    ];
    for (const text of corruptions) {
      writeFileSync(entry, text);
      const result = await cache.load();
      expect(result.cached).toBe(false);
      expect(result.result).toStrictEqual(direct(repo));
      expect((await cache.load()).cached).toBe(true);
    }
  });

  it('does not store an invalid pipeline, and reports its errors each time', async () => {
    const repo = repoWith({ '.gitlab-ci.yml': 'job: {script: 3}\n' });
    const cache = cacheOf(repo);
    const first = await cache.load();
    const second = await cache.load();
    expect(first.result.errors.length).toBeGreaterThan(0);
    expect(second.result).toStrictEqual(first.result);
    expect(cache.parses()).toBe(2);
    expect(existsSync(join(repo, '.dockhand', 'parsed'))).toBe(false);
  });

  it('still parses when the cache cannot be written', async () => {
    const repo = repoWith(withInclude);
    // A file where the folder should be: every write fails.
    writeFileSync(join(repo, '.dockhand'), 'in the way');
    const cache = cacheOf(repo);
    expect((await cache.load()).result).toStrictEqual(direct(repo));
    expect((await cache.load()).cached).toBe(false);
  });
});
