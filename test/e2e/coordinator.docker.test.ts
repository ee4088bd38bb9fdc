/**
 * Issue 9's end to end: `dockhand server` with a real registry using its token auth, and two
 * `dockhand run` daemons (built CLI) with different tags on the real engine. A `git push` over
 * HTTP creates the project and starts its pipeline: seed setup 1's builder job (host socket,
 * allowed_images, shell-form entrypoint that builds, logs in and pushes) and seed setup 3's job
 * (privileged runner, docker:dind service). Both push with the per-job credentials the
 * coordinator issues; the dind job is denied another project's repository; the logs are read
 * from the page. Then a runner is killed mid-job.
 *
 * The network: the test creates a docker network; the registry joins it as `registry` (and is
 * published on a loopback port for the host's engine), and the coordinator serves its token
 * realm on that network's gateway (`registry.realmListen`), the one address both the host's
 * engine and a dind daemon on the network reach. The dind runner puts its jobs on that network
 * (`network_mode`), tells its dockerd the registry speaks plain HTTP, and names the registry as
 * containers reach it in its pre_build_script (the coordinator has one address, the host's).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stripAnsi } from '../../src/core/ansi.js';
import { DATA_FILES, startServer, type RunningServer } from '../../src/coordinator/server.js';
import { CoordinatorHarness, removeLeftovers, waitFor } from '../support/coordinator-harness.js';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { Cleanup, ROOT, buildCli, docker } from '../support/exec-cli.js';
import { SETUP_3_JOB } from '../support/seed-setup-jobs.js';
import {
  TOKEN_REGISTRY_IMAGE,
  freeLoopbackPort,
  startTokenRegistry,
  type TokenRegistry,
} from '../support/token-registry.js';

const LOST_AFTER_MS = 15_000;
const NETWORK = `dockhand-coord-e2e-${process.pid}`;
const BUILDER = `coordinator-e2e/docker-builder:${process.pid}`;

// Setup 1's project job: the script never runs, the builder's entrypoint does the work.
const SETUP_1_JOB = `build-myapp:
  image: ${BUILDER}
  tags:
    - docker-builder
  script:
    - echo "This is never executed."
`;

// Setup 3's job as users write it, plus a push to another project's repository that the job's
// token must not be allowed. The registry address containers use comes from the runner's
// pre_build_script (below), not from the job.
const DIND_JOB =
  SETUP_3_JOB.concat(`    - docker tag \${CI_REGISTRY_IMAGE} \${CI_REGISTRY}/dockhand/other:from-demo
    - if docker push \${CI_REGISTRY}/dockhand/other:from-demo; then exit 7; fi
    - echo "push to another project denied"
`);

// The coordinator hands every job one registry address, the host's loopback one; a dind daemon
// on the test network reaches the registry by its name there. The dind runner's admin rewrites
// the address in the job's shell, as GitLab Runner's pre_build_script allows (its image under
// the project's path, apart from setup 1's).
const DIND_PRE_BUILD =
  'export CI_REGISTRY=registry:5000 CI_REGISTRY_IMAGE="registry:5000/$CI_PROJECT_PATH/dind"';

const SLOW_PIPELINE = `
slow:
  image: busybox:latest
  tags: [docker]
  script:
    - echo "before the kill"
    - for i in $(seq 1 300); do echo "tick $i"; sleep 1; done
`;

const cleanup = new Cleanup();
let server: RunningServer | undefined;
let registry: TokenRegistry | undefined;
let harness: CoordinatorHarness;

// Seed setup 1's runner (host socket, allowed_images), and setup 3's (privileged, /cache only)
// with the local registry's two runner-side keys (docs/registry-in-local-runs.md).
async function startDaemon(name: string, tag: string, docker: string[]): Promise<void> {
  const token = await harness.registerRunner(name, tag);
  const config = [
    'concurrent = 1',
    'check_interval = 1',
    'shutdown_timeout = 10',
    '',
    '[[runners]]',
    `  name = "${name}"`,
    `  url = "${server?.url ?? ''}"`,
    `  token = "${token}"`,
    '  executor = "docker"',
    ...(tag === 'docker'
      ? [
          '  environment = ["DOCKERD_EXTRA_ARGS=--insecure-registry=registry:5000"]',
          `  pre_build_script = '${DIND_PRE_BUILD}'`,
        ]
      : []),
    '  [runners.docker]',
    '    tls_verify = false',
    '    pull_policy = ["if-not-present"]',
    ...docker.map((line) => `    ${line}`),
    '',
  ].join('\n');
  harness.startDaemon(name, config);
}

describeWithEngine('dockhand server + token-auth registry + two dockhand run daemons', (engine) => {
  beforeAll(async () => {
    cleanup.watchCacheVolumes();
    for (const image of ['busybox:latest', 'docker:latest', 'docker:dind', TOKEN_REGISTRY_IMAGE]) {
      if (!(await hasImage(engine, image)))
        throw new Error(`${image} is missing: run scripts/engine-up and the image seed`);
    }
    expect(DIND_JOB.startsWith(SETUP_3_JOB)).toBe(true);
    buildCli();
    docker('build', '-q', '-t', BUILDER, join(ROOT, 'examples', 'builder', 'builder'));
    cleanup.image(BUILDER);
    docker('network', 'create', '--label', 'dev.dockhand.managed=true', NETWORK);
    cleanup.add(() => void spawnSync('docker', ['network', 'rm', NETWORK], { stdio: 'ignore' }));
    const gateway = docker(
      ...['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', NETWORK],
    ).trim();

    const dir = cleanup.tempDir('dockhand-coord-e2e-data-');
    const port = await freeLoopbackPort();
    server = await startServer({
      dataDir: join(dir, 'server'),
      host: '127.0.0.1',
      port: 0,
      projects: [],
      registry: { host: `127.0.0.1:${port}`, realmListen: { host: gateway, port: 0 } },
      sweepIntervalMs: 1000,
      tuning: { pollHoldMs: 5000, lostRunnerAfterMs: LOST_AFTER_MS, traceUpdateIntervalS: 1 },
    });
    harness = new CoordinatorHarness(server, dir);
    expect(server.registryRealm).toMatch(new RegExp(`^http://${gateway}:\\d+/jwt/auth$`));
    registry = await startTokenRegistry({
      dir,
      name: `${NETWORK}-registry`,
      port,
      realm: server.registryRealm ?? '',
      certFile: server.files.registryCert,
      keyFile: join(dir, 'server', DATA_FILES.registryKey),
      network: { name: NETWORK, alias: 'registry' },
    });
    cleanup.imagesUnder(`${registry.host}/`);
    await startDaemon('builder', 'docker-builder', [
      'privileged = false',
      'volumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock"]',
      'allowed_images = ["coordinator-e2e/docker-builder:*"]',
    ]);
    await startDaemon('dind', 'docker', [
      'privileged = true',
      'volumes = ["/cache"]',
      `network_mode = "${NETWORK}"`,
    ]);
  }, 300_000);

  afterAll(async () => {
    await harness?.stopDaemons();
    await server?.close();
    await registry?.remove();
    await cleanup.run();
  }, 120_000);

  it('runs each job on its runner; each pushes with its own token, only to its project; logs in the page', async () => {
    // The project is created by its first push, as on GitLab. The inner daemon starts empty and
    // cannot pull a base image: the app is built FROM scratch.
    const created = await harness.push('demo', 'main', {
      '.gitlab-ci.yml': `${SETUP_1_JOB}\n${DIND_JOB}`,
      Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n',
      'hello.txt': 'built by a job of dockhand server\n',
    });
    const jobs = await waitFor(
      'both jobs to finish',
      async () => {
        const list = await harness.jobsOf(created.id);
        const done = ['success', 'failed', 'canceled'];
        return list.every((j) => done.includes(j.status)) ? list : undefined;
      },
      240_000,
    );
    const runners = await harness.api<{ id: number; description: string }[]>('/runners');
    const expected = { 'build-myapp': 'builder', 'image-builder-dind': 'dind' } as const;
    expect(jobs.map((j) => j.name).sort()).toEqual(Object.keys(expected));
    const logs = new Map<string, string>();
    for (const job of jobs) {
      const onRunner = expected[job.name as keyof typeof expected];
      const trace = stripAnsi(await harness.trace(job.id));
      logs.set(job.name, trace);
      expect(
        job.status,
        `${job.name}:\n${trace}\n${harness.daemons.get(onRunner)?.log() ?? ''}`,
      ).toBe('success');
      expect(runners.find((r) => r.id === job.runner_id)?.description).toBe(onRunner);
      expect(trace).toMatch(new RegExp(`\\n  on ${onRunner} [A-Za-z0-9_-]{1,9}\\n`));
      // Logged in with the coordinator's per-job credential (the pipeline has no variables).
      expect(trace).toContain('Login Succeeded');
      expect(trace).toMatch(/latest: digest: sha256:[0-9a-f]{64}/);
      expect(trace).toContain('Job succeeded');
      expect(trace).not.toMatch(/glcbt-[A-Za-z0-9_-]{8,}/);

      // The whole log, as the page renders it (HTML-escaped, sections).
      const html = await harness.page(`/jobs/${job.id}`);
      expect(html).toContain(`Job #${job.id} ${job.name}`);
      expect(html).toContain('status-success');
      expect(html).toContain(`on ${onRunner} `);
      for (const line of ['Login Succeeded', 'Job succeeded']) expect(html).toContain(line);
      expect(html).not.toMatch(/glcbt-[A-Za-z0-9_-]{8,}/);
    }
    const setup1 = logs.get('build-myapp') ?? '';
    expect(setup1).not.toContain('This is never executed.');
    expect(setup1).toContain(`Successfully tagged ${registry?.host}/dockhand/demo:latest`);
    const dind = logs.get('image-builder-dind') ?? '';
    expect(dind).toContain('Starting service docker:dind ...');
    expect(dind).toContain('Successfully tagged registry:5000/dockhand/demo/dind:latest');
    expect(dind).toContain('denied: requested access to the resource is denied');
    expect(dind).toContain('push to another project denied');
    const dindJob = jobs.find((j) => j.name === 'image-builder-dind');
    const dindPage = await harness.page(`/jobs/${dindJob?.id}`);
    expect(dindPage).toContain('<details class="section" open data-section="step_script">');
    expect(dindPage).toContain('push to another project denied');

    expect(await registry?.tags('dockhand/demo')).toEqual(['latest']);
    expect(await registry?.tags('dockhand/demo/dind')).toEqual(['latest']);
    expect(await registry?.tags('dockhand/other')).toEqual([]);
    const pipelinePage = await harness.page(`/pipelines/${created.id}`);
    expect(pipelinePage).toContain('build-myapp');
    expect(pipelinePage).toContain('image-builder-dind');
    expect(harness.containsAdminToken(pipelinePage)).toBe(false);
  }, 300_000);

  it('fails the job of a runner killed mid-job after the lost-runner timeout, keeping its trace', async () => {
    const created = await harness.push('demo', 'slow', { '.gitlab-ci.yml': SLOW_PIPELINE });
    const job = await waitFor(
      'the slow job to print',
      async () => {
        const found = (await harness.jobsOf(created.id))[0];
        if (found?.status !== 'running') return undefined;
        const trace = await harness.trace(found.id);
        return trace.includes('tick 2') ? found : undefined;
      },
      120_000,
    );
    const killed = harness.daemons.get('dind');
    killed?.child.kill('SIGKILL');
    const killedAt = Date.now();
    const sent = stripAnsi(await harness.trace(job.id));
    const failed = await waitFor(
      'the coordinator to fail the job',
      async () => {
        const found = (await harness.jobsOf(created.id))[0];
        return found?.status === 'failed' ? found : undefined;
      },
      LOST_AFTER_MS + 30_000,
    );
    expect(Date.now() - killedAt).toBeGreaterThan(LOST_AFTER_MS - 3000);
    expect(failed.failure_reason).toBe('runner_system_failure');
    const kept = stripAnsi(await harness.trace(job.id));
    expect(kept.startsWith(sent.slice(0, sent.lastIndexOf('\n')))).toBe(true);
    expect(kept).toContain('before the kill');
    expect(kept).toContain('  on dind ');
    const html = await harness.page(`/jobs/${job.id}`);
    expect(html).toContain('status-failed');
    expect(html).toContain('before the kill');
    await removeLeftovers(killed?.child.pid);
  }, 300_000);

  it('stops a daemon on SIGTERM', async () => {
    const builder = harness.daemons.get('builder');
    const exited = new Promise<number | null>((done) => builder?.child.once('exit', done));
    builder?.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(builder?.log()).toContain('SIGTERM: aborting the running jobs and stopping');
  }, 60_000);
});
