import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage } from '../support/docker.js';
import {
  Cleanup,
  RegistryApi,
  buildCli,
  gitRepo,
  localRegistry,
  registryFlags,
  runExec,
  type Registry,
} from '../support/exec-cli.js';
import { SETUP_3_JOB } from '../support/seed-setup-jobs.js';

/**
 * Seed setup 3's job, verbatim, on the local engine: a privileged docker runner with
 * `volumes = ["/cache"]` starts `docker:dind` as a service and the job's docker client builds,
 * logs in and pushes through it. Only the CI_REGISTRY* values are this machine's.
 *
 * How the dind daemon reaches the registry, without touching the job text, with runner keys
 * GitLab Runner has too (this is the runner administrator's side of a local, plain-HTTP registry):
 * - `network_mode = "dockhand-registry"`: the job's containers join the registry's network
 *   instead of a per-job one, so `registry:5000` resolves in the dind daemon (and service
 *   aliases still work there: it is a user-defined network);
 * - `environment = ["DOCKERD_EXTRA_ARGS=--insecure-registry=registry:5000"]`: runner
 *   environment variables reach services (as in GitLab); the seeded docker:dind entrypoint passes
 *   them to dockerd, which must be told that this registry speaks plain HTTP;
 * - `pull_policy = ["if-not-present"]`: docker and docker:dind exist only locally (the setup's
 *   default `always` would ask Docker Hub).
 */

// The same job shape, asking the daemon it talks to which containers exist.
const INNER_PS = `
inner-docker-ps:
  image: docker
  tags:
    - docker
  services:
    - name: docker:dind
      alias: docker-in-docker
  variables:
    DOCKER_HOST: tcp://docker-in-docker:2375/
  script:
    - 'echo "inner containers: [$(docker ps -aq | tr -d "\\n")]"'
`;

function setupThreeConfig(registry: Registry): string {
  return `concurrent = 1

[[runners]]
  name = "docker-dind"
  url = "https://gitlab.example.com"
  token = "xxxxxxxx"
  executor = "docker"
  tag_list = ["docker"]
  environment = ["DOCKERD_EXTRA_ARGS=--insecure-registry=${registry.internal}"]
  [runners.docker]
    tls_verify = false
    image = "ubuntu"
    privileged = true
    disable_cache = false
    volumes = ["/cache"]
    shm_size = 0
    pull_policy = ["if-not-present"]
    network_mode = "${registry.network}"
  [runners.cache]
`;
}

describeWithEngine('seed setup 3: docker-in-docker service, privileged runner', (engine) => {
  const cleanup = new Cleanup();
  let registry: Registry;
  let api: RegistryApi;
  let repo = '';
  let config = '';
  let appRepository = '';

  beforeAll(async () => {
    cleanup.watchCacheVolumes();
    for (const image of ['docker:latest', 'docker:dind']) {
      if (!(await hasImage(engine, image)))
        throw new Error(`${image} is missing: run the image seed`);
    }
    registry = localRegistry();
    api = new RegistryApi(registry);
    buildCli();
    // The inner daemon starts empty and cannot pull a base image before the job logs in, so the
    // app is built FROM scratch.
    repo = gitRepo(cleanup, 'dockhand-setup3-', {
      '.gitlab-ci.yml': SETUP_3_JOB + INNER_PS,
      Dockerfile: 'FROM scratch\nCOPY hello.txt /hello.txt\n',
      'hello.txt': 'built inside docker-in-docker\n',
    });
    appRepository = `local/${repo.split('/').pop()!.toLowerCase()}`;
    cleanup.registryTag(api, appRepository, 'latest');
    config = join(cleanup.tempDir('dockhand-setup3-config-'), 'config.toml');
    writeFileSync(config, setupThreeConfig(registry));
  }, 600_000);

  afterAll(() => cleanup.run(), 120_000);

  it('builds, logs in and pushes through the dind service; the image lands in the registry', async () => {
    const r = runExec(repo, [
      'image-builder-dind',
      '--config',
      config,
      ...registryFlags(registry, registry.internal),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Starting service docker:dind ...');
    expect(r.stdout).toContain(`Successfully tagged ${registry.internal}/${appRepository}:latest`);
    expect(r.stdout).toContain('Login Succeeded');
    expect(r.stdout).toMatch(/latest: digest: sha256:[0-9a-f]{64}/);
    expect(r.stdout).not.toContain(registry.password);
    expect(await api.tags(appRepository)).toEqual(['latest']);
    // The job's container and its dind service, both created by this run and gone after it.
    expect(r.containersCreated.filter((n) => n.endsWith('-build'))).toHaveLength(1);
    expect(r.containersCreated.filter((n) => /-docker__dind-\d+$/.test(n))).toHaveLength(1);
  });

  it("the inner docker ps does not show the job's own container", () => {
    const r = runExec(repo, ['inner-docker-ps', '--config', config]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('inner containers: []');
    expect(r.containersCreated.some((n) => n.endsWith('-build'))).toBe(true);
  });
});
