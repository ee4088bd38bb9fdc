import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli,
  Cleanup,
  gitRepo,
  localRegistry,
  RegistryApi,
  registryFlags,
  type Registry,
} from '../support/exec-cli.js';
import {
  dockhand,
  GUEST_REGISTRY,
  hostContainersOf,
  machineConfig,
  machineExec,
  machineSkipReason,
  qemuProcessesUnder,
  vmDirs,
} from './machine-support.js';
import { SETUP_2_JOB, SETUP_3_JOB } from '../support/seed-setup-jobs.js';

/**
 * Seed setups 2 and 3 through `dockhand exec` on docker+machine VMs (QEMU driver). The job texts
 * are the setups' own; the config differs in MachineDriver, MachineOptions (the registry forward:
 * the guests' one way out, to the host's registry at 10.0.2.100:5000) and tag_list.
 */

// Probes from a job container in the VM (through the VM engine's NAT, as any job would go).
const NETWORK_JOB = `network-probe:
  image: busybox:latest
  tags: [docker]
  script:
    - 'wget -q -T 5 -O- http://${GUEST_REGISTRY}/v2/ 2>&1 | grep -q 401 && echo "registry: reachable"'
    - 'wget -q -T 5 -O- http://10.0.2.2:22/ || echo "host gateway: unreachable"'
    - 'wget -q -T 5 -O- http://10.0.2.2:5000/v2/ || echo "host registry port via the gateway: unreachable"'
    - 'wget -q -T 5 -O- http://1.1.1.1/ || echo "internet: unreachable"'
`;

const reason = await machineSkipReason();
if (reason !== undefined) console.warn(`docker+machine tier skipped: ${reason}`);

