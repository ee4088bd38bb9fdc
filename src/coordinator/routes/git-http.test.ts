import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitClientEnv, projectRemote, pushCommit, runGit } from '../../../test/support/git-push.js';
import type { JobSpec } from '../../protocol/job-spec.js';
import { createCoordinatorApp } from '../app.js';
import { memoryArtifactStorage } from '../artifact-storage.js';
import { systemClock } from '../clock.js';
import { gitPipelineTrigger } from '../pipeline-trigger.js';
import { listen, type Listening } from '../server.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { hashToken } from '../tokens.js';

const ADMIN = 'dhadm-git-http-test-secret';
const CI = 'build:\n  script: [echo hi]\n';
const ZERO = '0'.repeat(40);

interface Server {
  readonly url: string;
  readonly store: Store;
  readonly reposDir: string;
  readonly listening: Listening;
}

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dockhand-git-http-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function startApp(name: string, createOnPush = true): Promise<Server> {
  const store = createMemoryStore();
  const reposDir = join(root, name, 'repos');
  let url = '';
  const { app } = createCoordinatorApp({
    store,
    clock: systemClock,
    artifacts: memoryArtifactStorage(),
    adminTokenHash: hashToken(ADMIN),
    pipelines: { create: (r) => gitPipelineTrigger(store, systemClock, url).create(r) },
    git: { reposDir, createOnPush },
  });
  const listening = await listen(app, '127.0.0.1', 0);
  url = listening.url;
  return { url, store, reposDir, listening };
}

async function variablesOf(store: Store, pipelineId: number): Promise<Record<string, string>> {
  const [job] = await store.listPipelineJobs(pipelineId);
  const payload = (job?.payload ?? { variables: [] }) as Pick<JobSpec, 'variables'>;
  return Object.fromEntries(payload.variables.map((v) => [v.key, v.value]));
}

