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
 * Exploit corpus, entrypoint overrides (gitlab-runner#2625): with allowed_images restricted to a
 * builder whose ENTRYPOINT ignores the command, every way of replacing that entrypoint (for the
 * job image or a service) must be refused before any container exists.
 */

function pipeline(builder: string): string {
  const job = (name: string, image: string, extra = '') =>
    `${name}:\n  image: ${image}\n  tags: [docker-builder]\n${extra}  script:\n    - docker ps\n`;
  return [
    job('honest', builder),
    job('empty-entrypoint', `{ name: "${builder}", entrypoint: [""] }`),
    job('sh-c-entrypoint', `{ name: "${builder}", entrypoint: ["/bin/sh", "-c"] }`),
    job('sh-entrypoint', `{ name: "${builder}", entrypoint: ["sh"] }`),
    // The override arrives through `extends` from a hidden job: merged like any other key.
    `.evil:\n  image:\n    entrypoint: ["/bin/sh", "-c"]\n`,
    `extended-entrypoint:\n  extends: .evil\n  image:\n    name: "${builder}"\n  tags: [docker-builder]\n  script:\n    - docker ps\n`,
    // The service shares the job's volumes, the host socket included.
    job(
      'service-entrypoint',
      builder,
      `  services:\n    - name: "${builder}"\n      alias: sidecar\n      entrypoint: ["/bin/sh", "-c", "docker ps"]\n`,
    ),
  ].join('\n');
}

describeWithEngine('exploit corpus: entrypoint overrides under allowed_images', (engine) => {
  let corpus: Corpus;
  let repo = '';
  let config = '';
  let builder = '';

  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest')))
      throw new Error('busybox:latest is missing: run the image seed');
    corpus = openCorpus('entrypoint');
    await pushBuilder(corpus, 'docker-builder');
    builder = `${corpus.prefix}/docker-builder:latest`;
    const allowed = [`${corpus.prefix}/docker-builder:*`];
    config = writeSetupOneConfig(corpus, { allowedImages: allowed, allowedServices: allowed });
    repo = corpusRepo(corpus, pipeline(builder));
  }, 600_000);

  afterAll(() => corpus?.cleanup.run(), 120_000);

  it('control: the builder as built runs its entrypoint, not the script', () => {
    const r = runCase(corpus, repo, 'honest', config);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(BUILDER_MARKER);
    expect(r.stdout).not.toContain('$ docker ps');
  });

  it.each(['empty-entrypoint', 'sh-c-entrypoint', 'sh-entrypoint', 'extended-entrypoint'])(
    '%s: refused',
    (job) => {
      expectRefused(
        () => runCase(corpus, repo, job, config),
        `ERROR: Job failed: job "${job}" overrides the entrypoint of its image ${builder}, but runner "docker-builder" restricts allowed_images and sets disable_entrypoint_overwrite`,
      );
    },
  );

  it('service-entrypoint: refused (allowed_services set)', () => {
    expectRefused(
      () => runCase(corpus, repo, 'service-entrypoint', config),
      `ERROR: Job failed: job "service-entrypoint" overrides the entrypoint of its service ${builder}, but runner "docker-builder" restricts allowed_services and sets disable_entrypoint_overwrite`,
    );
  });
});
