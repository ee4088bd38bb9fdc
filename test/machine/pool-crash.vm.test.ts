import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngine } from '../../src/engine/http-engine.js';
import { DockerExecutorProvider } from '../../src/executors/docker/provider.js';
import { defaultDockerSettings } from '../../src/executors/docker/settings.js';
import { QemuDriver } from '../../src/executors/machine/drivers/qemu.js';
import { MachinePool } from '../../src/executors/machine/pool.js';
import { machineId, PoolRunner } from '../../src/executors/machine/pool-runner.js';
import { MachineExecutorProvider } from '../../src/executors/machine/provider.js';
import { isQemuOf } from '../../src/executors/machine/qemu/qemu-process.js';
import { RecordingLog, testJob } from '../support/jobs.js';
import { buildCli, Cleanup, gitRepo, localRegistry } from '../support/exec-cli.js';
import {
  CACHE_DIR,
  dockhand,
  hostContainersOf,
  machineConfig,
  machineExecAsync,
  machineSkipReason,
  portOpen,
  qemuProcessesUnder,
  vmDirs,
  vmRecord,
} from './machine-support.js';

const reason = await machineSkipReason();
if (reason !== undefined) console.warn(`docker+machine tier skipped: ${reason}`);

describe.skipIf(reason !== undefined)('docker+machine pool and crash recovery (QEMU VMs)', () => {
  const cleanup = new Cleanup();
  let stateRoot = '';

  beforeAll(() => {
    buildCli();
    stateRoot = cleanup.tempDir('dockhand-machine-pool-');
    cleanup.add(async () => {
      await dockhand(stateRoot, ['machines', 'rm', '--all']);
    });
  }, 300_000);

  afterAll(() => cleanup.run(), 300_000);

  it('IdleCount = 1 keeps a warm VM; a job takes it; MaxBuilds = 1 replaces it', async () => {
    const stateDir = join(stateRoot, 'machines');
    const driver = new QemuDriver({ stateDir, cacheDir: CACHE_DIR });
    const pool = new MachinePool(
      {
        idleCount: 1,
        idleCountMin: 0,
        idleScaleFactor: 0,
        idleTimeSeconds: 600,
        maxBuilds: 1,
        maxGrowthRate: 0,
        limit: 0,
        autoscaling: [],
        machineName: '%s.pooltest',
        shortToken: 'pooltest1',
      },
      { now: () => Date.now() },
      () => machineId(),
    );
    const runner = new PoolRunner(pool, driver);
    cleanup.add(() => runner.shutdown());
    const provider = new MachineExecutorProvider({
      pool: runner,
      connect: (endpoint) => new HttpEngine(endpoint),
      docker: (engine, vm) =>
        new DockerExecutorProvider(engine, {
          ...defaultDockerSettings('busybox:latest'),
          pull_policy: ['if-not-present'],
          runnerHost: vm.name,
        }),
    });

    await runner.start();
    await runner.settle();
    const [warm, ...others] = await driver.list();
    expect(others).toEqual([]);
    expect(warm).toMatchObject({ status: 'running' });
    expect(pool.snapshot()).toMatchObject([{ name: warm?.name, state: 'idle' }]);
    const warmPid = vmRecord(stateRoot, warm?.name ?? '').pid ?? 0;

    const log = new RecordingLog();
    const signal = new AbortController().signal;
    const executor = provider.create();
    const started = Date.now();
    try {
      await executor.prepare({ job: testJob(), log, signal });
      console.log(`prepare on the warm VM: ${((Date.now() - started) / 1000).toFixed(2)} s`);
      const result = await executor.run({
        stage: 'step_script',
        script: 'echo "hello from $(hostname)"\n',
        signal,
      });
      expect(result.exitCode).toBe(0);
    } finally {
      await executor.cleanup();
    }
    console.log(`job on the warm VM: ${((Date.now() - started) / 1000).toFixed(2)} s`);
    expect(log.lines[0]).toBe(`Using machine ${warm?.name ?? ''} (idle, from the pool) ...`);
    expect(log.out).toContain('hello from');

    // MaxBuilds = 1: the used VM is destroyed and the pool makes a new warm one.
    await runner.settle();
    const after = await driver.list();
    expect(after).toHaveLength(1);
    expect(after[0]?.name).not.toBe(warm?.name);
    expect(after[0]?.status).toBe('running');
    expect(vmDirs(stateRoot)).toEqual([after[0]?.name]);
    expect(await isQemuOf(warmPid, stateDir)).toBe(false);

    await runner.shutdown();
    expect(await driver.list()).toEqual([]);
    expect(vmDirs(stateRoot)).toEqual([]);
    expect(qemuProcessesUnder(stateRoot)).toEqual([]);
  });

  it('a SIGKILLed dockhand exec leaves its VM; machines rm --orphans removes all of it', async () => {
    const registry = localRegistry();
    const repo = gitRepo(cleanup, 'dockhand-machine-crash-', {
      '.gitlab-ci.yml': `sleeper:
  image: busybox:latest
  tags: [docker]
  script:
    - echo "job is running"
    - sleep 600
`,
    });
    const configFile = join(cleanup.tempDir('dockhand-machine-crash-config-'), 'config.toml');
    writeFileSync(configFile, machineConfig(registry, { privileged: false, volumes: [] }));
    const child = machineExecAsync(stateRoot, repo, ['--config', configFile]);
    cleanup.add(() => {
      child.kill('SIGKILL');
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\njob is running')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`dockhand exited (${String(code)}):\n${out}`)));
    });
    const [name, ...more] = vmDirs(stateRoot);
    expect(more).toEqual([]);
    const { pid = 0, port = 0 } = vmRecord(stateRoot, name ?? '');
    expect(await portOpen(port)).toBe(true);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The VM outlives the crash (QEMU runs detached), with its job still running inside.
    expect(await isQemuOf(pid, join(stateRoot, 'machines'))).toBe(true);

    const rm = await dockhand(stateRoot, ['machines', 'rm', '--orphans']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toBe(`Removed 1 VM: ${name ?? ''}\n`);
    expect(vmDirs(stateRoot)).toEqual([]);
    expect(qemuProcessesUnder(stateRoot)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    // The job's container lived in the VM only; the host engine has none of this process's.
    expect(hostContainersOf(child.pid ?? 0)).toEqual([]);
  });
});
