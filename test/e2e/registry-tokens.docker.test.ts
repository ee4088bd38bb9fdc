/**
 * The coordinator as the token realm of a real distribution 2.8 registry (`auth.token`): a job's
 * token pushes to its own project's path, is denied another project's, and is refused once the
 * job is over. The test acts as the runner (takes the job over the runner API) and pushes with
 * the host's docker CLI, whose daemon calls the realm on 127.0.0.1.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCoordinatorClient } from '../../src/api/coordinator-client.js';
import { stripAnsi } from '../../src/core/ansi.js';
import { LABELS } from '../../src/core/labels.js';
import type { JobSpec } from '../../src/protocol/job-spec.js';
import { startServer, type RunningServer } from '../../src/coordinator/server.js';
import { describeWithEngine, hasImage } from '../support/docker.js';

const REGISTRY_IMAGE = 'dockhand/registry:2.8';
const CONTAINER = `dockhand-registry-tokens-e2e-${process.pid}`;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin', 'dockhand.js');

const PUSH_PIPELINE = `
push:
  image: docker:latest
  tags: [docker-builder]
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker tag busybox:latest "$CI_REGISTRY_IMAGE/from-job:e2e"
    - docker push "$CI_REGISTRY_IMAGE/from-job:e2e"
    - docker tag busybox:latest "$CI_REGISTRY/dockhand/other/from-job:e2e"
    - if docker push "$CI_REGISTRY/dockhand/other/from-job:e2e"; then exit 7; fi
    - echo "other project denied"
`;

let dir = '';
let repo = '';
let daemon: ChildProcess | undefined;
let daemonLog = '';
let server: RunningServer | undefined;
let registry = '';
const pushed: string[] = [];

/** Asynchronous: the coordinator (the token realm) runs in this process and must keep serving. */
function docker(args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('docker', args, {
      env: { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.end(input ?? '');
    child.on('close', (code) => done({ code, output }));
  });
}

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
    for (const image of [REGISTRY_IMAGE, 'busybox:latest']) {
      if (!(await hasImage(engine, image)))
        throw new Error(`${image} is missing: run scripts/engine-up and the image seed`);
    }
    dir = mkdtempSync(join(tmpdir(), 'dockhand-regtok-e2e-'));
    mkdirSync(join(dir, 'docker-config'), { mode: 0o700 });
    repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gitlab-ci.yml'), 'job:\n  script: [echo hi]\n');
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', [
      ...['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com'],
      ...['commit', '-qm', 'one job'],
    ]);
    const port = await freePort();
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
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: {level: warn}',
        'storage: {filesystem: {rootdirectory: /var/lib/registry}, delete: {enabled: true}}',
        'http: {addr: 0.0.0.0:5000}',
        'auth:',
        '  token:',
        `    realm: ${server.url}/jwt/auth`,
        '    service: container_registry',
        '    issuer: dockhand',
        '    rootcertbundle: /etc/docker/registry/token.crt',
        '',
      ].join('\n'),
    );
    const run = await docker([
      ...['run', '-d', '--name', CONTAINER, '-p', `${registry}:5000`],
      ...['--label', 'dev.dockhand.managed=true'],
      ...['-v', `${join(dir, 'config.yml')}:/etc/docker/registry/config.yml:ro`],
      ...['-v', `${server.files.registryCert}:/etc/docker/registry/token.crt:ro`],
      REGISTRY_IMAGE,
    ]);
    if (run.code !== 0) throw new Error(`registry container: ${run.output}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await fetch(`http://${registry}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) break;
      if (Date.now() > deadline) {
        throw new Error(`registry did not answer: ${(await docker(['logs', CONTAINER])).output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    if (daemon !== undefined) {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
      const ids = (
        await docker(['ps', '-aq', '--filter', `label=${LABELS.pid}=${daemon.pid}`])
      ).output
        .split('\n')
        .filter((id) => id !== '');
      if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
      await docker(['network', 'prune', '-f', '--filter', `label=${LABELS.pid}=${daemon.pid}`]);
      await docker(['volume', 'prune', '-f', '--filter', `label=${LABELS.pid}=${daemon.pid}`]);
    }
    if (dir !== '') {
      for (const ref of pushed) await docker(['rmi', ref]);
      await docker(['rm', '-f', '-v', CONTAINER]);
    }
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

  it('lets a job run by `dockhand run` push to $CI_REGISTRY_IMAGE and not to another project', async () => {
    if (!(await hasImage(engine, 'docker:latest'))) throw new Error('docker:latest is missing');
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('npm run build failed');
    const git = (...args: string[]) =>
      execFileSync('git', [
        '-C',
        repo,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.com',
        ...args,
      ]);
    git('checkout', '-q', '-b', 'push');
    writeFileSync(join(repo, '.gitlab-ci.yml'), PUSH_PIPELINE);
    git('commit', '-qam', 'a pushing job');
    const client = createCoordinatorClient({ url: server?.url ?? '' });
    const reg = await client.register({
      token: readFileSync(server?.files.registrationToken ?? '', 'utf8').trim(),
      description: 'builder',
      tag_list: 'docker-builder',
      run_untagged: false,
    });
    if (reg.kind !== 'registered') throw new Error(`register: ${reg.kind}`);
    const config = join(dir, 'builder.toml');
    writeFileSync(
      config,
      [
        'concurrent = 1',
        'check_interval = 1',
        '[[runners]]',
        '  name = "builder"',
        `  url = "${server?.url ?? ''}"`,
        `  token = "${reg.token}"`,
        '  executor = "docker"',
        '  [runners.docker]',
        '    image = "busybox:latest"',
        '    pull_policy = ["if-not-present"]',
        '    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    daemon = spawn('node', [CLI, 'run', '--config', config], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', HOME: dir, CONFIG_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout?.on('data', (d: Buffer) => (daemonLog += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (daemonLog += d.toString()));
    pushed.push(
      `${registry}/dockhand/demo/from-job:e2e`,
      `${registry}/dockhand/other/from-job:e2e`,
    );

    const admin = readFileSync(server?.files.adminToken ?? '', 'utf8').trim();
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server?.url}/api/dockhand/v1${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      });
      return response;
    };
    const created = (await (
      await api('/projects/demo/pipelines', {
        method: 'POST',
        body: JSON.stringify({ ref: 'push' }),
      })
    ).json()) as { id: number };
    const deadline = Date.now() + 240_000;
    let job: { id: number; status: string } | undefined;
    for (;;) {
      const view = (await (await api(`/pipelines/${created.id}`)).json()) as {
        jobs: { id: number; status: string }[];
      };
      job = view.jobs[0];
      if (job !== undefined && ['success', 'failed', 'canceled'].includes(job.status)) break;
      if (Date.now() > deadline) throw new Error(`the job did not finish:\n${daemonLog}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const trace = stripAnsi(await (await api(`/jobs/${job.id}/trace`)).text());
    expect(job.status, `${trace}\n${daemonLog}`).toBe('success');
    expect(trace).toContain('Login Succeeded');
    expect(trace).toContain('denied: requested access to the resource is denied');
    expect(trace).toContain('other project denied');
    expect(trace).not.toMatch(/glcbt-[A-Za-z0-9_-]{8,}/);
    expect(trace).toMatch(/e2e: digest: sha256:[0-9a-f]{64}/);
  });
});
