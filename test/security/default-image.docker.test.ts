import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { ROOT } from '../support/exec-cli.js';
import {
  corpusRepo,
  openCorpus,
  pushBuilder,
  pushOtherContent,
  runCase,
  writeSetupOneConfig,
  type Corpus,
} from './fixture.js';

/**
 * The limit of allowed_images, kept as in GitLab Runner: the runner's default image is exempt
 * (it is on the internal allow list). On setup 1's runner a job that names no image runs the
 * default image with the host socket mounted and its own script. dockhand does not block it
 * (compatibility), and `dockhand audit` reports it as `default-image-with-socket`.
 */

const PIPELINE = `no-image:
  tags: [docker-builder]
  script:
    - echo "the job's own script ran"
    - test -S /var/run/docker.sock && echo "host docker socket mounted"
`;

describeWithEngine('exploit corpus: the default image is exempt from allowed_images', (engine) => {
  let corpus: Corpus;
  let repo = '';
  let config = '';

  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest')))
      throw new Error('busybox:latest is missing: run the image seed');
    corpus = openCorpus('default');
    await pushBuilder(corpus, 'docker-builder');
    // Setup 1 names "ubuntu"; any image with a shell makes the point, so a copy of busybox in
    // the local registry stands in (pulled with the setup's default policy, always).
    const defaultImage = pushOtherContent(corpus, 'ubuntu');
    config = writeSetupOneConfig(corpus, {
      allowedImages: [`${corpus.prefix}/docker-builder:*`],
      image: defaultImage,
    });
    repo = corpusRepo(corpus, PIPELINE);
  }, 600_000);

  afterAll(() => corpus?.cleanup.run(), 120_000);

  it('a job without image runs the default image and its own script, socket mounted', () => {
    const r = runCase(corpus, repo, 'no-image', config);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Using Docker executor with image ${corpus.prefix}/ubuntu:latest`);
    expect(r.stdout).not.toContain('is not present on list of allowed images');
    expect(r.stdout).toContain("\nthe job's own script ran\n");
    expect(r.stdout).toContain('\nhost docker socket mounted\n');
    expect(r.containersCreated.some((name) => name.endsWith('-build'))).toBe(true);
  });

  it('dockhand audit reports it as default-image-with-socket (high, exit 1)', () => {
    const r = spawnSync('node', [join(ROOT, 'bin', 'dockhand.js'), 'audit', '--config', config], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes('[default-image-with-socket]'));
    expect(line).toBeDefined();
    expect(line).toMatch(/^HIGH /);
    expect(line).toContain(`runs the runner's default image ${corpus.prefix}/ubuntu:latest`);
    expect(line).toContain('which allowed_images does not restrict (as in GitLab Runner)');
  });
});