describe.skipIf(reason !== undefined)('seed setups 2 and 3 on docker+machine (QEMU VMs)', () => {
  const cleanup = new Cleanup();
  let registry: Registry;
  let api: RegistryApi;
  let stateRoot = '';

  beforeAll(() => {
    registry = localRegistry();
    api = new RegistryApi(registry);
    buildCli();
    stateRoot = cleanup.tempDir('dockhand-machine-state-');
    // Whatever a failing test left behind: the VMs of this state root go.
    cleanup.add(async () => {
      await dockhand(stateRoot, ['machines', 'rm', '--all']);
    });
  }, 300_000);

  afterAll(() => cleanup.run(), 300_000);

  /** Runs one seed job in a fresh repository and checks everything the setups promise. */
  async function runSetup(
    prefix: string,
    job: string,
    dockerfile: string,
    config: string,
  ): Promise<string> {
    const repo = gitRepo(cleanup, prefix, {
      '.gitlab-ci.yml': job,
      Dockerfile: dockerfile,
      'hello.txt': 'built in a docker+machine VM\n',
    });
    const repository = `local/${repo.split('/').pop()!.toLowerCase()}`;
    cleanup.registryTag(api, repository, 'latest');
    const configFile = join(cleanup.tempDir(`${prefix}config-`), 'config.toml');
    writeFileSync(configFile, config);
    const r = await machineExec(stateRoot, repo, [
      '--config',
      configFile,
      ...registryFlags(registry, GUEST_REGISTRY),
    ]);
    console.log(`${prefix}: dockhand exec took ${r.seconds.toFixed(1)} s`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Preparing the "docker+machine" executor');
    expect(r.stdout).toMatch(
      /Created machine runner-xxxxxxxx-\d+-[0-9a-f]{8}\.myrunner\.yourdomain for this job/,
    );
    expect(r.stdout).toContain('Using Docker executor with image docker ...');
    expect(r.stdout).toMatch(
      /Running on runner-xxxxxxxx-project-\d+-concurrent-0 via runner-xxxxxxxx-\d+-[0-9a-f]{8}\.myrunner\.yourdomain\.\.\./,
    );
    expect(r.stdout).toContain(`Successfully tagged ${GUEST_REGISTRY}/${repository}:latest`);
    expect(r.stdout).toContain('Login Succeeded');
    expect(r.stdout).toMatch(/latest: digest: sha256:[0-9a-f]{64}/);
    expect(r.stdout).not.toContain(registry.password);
    // The image is in the host's registry (checked from the host, with the registry's auth).
    expect(await api.tags(repository)).toEqual(['latest']);
    // The host engine never saw the job: no container of this run came or went there (the
    // engine's event history; other engineers' containers on this shared host do not count).
    expect(r.hostContainersCreated).toEqual([]);
    expect(hostContainersOf(r.pid)).toEqual([]);
    // MaxBuilds = 1: the VM is gone with everything it owned.
    expect(r.stderr).toMatch(/VM runner-xxxxxxxx-\S+ removed \(too many builds\)/);
    expect(vmDirs(stateRoot)).toEqual([]);
    expect(qemuProcessesUnder(stateRoot)).toEqual([]);
    return r.stdout;
  }

  it('setup 2: the job builds, logs in and pushes with the VM engine socket', async () => {
    const out = await runSetup(
      'dockhand-machine-setup2-',
      SETUP_2_JOB,
      'FROM busybox:latest\nCOPY hello.txt /hello.txt\n',
      machineConfig(registry, {
        privileged: false,
        volumes: ['/cache', '/var/run/docker.sock:/var/run/docker.sock'],
      }),
    );
    // busybox:latest comes from the VM engine's baked images, never from a network.
    expect(out).toContain('Step 1/2 : FROM busybox:latest');
  });

  it('setup 3: the job pushes through a privileged docker:dind service inside the VM', async () => {
    const out = await runSetup(
      'dockhand-machine-setup3-',
      SETUP_3_JOB,
      // The dind daemon starts empty and cannot pull before the job logs in: FROM scratch.
      'FROM scratch\nCOPY hello.txt /hello.txt\n',
      machineConfig(registry, {
        privileged: true,
        volumes: ['/cache'],
        // The runner administrator's side: the seeded docker:dind entrypoint passes this to
        // dockerd, which must be told that the forwarded registry speaks plain HTTP. It reaches
        // 10.0.2.100 through the VM's NAT.
        environment: [`DOCKERD_EXTRA_ARGS=--insecure-registry=${GUEST_REGISTRY}`],
      }),
    );
    expect(out).toContain('Starting service docker:dind ...');
  });

  it('a job in the VM reaches the forwarded registry and nothing else', async () => {
    const repo = gitRepo(cleanup, 'dockhand-machine-net-', {
      '.gitlab-ci.yml': NETWORK_JOB,
    });
    const configFile = join(cleanup.tempDir('dockhand-machine-net-config-'), 'config.toml');
    writeFileSync(configFile, machineConfig(registry, { privileged: false, volumes: [] }));
    const r = await machineExec(stateRoot, repo, ['--config', configFile]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('registry: reachable');
    expect(r.stdout).toContain('host gateway: unreachable');
    expect(r.stdout).toContain('host registry port via the gateway: unreachable');
    expect(r.stdout).toContain('internet: unreachable');
    expect(vmDirs(stateRoot)).toEqual([]);
  });

  it('refuses MachineDriver = "virtualbox" with the available drivers (exit 2)', async () => {
    const repo = gitRepo(cleanup, 'dockhand-machine-vbox-', { '.gitlab-ci.yml': SETUP_2_JOB });
    const configFile = join(cleanup.tempDir('dockhand-machine-vbox-config-'), 'config.toml');
    writeFileSync(
      configFile,
      machineConfig(registry, { privileged: false, volumes: [] }).replace(
        'MachineDriver = "qemu"',
        'MachineDriver = "virtualbox"',
      ),
    );
    const r = await machineExec(stateRoot, repo, ['--config', configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'MachineDriver "virtualbox" is a docker-machine driver dockhand does not provide; available drivers: qemu',
    );
    rmSync(join(repo, '.dockhand'), { recursive: true, force: true });
  });
});
