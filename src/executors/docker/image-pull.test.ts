import { describe, expect, it } from 'vitest';
import type { Engine, ImageSummary, PullOptions } from '../../engine/engine.js';
import type { JobLog } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import { ensureImage } from './image-pull.js';

const REPO = '127.0.0.1:5000/frank/builder';
const PINNED = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

function summary(digest: string): ImageSummary {
  return {
    id: `sha256:${digest.slice(-8)}`,
    repoTags: [`${REPO}:latest`],
    repoDigests: [`${REPO}@${digest}`],
    entrypoint: null,
    cmd: null,
    labels: {},
    exposedPorts: [],
  };
}

/** The two engine calls ensureImage makes; a registry whose tag holds `remote` content. */
function fakeEngine(local: string | undefined, remote: string) {
  let present = local;
  const pulls: PullOptions[] = [];
  const engine = {
    inspectImage: (ref: string) =>
      Promise.resolve(
        ref === `${REPO}:latest` && present !== undefined ? summary(present) : undefined,
      ),
    pullImage: (_ref: string, options: PullOptions) => {
      pulls.push(options);
      present = remote;
      return Promise.resolve();
    },
  } as unknown as Engine;
  return { engine, pulls };
}

function textLog(): JobLog & { lines: string[] } {
  const lines: string[] = [];
  const push = (prefix: string) => (text: string) => lines.push(prefix + text);
  return {
    lines,
    plain: push(''),
    info: push(''),
    warning: push('WARNING: '),
    error: push('ERROR: '),
    output: push(''),
  };
}

const pins = [{ repository: REPO, digest: PINNED }];

describe('ensureImage with digest pins', () => {
  it('refuses re-pushed content as a policy error, not a failed pull another policy retries', async () => {
    const { engine } = fakeEngine(PINNED, OTHER);
    const log = textLog();
    const error = await ensureImage(engine, {
      image: `${REPO}:latest`,
      policies: ['always', 'if-not-present'],
      credentials: [],
      log,
      signal: new AbortController().signal,
      pins,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).code).toBe('docker.image-digest-mismatch');
    expect((error as JobFailedError).message).toBe(
      `disallowed image: "${REPO}:latest" is allowed only as ${REPO}@${PINNED}, but its content is ${REPO}@${OTHER}`,
    );
    expect(log.lines.filter((l) => l.startsWith('WARNING'))).toEqual([]);
  });

  it('uses pinned content and passes the job registry credential to the pull', async () => {
    const { engine, pulls } = fakeEngine(undefined, PINNED);
    const image = await ensureImage(engine, {
      image: `${REPO}:latest`,
      policies: ['always'],
      credentials: [
        { type: 'registry', url: '127.0.0.1:5000', username: 'u', password: 'p' },
        { type: 'registry', url: 'other.example', username: 'x', password: 'y' },
      ],
      log: textLog(),
      signal: new AbortController().signal,
      pins,
    });
    expect(image.repoDigests).toEqual([`${REPO}@${PINNED}`]);
    expect(pulls[0]?.auth).toEqual({
      username: 'u',
      password: 'p',
      serveraddress: '127.0.0.1:5000',
    });
  });
});
