import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCoordinatorClient } from '../../src/api/coordinator-client.js';
import { stripAnsi } from '../../src/core/ansi.js';
import { LABELS } from '../../src/core/labels.js';
import { startServer, type RunningServer } from '../../src/coordinator/server.js';
import { describeWithEngine, hasImage } from '../support/docker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin', 'dockhand.js');
const REGISTRY_ENV = '/var/lib/dockhand/registry/env';
const LOST_AFTER_MS = 15_000;

const PIPELINE = `
stages: [build]

build-image:
  stage: build
  image: docker:latest
  tags: [docker-builder]
  script:
    - docker build -q -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
    - echo "pushed $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"

tagged:
  stage: build
  image: busybox:latest
  tags: [docker]
  script:
    - printf '\\033[32mgreen from %s\\033[0m\\n' "$CI_JOB_NAME"
    - echo "<script>alert(1)</script>"
    - cat README.md
`;

const SLOW_PIPELINE = `
slow:
  image: busybox:latest
  tags: [docker]
  script:
    - echo "before the kill"
    - for i in $(seq 1 300); do echo "tick $i"; sleep 1; done
`;

interface Registry {
  readonly host: string;
  readonly user: string;
  readonly password: string;
}

function readRegistry(): Registry | undefined {
  if (!existsSync(REGISTRY_ENV)) return undefined;
  const env = Object.fromEntries(
    readFileSync(REGISTRY_ENV, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const file = env['DOCKHAND_REGISTRY_PASSWORD_FILE'];
  if (file === undefined || !existsSync(file)) return undefined;
  return {
    host: env['DOCKHAND_REGISTRY'] ?? '127.0.0.1:5000',
    user: env['DOCKHAND_REGISTRY_USER'] ?? 'dockhand',
    password: readFileSync(file, 'utf8').trim(),
  };
}

let dir = '';
let repo = '';
let server: RunningServer | undefined;
let admin = '';
const daemons = new Map<string, { child: ChildProcess; log: () => string }>();

function git(...args: string[]): void {
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(new URL(`/api/dockhand/v1${path}`, server?.url), {
    ...init,
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

interface JobView {
  id: number;
  name: string;
  status: string;
  runner_id: number | null;
  failure_reason: string | null;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function jobsOf(pipelineId: number): Promise<JobView[]> {
  return (await api<{ jobs: JobView[] }>(`/pipelines/${pipelineId}`)).jobs;
}

async function registerRunner(name: string, tags: string): Promise<string> {
  const token = readFileSync(server?.files.registrationToken ?? '', 'utf8').trim();
  const result = await createCoordinatorClient({ url: server?.url ?? '' }).register({
    token,
    description: name,
    tag_list: tags,
    run_untagged: false,
  });
  if (result.kind !== 'registered') throw new Error(`registration of ${name}: ${result.kind}`);
  return result.token;
}

function startDaemon(name: string, tags: string, token: string, volumes: string[]): void {
  const config = join(dir, `${name}.toml`);
  writeFileSync(
    config,
    `concurrent = 1
check_interval = 1
shutdown_timeout = 10

[[runners]]
  name = "${name}"
  url = "${server?.url ?? ''}"
  token = "${token}"
  executor = "docker"
  tag_list = [${tags
    .split(',')
    .map((t) => `"${t}"`)
    .join(', ')}]
  [runners.docker]
    image = "busybox:latest"
    pull_policy = ["if-not-present"]
    volumes = [${volumes.map((v) => `"${v}"`).join(', ')}]
`,
    { mode: 0o600 },
  );
  const child = spawn('node', [CLI, 'run', '--config', config], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', HOME: dir, CONFIG_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  daemons.set(name, { child, log: () => output });
}

function removeLeftovers(pid: number | undefined): void {
  if (pid === undefined) return;
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.pid}=${pid}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((id) => id !== '');
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'prune', '-f', '--filter', `label=${LABELS.pid}=${pid}`], {
    stdio: 'ignore',
  });
  spawnSync('docker', ['volume', 'prune', '-f', '--filter', `label=${LABELS.pid}=${pid}`], {
    stdio: 'ignore',
  });
}

const registry = readRegistry();

describeWithEngine(
  'dockhand server + two dockhand run daemons (built CLI, real engine)',
  (engine) => {
    beforeAll(async () => {
      for (const image of ['busybox:latest', 'docker:latest']) {
        if (!(await hasImage(engine, image)))
          throw new Error(`${image} is missing: run the image seed`);
      }
      if (registry === undefined)
        throw new Error(`no registry: run scripts/engine-up (${REGISTRY_ENV})`);
      spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
      if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
        throw new Error('npm run build failed');
      dir = mkdtempSync(join(tmpdir(), 'dockhand-coord-e2e-'));
      repo = join(dir, 'demo');
      execFileSync('git', ['init', '-q', '-b', 'main', repo]);
      writeFileSync(join(repo, '.gitlab-ci.yml'), PIPELINE);
      writeFileSync(join(repo, 'README.md'), 'readme from the pushed commit\n');
      writeFileSync(join(repo, 'Dockerfile'), 'FROM busybox:latest\nCOPY README.md /README.md\n');
      git('add', '-A');
      git('commit', '-qm', 'builder and tagged jobs');
      server = await startServer({
        dataDir: join(dir, 'server'),
        host: '127.0.0.1',
        port: 0,
        projects: [{ name: 'demo', path: repo }],
        sweepIntervalMs: 1000,
        tuning: { pollHoldMs: 5000, lostRunnerAfterMs: LOST_AFTER_MS, traceUpdateIntervalS: 1 },
      });
      admin = readFileSync(server.files.adminToken, 'utf8').trim();
      const builderToken = await registerRunner('builder', 'docker-builder');
      const plainToken = await registerRunner('plain', 'docker');
      startDaemon('builder', 'docker-builder', builderToken, [
        '/var/run/docker.sock:/var/run/docker.sock',
      ]);
      startDaemon('plain', 'docker', plainToken, []);
    }, 300_000);

    afterAll(async () => {
      for (const { child } of daemons.values()) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        removeLeftovers(child.pid);
      }
      await server?.close();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('runs each job on the runner with its tag, and shows the full logs in the page', async () => {
      const created = await api<{ id: number }>('/projects/demo/pipelines', {
        method: 'POST',
        body: JSON.stringify({
          ref: 'main',
          variables: {
            CI_REGISTRY: registry?.host,
            CI_REGISTRY_IMAGE: `${registry?.host}/dockhand/coordinator-e2e`,
            CI_REGISTRY_USER: registry?.user,
            CI_REGISTRY_PASSWORD: registry?.password,
          },
        }),
      });
      const jobs = await waitFor(
        'both jobs to finish',
        async () => {
          const list = await jobsOf(created.id);
          return list.every((j) => ['success', 'failed', 'canceled'].includes(j.status))
            ? list
            : undefined;
        },
        240_000,
      );
      const runners = await api<{ id: number; description: string }[]>('/runners');
      const runnerOf = (job: JobView) => runners.find((r) => r.id === job.runner_id)?.description;
      const expectations = { 'build-image': 'builder', tagged: 'plain' } as const;
      for (const job of jobs) {
        const trace = await api<string>(`/jobs/${job.id}/trace`);
        const plain = stripAnsi(trace);
        const onRunner = expectations[job.name as keyof typeof expectations];
        expect(job.status, `${job.name}:\n${plain}\n${daemons.get(onRunner)?.log() ?? ''}`).toBe(
          'success',
        );
        expect(runnerOf(job)).toBe(onRunner);
        expect(plain).toMatch(new RegExp(`\\n  on ${onRunner} [A-Za-z0-9_-]{1,9}\\n`));
        expect(plain).toContain('Job succeeded');
        expect(trace).not.toContain(registry?.password ?? 'never');

        const page = await (await fetch(new URL(`/jobs/${job.id}`, server?.url))).text();
        expect(page).toContain(`Job #${job.id} ${job.name}`);
        expect(page).toContain('status-success');
        expect(page).not.toContain(registry?.password ?? 'never');
        expect(page).toContain(`on ${onRunner} `);
        expect(page).toContain('Job succeeded');
      }
      const tagged = jobs.find((j) => j.name === 'tagged');
      const taggedPage = await (await fetch(new URL(`/jobs/${tagged?.id}`, server?.url))).text();
      expect(taggedPage).toContain('<span class="term-fg-green">green from tagged</span>');
      expect(taggedPage).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(taggedPage).toContain('readme from the pushed commit');
      expect(taggedPage).toContain('<details class="section" open data-section="step_script">');

      const build = jobs.find((j) => j.name === 'build-image');
      const buildPage = await (await fetch(new URL(`/jobs/${build?.id}`, server?.url))).text();
      expect(buildPage).toContain(`pushed ${registry?.host}/dockhand/coordinator-e2e:`);
      const auth = Buffer.from(`${registry?.user}:${registry?.password}`).toString('base64');
      const tags = await fetch(`http://${registry?.host}/v2/dockhand/coordinator-e2e/tags/list`, {
        headers: { Authorization: `Basic ${auth}` },
      });
      expect(tags.status).toBe(200);
      const sha = execFileSync('git', ['-C', repo, 'rev-parse', '--short=8', 'HEAD'], {
        encoding: 'utf8',
      }).trim();
      expect(((await tags.json()) as { tags: string[] }).tags).toContain(sha);
      spawnSync('docker', ['rmi', `${registry?.host}/dockhand/coordinator-e2e:${sha}`], {
        stdio: 'ignore',
      });

      const pipelinePage = await (
        await fetch(new URL(`/pipelines/${created.id}`, server?.url))
      ).text();
      expect(pipelinePage).toContain('build-image');
      expect(pipelinePage).toContain('builder');
      expect(pipelinePage).not.toContain(admin);
    }, 300_000);

    it('fails the job of a runner killed mid-job after the lost-runner timeout, keeping its trace', async () => {
      git('checkout', '-q', '-b', 'slow');
      writeFileSync(join(repo, '.gitlab-ci.yml'), SLOW_PIPELINE);
      git('commit', '-qam', 'a slow job');
      const created = await api<{ id: number }>('/projects/demo/pipelines', {
        method: 'POST',
        body: JSON.stringify({ ref: 'slow' }),
      });
      const job = await waitFor(
        'the slow job to print',
        async () => {
          const found = (await jobsOf(created.id))[0];
          if (found?.status !== 'running') return undefined;
          const trace = await api<string>(`/jobs/${found.id}/trace`);
          return trace.includes('tick 2') ? found : undefined;
        },
        120_000,
      );
      const plain = daemons.get('plain');
      plain?.child.kill('SIGKILL');
      const killedAt = Date.now();
      const sent = stripAnsi(await api<string>(`/jobs/${job.id}/trace`));
      const failed = await waitFor(
        'the coordinator to fail the job',
        async () => {
          const found = (await jobsOf(created.id))[0];
          return found?.status === 'failed' ? found : undefined;
        },
        LOST_AFTER_MS + 30_000,
      );
      expect(Date.now() - killedAt).toBeGreaterThan(LOST_AFTER_MS - 3000);
      expect(failed.failure_reason).toBe('runner_system_failure');
      const kept = stripAnsi(await api<string>(`/jobs/${job.id}/trace`));
      expect(kept.startsWith(sent.slice(0, sent.lastIndexOf('\n')))).toBe(true);
      expect(kept).toContain('before the kill');
      expect(kept).toContain('  on plain ');
      const page = await (await fetch(new URL(`/jobs/${job.id}`, server?.url))).text();
      expect(page).toContain('status-failed');
      expect(page).toContain('before the kill');
      removeLeftovers(plain?.child.pid);
    }, 300_000);

    it('stops a daemon on SIGTERM', async () => {
      const builder = daemons.get('builder');
      const exited = new Promise<number | null>((done) => builder?.child.once('exit', done));
      builder?.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(builder?.log()).toContain('SIGTERM: aborting the running jobs and stopping');
    }, 60_000);
  },
);
