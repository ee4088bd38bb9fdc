import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import {
  Cleanup,
  RegistryApi,
  ROOT,
  buildCli,
  docker,
  gitRepo,
  localRegistry,
  loginConfig,
  pushImage,
  randomName,
  registryFlags,
  runExec,
  type Registry,
} from '../support/exec-cli.js';

/**
 * Seed setup 1 (shared/reference/seed-setups.md) end to end through `dockhand exec`: the builder
 * image of examples/builder/builder (FROM docker, shell-form ENTRYPOINT that builds, logs in and
 * pushes), kept in the local registry and pulled with the setup's default pull policy (`always`)
 * using the job's registry credential from `--registry-user/--registry-password-file`; the
 * runner of setup 1 with the host socket and allowed_images restricted to the builder.
 */

const APP_DIR = join(ROOT, 'examples', 'builder', 'app');

function setupOneConfig(builderRepository: string, extra = ''): string {
  return `concurrent = 1

[[runners]]
  name = "docker-builder"
  url = "https://gitlab.example.com/"
  token = "xxxxxxxx"
  executor = "docker"
  tag_list = ["docker-builder"]
  [runners.docker]
    tls_verify = false
    image = "ubuntu"
    privileged = false
    disable_cache = false
    volumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock"]
    shm_size = 0
    allowed_images = ["${builderRepository}:*"]
${extra}  [runners.cache]
`;
}

function pipeline(builder: string): string {
  return `build-myapp:
  image: ${builder}
  tags:
    - docker-builder
  script:
    - echo "This is never executed."

image-builder-mallory:
  image:
    name: ${builder}
    entrypoint: ["/bin/sh", "-c"]
  tags:
    - docker-builder
  script:
    - docker ps
`;
}

describeWithEngine('seed setup 1: targeted builder image on the host socket', (engine) => {
  const cleanup = new Cleanup();
  let registry: Registry;
  let api: RegistryApi;
  let repo = '';
  let config = '';
  let builder = '';
  let appRepository = '';

  beforeAll(async () => {
    cleanup.watchCacheVolumes();
    for (const image of ['docker:latest', 'busybox:latest']) {
      if (!(await hasImage(engine, image)))
        throw new Error(`${image} is missing: run the image seed`);
    }
    registry = localRegistry();
    api = new RegistryApi(registry);
    buildCli();
    const namespace = randomName('dockhand-e2e');
    const builderRepository = `${registry.host}/${namespace}/docker-builder`;
    builder = `${builderRepository}:latest`;
    cleanup.imagesUnder(`${registry.host}/${namespace}/`);
    docker('build', '-q', '-t', builder, join(ROOT, 'examples', 'builder', 'builder'));
    cleanup.registryTag(api, `${namespace}/docker-builder`, 'latest');
    pushImage(builder, loginConfig(registry, cleanup));
    // Only the registry copy counts: the job pulls it (pull_policy always, the setup's default).
    docker('rmi', builder);

    const files = Object.fromEntries(
      ['Dockerfile', 'hello.txt'].map((f) => [f, readFileSync(join(APP_DIR, f), 'utf8')]),
    );
    repo = gitRepo(cleanup, 'dockhand-setup1-', { ...files, '.gitlab-ci.yml': pipeline(builder) });
    const project = repo.split('/').pop()!.toLowerCase();
    appRepository = `local/${project}`;
    cleanup.imagesUnder(`${registry.host}/${appRepository}`);
    cleanup.registryTag(api, appRepository, 'latest');
    const dir = cleanup.tempDir('dockhand-setup1-config-');
    config = join(dir, 'config.toml');
    writeFileSync(config, setupOneConfig(builderRepository));
    writeFileSync(
      join(dir, 'open.toml'),
      setupOneConfig(builderRepository, '    disable_entrypoint_overwrite = false\n'),
    );
  }, 600_000);

  afterAll(() => cleanup.run(), 120_000);

  it('build-myapp: the entrypoint builds and pushes; the script never runs', async () => {
    expect(await api.tags(appRepository)).toEqual([]);
    const r = runExec(repo, ['build-myapp', '--config', config, ...registryFlags(registry)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Using effective pull policy of [always] for container ${builder}`);
    expect(r.stdout).toContain(`Pulling docker image ${builder} ...`);
    expect(r.stdout).toContain(`Successfully tagged ${registry.host}/${appRepository}:latest`);
    expect(r.stdout).toContain('Login Succeeded');
    expect(r.stdout).toMatch(/latest: digest: sha256:[0-9a-f]{64}/);
    expect(r.stdout).toContain('Job succeeded');
    // The shell would print `$ echo "This is never executed."` before running it, and then the
    // text itself: neither appears, because the builder's ENTRYPOINT ignores the command.
    expect(r.stdout).not.toContain('This is never executed.');
    expect(r.stdout).not.toContain(registry.password);
    expect(await api.tags(appRepository)).toEqual(['latest']);
    expect(r.containersCreated.some((name) => name.endsWith('-build'))).toBe(true);
  });

  it('image-builder-mallory: refused before any container, naming job, runner and key', () => {
    const r = runExec(repo, [
      'image-builder-mallory',
      '--config',
      config,
      ...registryFlags(registry),
    ]);
    expect(r.code).toBe(1);
    const refusal = r.stdout.split('\n').find((line) => line.startsWith('ERROR: Job failed:'));
    expect(refusal).toBeDefined();
    expect(refusal).toContain('job "image-builder-mallory"');
    expect(refusal).toContain('runner "docker-builder"');
    expect(refusal).toContain('disable_entrypoint_overwrite');
    expect(r.stdout).not.toContain('Pulling docker image');
    expect(r.stdout).not.toContain('$ docker ps');
    expect(r.containersCreated).toEqual([]);
  });

  it('image-builder-mallory with disable_entrypoint_overwrite = false runs, with a warning', () => {
    const open = join(config, '..', 'open.toml');
    const r = runExec(repo, [
      'image-builder-mallory',
      '--config',
      open,
      ...registryFlags(registry),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /WARNING: job "image-builder-mallory" overrides the entrypoint of its image .*: runner "docker-builder" sets disable_entrypoint_overwrite = false, so allowed_images does not limit what runs/,
    );
    // `docker ps` ran against the host's engine: it lists the job's own container and the
    // registry, which is exactly the hole the default lock closes.
    expect(r.stdout).toContain('$ docker ps\nCONTAINER ID');
    expect(r.stdout).toContain('dockhand-registry');
    expect(r.stderr).toContain('disable_entrypoint_overwrite');
  });
});
