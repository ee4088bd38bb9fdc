import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 2's promise: the engine, the registry and the seeded images that every other engine-tier
// test relies on. These tests use the docker CLI on purpose: they check the environment, not
// dockhand's engine code.

const run = promisify(execFile);
const state = process.env['DOCKHAND_STATE_DIR'] ?? '/var/lib/dockhand';
const repoRoot = new URL('../../', import.meta.url).pathname;

async function docker(args: string[], env: NodeJS.ProcessEnv = process.env, input?: string) {
  const child = run('docker', args, { env, maxBuffer: 16 << 20 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

async function engineAnswers(): Promise<boolean> {
  return docker(['version', '--format', '{{.Server.Version}}']).then(
    () => true,
    () => false,
  );
}

const hasEngine = await engineAnswers();
if (!hasEngine)
  console.warn('SKIP environment tests: no Docker engine answers (run scripts/engine-up)');

async function registryEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(state, 'registry/env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe.skipIf(!hasEngine)('engine, registry and seeded images', () => {
  let dockerConfig: string;
  let env: NodeJS.ProcessEnv;
  let registry: Record<string, string>;
  let password: string;

  beforeAll(async () => {
    dockerConfig = await mkdtemp(join(tmpdir(), 'dockhand-test-docker-config-'));
    env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    registry = await registryEnv();
    password = (await readFile(registry['DOCKHAND_REGISTRY_PASSWORD_FILE']!, 'utf8')).trim();
  });

  afterAll(async () => {
    await rm(dockerConfig, { recursive: true, force: true });
  });

  it.each([
    ['busybox:latest', ['sh', '-c', 'echo busybox-ok'], 'busybox-ok'],
    ['debian:bookworm', ['cat', '/etc/debian_version'], '12.'],
    ['docker:latest', ['sh', '-c', 'docker --version && git --version'], 'git version'],
  ])('runs a container from %s', async (image, cmd, expected) => {
    const { stdout } = await docker(['run', '--rm', '--pull', 'never', image, ...cmd]);
    expect(stdout).toContain(expected);
  });

  it('runs docker:dind privileged, reachable by alias over tcp 2375, with the job unseen by its ps', async () => {
    const network = `dockhand-test-dind-${process.pid}`;
    const name = `${network}-daemon`;
    await docker(['network', 'create', '--label', 'dev.dockhand.managed=true', network]);
    try {
      await docker([
        'run',
        '-d',
        '--name',
        name,
        '--privileged',
        '--network',
        network,
        '--network-alias',
        'docker-in-docker',
        '--pull',
        'never',
        'docker:dind',
      ]);
      const script =
        'for i in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done; docker info --format "{{.Driver}}"; docker ps -q | wc -l';
      const { stdout } = await docker([
        'run',
        '--rm',
        '--network',
        network,
        '-e',
        'DOCKER_HOST=tcp://docker-in-docker:2375/',
        '--pull',
        'never',
        'docker:latest',
        'sh',
        '-c',
        script,
      ]);
      const [driver, count] = stdout.trim().split('\n');
      expect(driver).toBe('overlay2');
      expect(count?.trim()).toBe('0');
    } finally {
      await docker(['rm', '-f', '-v', name]).catch(() => undefined);
      await docker(['network', 'rm', network]).catch(() => undefined);
    }
  });

  it('pushes to the registry with authentication and refuses a wrong password', async () => {
    const host = registry['DOCKHAND_REGISTRY']!;
    const user = registry['DOCKHAND_REGISTRY_USER']!;
    const tag = `${host}/dockhand-test/busybox:${process.pid}`;
    await expect(
      docker(['login', host, '-u', user, '--password-stdin'], env, 'not-the-password\n'),
    ).rejects.toThrow(/401|unauthorized/i);
    await docker(['tag', 'busybox:latest', tag]);
    try {
      await expect(docker(['push', tag], env)).rejects.toThrow(
        /no basic auth credentials|unauthorized/i,
      );
      await docker(['login', host, '-u', user, '--password-stdin'], env, `${password}\n`);
      const { stdout } = await docker(['push', tag], env);
      expect(stdout).toMatch(/digest: sha256:[0-9a-f]{64}/);
    } finally {
      await docker(['rmi', tag]).catch(() => undefined);
    }
  });

  it('reaches the registry from a container and from a docker-in-docker daemon', async () => {
    const network = registry['DOCKHAND_REGISTRY_NETWORK']!;
    const internal = registry['DOCKHAND_REGISTRY_INTERNAL']!;
    const fromContainer = await docker([
      'run',
      '--rm',
      '--network',
      network,
      '--pull',
      'never',
      'busybox:latest',
      'sh',
      '-c',
      `wget -S -O- http://${internal}/v2/ 2>&1 || true`,
    ]);
    expect(fromContainer.stdout).toContain('401');
    const name = `dockhand-test-dind-push-${process.pid}`;
    try {
      await docker([
        'run',
        '-d',
        '--name',
        name,
        '--privileged',
        '--network',
        network,
        '--pull',
        'never',
        'docker:dind',
        `--insecure-registry=${internal}`,
      ]);
      const script = [
        'for i in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done',
        'mkdir /ctx && cd /ctx && printf "FROM scratch\\nCOPY x /x\\n" > Dockerfile && echo hi > x',
        `docker build -q -t ${internal}/dockhand-test/from-dind .`,
        `echo "$PW" | docker login -u ${registry['DOCKHAND_REGISTRY_USER']!} --password-stdin ${internal}`,
        `docker push ${internal}/dockhand-test/from-dind`,
      ].join(' && ');
      const { stdout } = await docker([
        'run',
        '--rm',
        '--network',
        network,
        '-e',
        `DOCKER_HOST=tcp://${name}:2375/`,
        '-e',
        `PW=${password}`,
        '--pull',
        'never',
        'docker:latest',
        'sh',
        '-c',
        script,
      ]);
      expect(stdout).toMatch(/digest: sha256:[0-9a-f]{64}/);
    } finally {
      await docker(['rm', '-f', '-v', name]).catch(() => undefined);
    }
  });

  it('running the bring-up again changes nothing', async () => {
    const before = await snapshot();
    const { stderr } = await run(join(repoRoot, 'scripts/engine-up'), [], { env: process.env });
    expect(stderr).toContain('registry ready');
    expect(stderr).not.toMatch(/installing|starting dockerd|starting registry|building/);
    expect(await snapshot()).toEqual(before);
  });
});

/** What a second bring-up must leave exactly as it was. */
async function snapshot() {
  const registry = await docker([
    'inspect',
    '-f',
    '{{.Id}} {{.State.StartedAt}}',
    'dockhand-registry',
  ]);
  const files = [
    'engine/daemon.json',
    'registry/config.yml',
    'registry/htpasswd',
    'registry/password',
    'registry/env',
  ];
  const mtimes = await Promise.all(
    files.map((file) =>
      stat(join(state, file)).then(
        (s) => `${file}:${s.mtimeMs}`,
        () => `${file}:absent`,
      ),
    ),
  );
  const info = await docker(['info', '--format', '{{.ID}} {{.DefaultRuntime}}']);
  return { registry: registry.stdout.trim(), mtimes, engine: info.stdout.trim() };
}
