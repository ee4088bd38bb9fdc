/**
 * The coordinator as the token realm of a real distribution 2.8 registry (`auth.token`): a job's
 * token pushes to its own project's path, is denied another project's, and is refused once the
 * job is over. The test acts as the runner (takes the job over the runner API) and pushes with
 * the host's docker CLI, whose daemon calls the realm on 127.0.0.1. Jobs run by `dockhand run`
 * daemons (host socket and docker:dind) push through the realm in coordinator.docker.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCoordinatorClient } from '../../src/api/coordinator-client.js';
import type { JobSpec } from '../../src/protocol/job-spec.js';
import { DATA_FILES, startServer, type RunningServer } from '../../src/coordinator/server.js';
import { describeWithEngine, hasImage } from '../support/docker.js';
import {
  TOKEN_REGISTRY_IMAGE,
  dockerAsync,
  freeLoopbackPort,
  startTokenRegistry,
  type TokenRegistry,
} from '../support/token-registry.js';

let dir = '';
let server: RunningServer | undefined;
let tokenRegistry: TokenRegistry | undefined;
let registry = '';
const pushed: string[] = [];

/** The host's docker CLI with a login store of its own. */
const docker = (args: string[], input?: string) =>
  dockerAsync(args, {
    env: { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') },
    ...(input === undefined ? {} : { input }),
  });

async function push(path: string) {
  const ref = `${registry}/${path}:e2e`;
  pushed.push(ref);
  expect((await docker(['tag', 'busybox:latest', ref])).code).toBe(0);
  return docker(['push', ref]);
}

async function takeJob(project: string): Promise<JobSpec> {
  const admin = readFileSync(server?.files.adminToken ?? '', 'utf8').trim();
  const trigger = await fetch(`${server?.url}/api/dockhand/v1/projects/${project}/pipelines`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ref: 'main' }),
  });
  expect(trigger.status).toBe(201);
  const client = createCoordinatorClient({ url: server?.url ?? '' });
  const reg = await client.register({
    token: readFileSync(server?.files.registrationToken ?? '', 'utf8').trim(),
    tag_list: '',
    run_untagged: true,
  });
  if (reg.kind !== 'registered') throw new Error(`register: ${reg.kind}`);
  const got = await client.requestJob({ token: reg.token });
  if (got.kind !== 'job') throw new Error(`request: ${got.kind}`);
  return got.job;
}

describeWithEngine('registry token auth through the coordinator (real registry)', (engine) => {
  beforeAll(async () => {
    for (const image of [TOKEN_REGISTRY_IMAGE, 'busybox:latest']) {
      if (!(await hasImage(engine, image)))
        throw new Error(`${image} is missing: run scripts/engine-up and the image seed`);
    }
    dir = mkdtempSync(join(tmpdir(), 'dockhand-regtok-e2e-'));
    mkdirSync(join(dir, 'docker-config'), { mode: 0o700 });
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gitlab-ci.yml'), 'job:\n  script: [echo hi]\n');
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', [
      ...['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com'],
      ...['commit', '-qm', 'one job'],
    ]);
    const port = await freeLoopbackPort();
    registry = `127.0.0.1:${port}`;
    server = await startServer({
      dataDir: join(dir, 'server'),
      host: '127.0.0.1',
      port: 0,
      projects: [
        { name: 'demo', path: repo },
        { name: 'other', path: repo },
      ],
      registry: { host: registry },
      tuning: { pollHoldMs: 1000 },
    });
    tokenRegistry = await startTokenRegistry({
      dir,
      name: `dockhand-registry-tokens-e2e-${process.pid}`,
      port,
      realm: server.registryRealm ?? '',
      certFile: server.files.registryCert,
      keyFile: join(dir, 'server', DATA_FILES.registryKey),
    });
  }, 120_000);

  afterAll(async () => {
    for (const ref of pushed) await docker(['rmi', ref]);
    await tokenRegistry?.remove();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it("pushes with a running job's token to its project only, and not after the job", async () => {
    const job = await takeJob('demo');
    const vars = Object.fromEntries(job.variables.map((v) => [v.key, v.value]));
    expect(vars['CI_REGISTRY']).toBe(registry);
    expect(vars['CI_REGISTRY_IMAGE']).toBe(`${registry}/dockhand/demo`);
    const password = vars['CI_REGISTRY_PASSWORD'] ?? '';
    expect(password).toBe(job.token);

    const login = (secret: string) =>
      docker(['login', '-u', vars['CI_REGISTRY_USER'] ?? '', '--password-stdin', registry], secret);
    const first = await login(password);
    expect(first.output).toContain('Login Succeeded');
    expect((await login('glcbt-not-a-job-token')).code).not.toBe(0);
    expect((await login(password)).code).toBe(0);

    const own = await push('dockhand/demo/busybox');
    expect(own.code, own.output).toBe(0);
    const root = await push('dockhand/demo');
    expect(root.code, root.output).toBe(0);
    expect(own.output).toContain('digest: sha256:');

    const other = await push('dockhand/other/busybox');
    expect(other.code).not.toBe(0);
    expect(other.output).toContain('denied: requested access to the resource is denied');
    expect(other.output).not.toContain(password);

    const client = createCoordinatorClient({ url: server?.url ?? '' });
    await client.updateJob(job.id, { token: job.token, state: 'success' });
    const after = await push('dockhand/demo/after');
    expect(after.code).not.toBe(0);
    expect(after.output).toContain('unauthorized');
    expect((await login(password)).code).not.toBe(0);
  });
});
