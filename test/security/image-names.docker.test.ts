import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import {
  BUILDER_MARKER,
  corpusRepo,
  expectRefused,
  openCorpus,
  pushBuilder,
  runCase,
  writeSetupOneConfig,
  type Corpus,
} from './fixture.js';

/**
 * Exploit corpus, image names: with allowed_images = ["<registry>/<ns>/docker-builder:*"], names
 * that look like the builder, reach the same registry another way, or name docker:latest (a
 * shell with the docker CLI, which with the socket mount is root on the host) in its other
 * spellings must all be refused as `disallowed image` before any container exists.
 */

interface NameCase {
  readonly job: string;
  /** The image as written in .gitlab-ci.yml (`{p}` = the corpus prefix). */
  readonly image: string;
  readonly variables?: Record<string, string>;
}

const CASES: readonly NameCase[] = [
  { job: 'upper-case-namespace', image: '{P}/docker-builder:latest' },
  { job: 'upper-case-name', image: '{p}/Docker-Builder:latest' },
  { job: 'other-name-same-registry', image: '{localhost}/docker-builder:latest' },
  { job: 'look-alike-suffix', image: '{p}/docker-builder-evil:latest' },
  { job: 'extra-path-segment', image: '{p}/evil/docker-builder:latest' },
  { job: 'bare-docker', image: 'docker:latest' },
  { job: 'library-docker', image: 'library/docker:latest' },
  { job: 'docker-io-library', image: 'docker.io/library/docker:latest' },
  { job: 'index-docker-io', image: 'index.docker.io/library/docker:latest' },
  {
    job: 'image-from-variable',
    image: '$BUILDER_IMAGE',
    variables: { BUILDER_IMAGE: 'docker.io/library/docker:latest' },
  },
];

function imageOf(c: NameCase, corpus: Corpus): string {
  const localhost = corpus.prefix.replace(/^127\.0\.0\.1:/, 'localhost:');
  return c.image
    .replace('{P}', corpus.prefix.toUpperCase())
    .replace('{p}', corpus.prefix)
    .replace('{localhost}', localhost);
}

function pipeline(corpus: Corpus): string {
  const honest = `honest:\n  image: ${corpus.prefix}/docker-builder:latest\n  tags: [docker-builder]\n  script: [docker ps]\n`;
  const jobs = CASES.map((c) => {
    const variables =
      c.variables === undefined
        ? ''
        : `  variables:\n${Object.entries(c.variables)
            .map(([k, v]) => `    ${k}: "${v}"\n`)
            .join('')}`;
    return `${c.job}:\n  image: "${imageOf(c, corpus)}"\n${variables}  tags: [docker-builder]\n  script:\n    - docker ps\n`;
  });
  return [honest, ...jobs].join('\n');
}

describeWithEngine('exploit corpus: image name tricks under allowed_images', (engine) => {
  let corpus: Corpus;
  let repo = '';
  let config = '';

  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest')))
      throw new Error('busybox:latest is missing: run the image seed');
    corpus = openCorpus('names');
    await pushBuilder(corpus, 'docker-builder');
    config = writeSetupOneConfig(corpus, { allowedImages: [`${corpus.prefix}/docker-builder:*`] });
    repo = corpusRepo(corpus, pipeline(corpus));
  }, 600_000);

  afterAll(() => corpus?.cleanup.run(), 120_000);

  it('control: the allowed name runs', () => {
    const r = runCase(corpus, repo, 'honest', config);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(BUILDER_MARKER);
  });

  it.each(CASES.map((c) => [c.job, c] as const))('%s: refused', (_job, c) => {
    const written = imageOf(c, corpus);
    const expanded = c.variables?.['BUILDER_IMAGE'] ?? written;
    const r = expectRefused(
      () => runCase(corpus, repo, c.job, config),
      `The "${expanded}" image is not present on list of allowed images:\n- ${corpus.prefix}/docker-builder:*\n`,
    );
    expect(r.stdout).toContain('ERROR: Job failed (system failure): disallowed image');
    expect(r.stdout).not.toContain('Pulling docker image');
  });
});
