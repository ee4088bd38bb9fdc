import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { docker } from '../support/exec-cli.js';
import {
  BUILDER_MARKER,
  corpusRepo,
  expectRefused,
  openCorpus,
  pushBuilder,
  pushOtherContent,
  runCase,
  writeSetupOneConfig,
  type Corpus,
} from './fixture.js';

/**
 * Exploit corpus, mutable tags: allowed_images checks names, and a tag can be made to point at
 * other content. An entry pinned by digest (`name@sha256:…`) admits the name by tag only when the
 * content the engine ends up with has that digest:
 * - re-pushed tag, `pull_policy` always (setup 1's default): refused after the pull;
 * - re-tagged local image (`docker tag busybox <allowed name>`), `if-not-present`: refused
 *   without a pull, since the local image is used as it is.
 */

function pipeline(corpus: Corpus): string {
  const job = (name: string, repository: string) =>
    `${name}:\n  image: ${corpus.prefix}/${repository}:latest\n  tags: [docker-builder]\n  script:\n    - docker ps\n`;
  return [job('repushed-tag', 'repushed'), job('retagged-local', 'retagged')].join('\n');
}

describeWithEngine('exploit corpus: tags versus digest pins', (engine) => {
  let corpus: Corpus;
  let repo = '';

  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest')))
      throw new Error('busybox:latest is missing: run the image seed');
    corpus = openCorpus('digest');
    repo = corpusRepo(corpus, pipeline(corpus));
  }, 600_000);

  afterAll(() => corpus?.cleanup.run(), 120_000);

  it('a re-pushed tag is refused after the pull (pull_policy always)', async () => {
    const digest = await pushBuilder(corpus, 'repushed');
    const pinned = `${corpus.prefix}/repushed@${digest}`;
    const config = writeSetupOneConfig(corpus, { allowedImages: [pinned] });
    // Control: the pinned content itself runs.
    const ok = runCase(corpus, repo, 'repushed-tag', config);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(BUILDER_MARKER);

    pushOtherContent(corpus, 'repushed');
    const r = expectRefused(
      () => runCase(corpus, repo, 'repushed-tag', config),
      `ERROR: Job failed (system failure): disallowed image: "${corpus.prefix}/repushed:latest" is allowed only as ${pinned}, but its content is`,
    );
    expect(r.stdout).toContain(`Pulling docker image ${corpus.prefix}/repushed:latest ...`);
  });

  it('a locally re-tagged image is refused (pull_policy if-not-present)', async () => {
    const digest = await pushBuilder(corpus, 'retagged');
    const pinned = `${corpus.prefix}/retagged@${digest}`;
    const config = writeSetupOneConfig(corpus, {
      allowedImages: [pinned],
      pullPolicy: ['if-not-present'],
    });
    const ok = runCase(corpus, repo, 'retagged-local', config);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(BUILDER_MARKER);

    // The registry still has the pinned content; only this engine's tag now names busybox.
    docker('tag', 'busybox:latest', `${corpus.prefix}/retagged:latest`);
    const r = expectRefused(
      () => runCase(corpus, repo, 'retagged-local', config),
      `ERROR: Job failed (system failure): disallowed image: "${corpus.prefix}/retagged:latest" is allowed only as ${pinned}, but its content is`,
    );
    expect(r.stdout).not.toContain('Pulling docker image');
  });
});
