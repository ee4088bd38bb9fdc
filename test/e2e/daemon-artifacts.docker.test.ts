/**
 * Artifacts through the daemon: a real `dockhand server` (in process) and a real `dockhand run`
 * (the built CLI) on the real engine run a two-job pipeline. Job A writes out/a.txt and uploads
 * it as its artifact; job B needs A, so its runner downloads A's archive from the coordinator
 * into B's project directory before B's script cats the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCoordinatorClient } from '../../src/api/coordinator-client.js';
import { stripAnsi } from '../../src/core/ansi.js';
import { DATA_FILES, startServer, type RunningServer } from '../../src/coordinator/server.js';
import { readZip } from '../../src/executors/artifacts/zip.js';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { removeLeftovers } from '../support/coordinator-harness.js';
import { Cleanup, ROOT, buildCli, gitRepo } from '../support/exec-cli.js';

const PIPELINE = `
produce:
  stage: build
  image: busybox:latest
  script:
    - mkdir -p out
    - echo "made by job A" > out/a.txt
  artifacts:
    paths:
      - out/
    expire_in: 1 day

consume:
  stage: test
  image: busybox:latest
  needs: [produce]
  script:
    - cat out/a.txt
`;

interface JobView {
  readonly id: number;
  readonly name: string;
  readonly status: string;
}

const cleanup = new Cleanup();
let server: RunningServer | undefined;
let daemon: ChildProcess | undefined;
let daemonLog = '';
let admin = '';
let dataDir = '';

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(new URL(`/api/dockhand/v1${path}`, server?.url), {
    ...init,
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${daemonLog}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeWithEngine('dockhand run: artifacts through the coordinator', (engine) => {
  beforeAll(async () => {
    if (!(await hasImage(engine, 'busybox:latest'))) {
      throw new Error('busybox:latest is missing: run scripts/engine-up and the image seed');
    }
    buildCli();
    const repo = gitRepo(cleanup, 'dockhand-artifacts-e2e-', { '.gitlab-ci.yml': PIPELINE });
    const dir = cleanup.tempDir('dockhand-artifacts-e2e-data-');
    dataDir = join(dir, 'server');
    server = await startServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      projects: [{ name: 'demo', path: repo }],
      sweepIntervalMs: 1000,
      tuning: { pollHoldMs: 2000, traceUpdateIntervalS: 1 },
    });
    admin = readFileSync(server.files.adminToken, 'utf8').trim();
    const registration = readFileSync(server.files.registrationToken, 'utf8').trim();
    const registered = await createCoordinatorClient({ url: server.url }).register({
      token: registration,
      description: 'artifacts',
      tag_list: '',
      run_untagged: true,
    });
    if (registered.kind !== 'registered') throw new Error(`registration: ${registered.kind}`);
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      [
        'concurrent = 1',
        'check_interval = 1',
        'shutdown_timeout = 10',
        '[[runners]]',
        '  name = "artifacts"',
        `  url = "${server.url}"`,
        `  token = "${registered.token}"`,
        '  executor = "docker"',
        '  [runners.docker]',
        '    image = "busybox:latest"',
        '    pull_policy = ["if-not-present"]',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    daemon = spawn('node', [join(ROOT, 'bin', 'dockhand.js'), 'run', '--config', config], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', HOME: dir, CONFIG_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout?.on('data', (d: Buffer) => (daemonLog += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (daemonLog += d.toString()));
  }, 300_000);

  afterAll(async () => {
    const pid = daemon?.pid;
    if (daemon !== undefined && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((resolve) => daemon?.once('exit', resolve));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    }
    // The daemon's fetch jobs keep a builds volume (GitLab's default); remove it with the rest.
    await removeLeftovers(pid);
    await server?.close();
    await cleanup.run();
  }, 120_000);

  it("job B gets job A's artifact from the coordinator", async () => {
    const created = await api<{ id: number }>('/projects/demo/pipelines', {
      method: 'POST',
      body: JSON.stringify({ ref: 'main' }),
    });
    const jobs = await waitFor(
      'both jobs to finish',
      async () => {
        const { jobs: list } = await api<{ jobs: JobView[] }>(`/pipelines/${created.id}`);
        const done = list.every((j) => ['success', 'failed', 'canceled'].includes(j.status));
        return list.length === 2 && done ? list : undefined;
      },
      240_000,
    );
    const produce = jobs.find((j) => j.name === 'produce')!;
    const consume = jobs.find((j) => j.name === 'consume')!;
    const logOf = async (job: JobView) => stripAnsi(await api<string>(`/jobs/${job.id}/trace`));
    const producerLog = await logOf(produce);
    const consumerLog = await logOf(consume);
    expect(produce.status, producerLog).toBe('success');
    expect(consume.status, consumerLog).toBe('success');

    expect(producerLog).toContain('Uploading artifacts for successful job');
    expect(producerLog).toMatch(/out\/: found \d+ matching artifact files and directories/);
    expect(producerLog).toMatch(
      new RegExp(
        `Uploading artifacts as "archive" to coordinator\\.\\.\\. 201 Created  id=${produce.id} responseStatus=201 Created token=\\S+`,
      ),
    );
    expect(consumerLog).toContain(`Downloading artifacts for produce (${produce.id})...`);
    expect(consumerLog).toMatch(
      new RegExp(
        `Downloading artifacts from coordinator\\.\\.\\. ok  id=${produce.id} responseStatus=200 OK token=\\S+`,
      ),
    );
    expect(consumerLog).toContain('made by job A');
    // No job token in either log.
    expect(`${producerLog}${consumerLog}`).not.toMatch(/glcbt-[A-Za-z0-9_-]{20,}/);

    // The coordinator holds A's archive: a zip with out/a.txt.
    const stored = readFileSync(join(dataDir, DATA_FILES.artifacts, `${produce.id}.bin`));
    const entries = readZip(stored);
    const file = entries.find((e) => e.path === 'out/a.txt');
    expect(file && Buffer.from(file.data).toString()).toBe('made by job A\n');
  });
});