describe('git over HTTP', () => {
  let server: Server;
  let work = '';
  beforeAll(async () => {
    server = await startApp('main');
    work = join(root, 'work');
  });
  afterAll(() => server.listening.close());

  it('creates the project on first push and starts a pipeline for the branch', async () => {
    const push = await pushCommit({
      url: server.url,
      project: 'demo',
      token: ADMIN,
      files: { '.gitlab-ci.yml': CI },
      workDir: work,
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.pipelines).toHaveLength(1);
    const [announced] = push.pipelines;
    expect(announced?.ref).toBe('main');
    expect(announced?.url).toBe(`${server.url}/pipelines/${announced?.id}`);
    expect(push.stderr).not.toContain(ADMIN);

    const project = await server.store.findProjectByName('demo');
    expect(project?.path).toBe(join(server.reposDir, 'demo.git'));
    const pipeline = await server.store.getPipeline(announced?.id ?? 0);
    expect(pipeline).toMatchObject({ ref: 'main', refType: 'branch', sha: push.sha });
    const vars = await variablesOf(server.store, announced?.id ?? 0);
    expect(vars).toMatchObject({
      CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_SHA: push.sha,
      CI_COMMIT_BEFORE_SHA: ZERO,
      CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_BRANCH: 'main',
    });
    expect(vars['CI_COMMIT_TAG']).toBeUndefined();
  });

  it('passes the old sha of the branch as CI_COMMIT_BEFORE_SHA', async () => {
    const before = (await runGit(['rev-parse', 'HEAD'], { cwd: work, env: gitClientEnv(ADMIN) }))
      .stdout;
    const push = await pushCommit({
      url: server.url,
      project: 'demo',
      token: ADMIN,
      files: { 'README.md': 'second\n' },
      workDir: work,
    });
    expect(push.code, push.stderr).toBe(0);
    const vars = await variablesOf(server.store, push.pipelines[0]?.id ?? 0);
    expect(vars['CI_COMMIT_BEFORE_SHA']).toBe(before.trim());
    expect(vars['CI_COMMIT_SHA']).toBe(push.sha);
  });

  it('serves clone and fetch, with the first pushed branch as HEAD', async () => {
    const clone = join(root, 'clone');
    const env = gitClientEnv(ADMIN);
    const cloned = await runGit(['clone', '-q', projectRemote(server.url, 'demo'), clone], {
      cwd: root,
      env,
    });
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('second\n');
    const branch = await runGit(['branch', '--show-current'], { cwd: clone, env });
    expect(branch.stdout.trim()).toBe('main');

    const next = await pushCommit({
      url: server.url,
      project: 'demo',
      token: ADMIN,
      files: { 'README.md': 'third\n' },
      workDir: work,
    });
    expect(next.code, next.stderr).toBe(0);
    // The clone spoke protocol v2; fetch with v0 too (the `# service=` advertisement).
    const fetched = await runGit(['-c', 'protocol.version=0', 'fetch', '-q', 'origin'], {
      cwd: clone,
      env,
    });
    expect(fetched.code, fetched.stderr).toBe(0);
    const head = await runGit(['rev-parse', 'origin/main'], { cwd: clone, env });
    expect(head.stdout.trim()).toBe(next.sha);
  });

  it('makes the first branch pushed to a new project its default branch', async () => {
    const push = await pushCommit({
      url: server.url,
      project: 'trunked',
      token: ADMIN,
      files: { 'a.txt': 'a\n' },
      branch: 'trunk',
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.pipelines).toEqual([]);
    const refs = await runGit(['ls-remote', '--symref', projectRemote(server.url, 'trunked')], {
      cwd: root,
      env: gitClientEnv(ADMIN),
    });
    expect(refs.stdout).toContain('ref: refs/heads/trunk\tHEAD');
  });

  it('takes gzip-compressed upload-pack requests, as git sends large negotiations', async () => {
    const head = (
      await runGit(['rev-parse', 'HEAD'], { cwd: work, env: gitClientEnv(ADMIN) })
    ).stdout.trim();
    const want = `want ${head}\n`;
    const request = `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`;
    const response = await fetch(`${projectRemote(server.url, 'demo')}/git-upload-pack`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`oauth2:${ADMIN}`).toString('base64')}`,
        'Content-Type': 'application/x-git-upload-pack-request',
        'Content-Encoding': 'gzip',
      },
      body: gzipSync(request),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/x-git-upload-pack-result');
    const body = Buffer.from(await response.arrayBuffer()).toString('latin1');
    expect(body.startsWith('0008NAK\n')).toBe(true);
    expect(body).toContain('PACK');
  });

  it('starts a tag pipeline with the peeled commit, and nothing for a deletion', async () => {
    const push = await pushCommit({
      url: server.url,
      project: 'demo',
      token: ADMIN,
      files: { 'feature.txt': 'f\n' },
      branch: 'feature',
      tag: 'v1.0',
      workDir: work,
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.pipelines.map((p) => p.ref).sort()).toEqual(['feature', 'v1.0']);
    const tag = push.pipelines.find((p) => p.ref === 'v1.0');
    const vars = await variablesOf(server.store, tag?.id ?? 0);
    expect(vars).toMatchObject({
      CI_COMMIT_TAG: 'v1.0',
      CI_COMMIT_REF_NAME: 'v1.0',
      CI_COMMIT_SHA: push.sha,
      CI_PIPELINE_SOURCE: 'push',
    });
    expect(vars['CI_COMMIT_BRANCH']).toBeUndefined();

    const count = (await server.store.listPipelines(100)).length;
    const env = gitClientEnv(ADMIN);
    const remote = projectRemote(server.url, 'demo');
    const deleted = await runGit(['push', remote, ':feature', ':refs/tags/v1.0'], {
      cwd: work,
      env,
    });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain('[deleted]');
    expect(deleted.stderr).not.toContain('dockhand:');
    expect(await server.store.listPipelines(100)).toHaveLength(count);
    const refs = await runGit(['ls-remote', remote], { cwd: work, env });
    expect(refs.stdout).not.toContain('feature');
  });

  it('accepts the push and explains why a commit starts no pipeline', async () => {
    const push = await pushCommit({
      url: server.url,
      project: 'demo',
      token: ADMIN,
      files: { '.gitlab-ci.yml': 'build: [not a job\n' },
      workDir: work,
    });
    expect(push.code, push.stderr).toBe(0);
    expect(push.pipelines).toEqual([]);
    expect(push.stderr).toMatch(/remote: dockhand: no pipeline for main:/);
  });

  it('answers 401 with a Basic challenge to missing or wrong credentials', async () => {
    for (const token of [undefined, 'wrong-token']) {
      const push = await pushCommit({
        url: server.url,
        project: 'demo',
        token,
        files: { 'x.txt': 'x\n' },
      });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(/Authentication failed|could not read Username/);
    }
    const refs = await fetch(
      `${projectRemote(server.url, 'demo')}/info/refs?service=git-upload-pack`,
      { headers: { Authorization: `Basic ${Buffer.from('oauth2:nope').toString('base64')}` } },
    );
    expect(refs.status).toBe(401);
    expect(refs.headers.get('WWW-Authenticate')).toBe('Basic realm="dockhand"');
    expect(await refs.text()).not.toContain('nope');
  });

  it('refuses bad project names, other namespaces and unknown projects clearly', async () => {
    const env = gitClientEnv(ADMIN);
    const bad = await runGit(['ls-remote', `${server.url}/dockhand/-bad.git`], { cwd: root, env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('remote: dockhand: "-bad" is not a project name');
    const other = await runGit(['ls-remote', `${server.url}/group/demo.git`], { cwd: root, env });
    expect(other.stderr).toContain('remote: dockhand: projects are at /dockhand/NAME.git');
    const unknown = await runGit(['clone', projectRemote(server.url, 'nothing'), 'x'], {
      cwd: root,
      env,
    });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('remote: dockhand: project nothing not found');
    expect(await server.store.findProjectByName('nothing')).toBeUndefined();
  });
});

describe('git over HTTP without push-to-create', () => {
  it('refuses a push to an unknown project', async () => {
    const server = await startApp('closed', false);
    try {
      const push = await pushCommit({
        url: server.url,
        project: 'demo',
        token: ADMIN,
        files: { '.gitlab-ci.yml': CI },
      });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toContain('remote: dockhand: project demo not found');
      expect(await server.store.listProjects()).toEqual([]);
    } finally {
      await server.listening.close();
    }
  });
});
