import { describe, expect, it } from 'vitest';
import { RecordingLog, testJob } from '../../../test/support/jobs.js';
import type { Engine } from '../../engine/engine.js';
import type { EngineEndpoint } from '../../engine/endpoint.js';
import { UNLIMITED_CAPACITY, type Executor, type ExecutorProvider } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import { FakeVmDriver } from './drivers/fake.js';
import { MachinePool, type PoolConfig } from './pool.js';
import { PoolRunner } from './pool-runner.js';
import { MachineExecutorProvider } from './provider.js';

const base: PoolConfig = {
  idleCount: 0,
  idleCountMin: 0,
  idleScaleFactor: 0,
  idleTimeSeconds: 0,
  maxBuilds: 1,
  maxGrowthRate: 0,
  limit: 0,
  autoscaling: [],
  machineName: '%s.myrunner',
  shortToken: 'AbCdEfGhI',
};

/** What the fake docker provider saw: one entry per executor it made. */
interface InnerRecord {
  readonly machine: string;
  readonly port: number;
  readonly calls: string[];
}

/** A docker provider stand-in: records which VM engine each executor ran on and its calls. */
function fakeDocker(records: InnerRecord[], failPrepare = false) {
  return (engine: Engine, machine: { name: string }): ExecutorProvider => ({
    name: 'docker',
    acquire: () => UNLIMITED_CAPACITY,
    create: (): Executor => {
      const endpoint = (engine as unknown as { endpoint: EngineEndpoint }).endpoint;
      const record: InnerRecord = {
        machine: machine.name,
        port: endpoint.kind === 'tcp' ? endpoint.port : 0,
        calls: [],
      };
      records.push(record);
      return {
        prepare: ({ log }) => {
          record.calls.push('prepare');
          log.plain(`Using Docker executor with image busybox:latest ...`);
          return failPrepare
            ? Promise.reject(new JobFailedError('script_failure', 'x', 'image missing'))
            : Promise.resolve();
        },
        run: ({ stage }) => {
          record.calls.push(`run ${stage}`);
          return Promise.resolve({ exitCode: 0 });
        },
        cleanup: () => {
          record.calls.push('cleanup');
          return Promise.resolve();
        },
      };
    },
  });
}

function setup(config: Partial<PoolConfig> = {}, options: { failPrepare?: boolean } = {}) {
  const driver = new FakeVmDriver(1);
  let n = 0;
  const pool = new MachinePool({ ...base, ...config }, { now: () => Date.now() }, () => `m${++n}`);
  const runner = new PoolRunner(pool, driver);
  const records: InnerRecord[] = [];
  const provider = new MachineExecutorProvider({
    pool: runner,
    docker: fakeDocker(records, options.failPrepare),
    connect: (endpoint) => ({ endpoint }) as unknown as Engine,
  });
  return { driver, pool, runner, records, provider };
}

async function runJob(provider: ExecutorProvider, signal = new AbortController().signal) {
  const log = new RecordingLog();
  const executor = provider.create();
  try {
    await executor.prepare({ job: testJob(), log, signal });
    await executor.run({ stage: 'step_script', script: 'true', signal });
  } finally {
    await executor.cleanup();
  }
  return log;
}

describe('MachineExecutorProvider', () => {
  it('creates a VM on demand (IdleCount 0), runs the docker job on it, destroys it (MaxBuilds 1)', async () => {
    const { driver, runner, records, provider } = setup();
    expect(provider.name).toBe('docker+machine');
    await runner.start();
    const log = await runJob(provider);
    await runner.settle();
    const vm = 'runner-abcdefghi-m1.myrunner';
    expect(log.lines[0]).toMatch(new RegExp(`^Created machine ${vm} for this job in [\\d.]+ s`));
    expect(log.lines[1]).toBe('Using Docker executor with image busybox:latest ...');
    expect(records).toEqual([
      { machine: vm, port: 40000, calls: ['prepare', 'run step_script', 'cleanup'] },
    ]);
    expect(driver.calls).toEqual([`create ${vm}`, `start ${vm}`, `remove ${vm}`]);
    expect(await driver.list()).toEqual([]);
  });

  it('takes a warm idle VM (IdleCount 1) and replaces it after MaxBuilds 1', async () => {
    const { driver, pool, runner, records, provider } = setup({ idleCount: 1 });
    await runner.start();
    await runner.settle();
    const log = await runJob(provider);
    await runner.settle();
    expect(log.lines[0]).toBe(
      'Using machine runner-abcdefghi-m1.myrunner (idle, from the pool) ...',
    );
    expect(records[0]?.machine).toBe('runner-abcdefghi-m1.myrunner');
    expect(driver.calls).toContain('remove runner-abcdefghi-m1.myrunner');
    expect(pool.snapshot().map((m) => [m.name, m.state])).toEqual([
      ['runner-abcdefghi-m2.myrunner', 'idle'],
    ]);
    await runner.shutdown();
    expect(await driver.list()).toEqual([]);
  });

  it('waits for the warm VM when the job comes while it still boots', async () => {
    const { runner, records, provider } = setup({ idleCount: 1 });
    await runner.start();
    // No settle: the idle VM is still being created when the job asks for one.
    await runJob(provider);
    expect(records[0]?.machine).toBe('runner-abcdefghi-m1.myrunner');
    await runner.shutdown();
  });

  it('reuses a VM until MaxBuilds (kept idle between jobs by IdleTime)', async () => {
    const { driver, runner, records, provider } = setup({ maxBuilds: 2, idleTimeSeconds: 600 });
    await runner.start();
    await runJob(provider);
    await runner.settle();
    await runJob(provider);
    await runner.settle();
    expect(records.map((r) => r.machine)).toEqual([
      'runner-abcdefghi-m1.myrunner',
      'runner-abcdefghi-m1.myrunner',
    ]);
    expect(driver.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    expect(await driver.list()).toEqual([]);
  });

  it('fails the job as runner_system_failure when the VM cannot be created', async () => {
    const { driver, runner, records, provider } = setup();
    driver.script('start', { fail: 'qemu died' });
    await runner.start();
    const error = await runJob(provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({
      failureReason: 'runner_system_failure',
      code: 'machine.create-failed',
    });
    expect((error as Error).message).toContain('qemu died');
    await runner.settle();
    expect(records).toEqual([]);
    expect(await driver.list()).toEqual([]);
  });

  it('fails a job waiting for a warm VM whose creation fails instead of hanging', async () => {
    const { driver, runner, provider } = setup({ idleCount: 1 });
    driver.script('start', { fail: 'no image' });
    await runner.start();
    await expect(runJob(provider)).rejects.toMatchObject({ code: 'machine.create-failed' });
    await runner.shutdown();
    expect(await driver.list()).toEqual([]);
  });

  it('cancels while the VM boots: the VM is stopped and removed, no docker job starts', async () => {
    const { driver, runner, records, provider } = setup();
    driver.script('start', 'hang');
    await runner.start();
    const cancel = new AbortController();
    const job = runJob(provider, cancel.signal).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel.abort(new Error('canceled by the user'));
    const error = await job;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(JobFailedError);
    await runner.settle();
    expect(records).toEqual([]);
    expect(driver.calls).toContain('stop runner-abcdefghi-m1.myrunner');
    expect(await driver.list()).toEqual([]);
  });

  it('releases the VM when the docker prepare fails', async () => {
    const { driver, runner, records, provider } = setup({}, { failPrepare: true });
    await runner.start();
    await expect(runJob(provider)).rejects.toThrow('image missing');
    await runner.settle();
    expect(records[0]?.calls).toEqual(['prepare', 'cleanup']);
    expect(await driver.list()).toEqual([]);
  });

  it('cleanup is idempotent and safe before prepare', async () => {
    const { runner, provider } = setup();
    await runner.start();
    const executor = provider.create();
    await executor.cleanup();
    await executor.cleanup();
    await expect(
      executor.run({ stage: 'step_script', script: '', signal: new AbortController().signal }),
    ).rejects.toThrow(/before prepare/);
  });

  it('acquire: none without an idle VM; a granted VM is used by the job or goes back unused', async () => {
    const { pool, runner, records, provider } = setup({ idleCount: 1, maxBuilds: 0 });
    expect(provider.acquire()).toMatchObject({ kind: 'none' });
    await runner.settle();
    const vm = 'runner-abcdefghi-m1.myrunner';
    const unused = provider.acquire();
    if (unused.kind !== 'granted') throw new Error('expected capacity');
    expect(pool.snapshot().map((m) => m.state)).toEqual(['acquired']);
    unused.capacity.release();
    unused.capacity.release();
    expect(pool.snapshot().map((m) => m.state)).toEqual(['idle']);

    const granted = provider.acquire();
    if (granted.kind !== 'granted') throw new Error('expected capacity');
    const log = new RecordingLog();
    const executor = provider.create(granted.capacity);
    const signal = new AbortController().signal;
    await executor.prepare({ job: testJob(), log, signal });
    // The executor took the VM over: a late release by the runner changes nothing.
    granted.capacity.release();
    expect(pool.snapshot().map((m) => m.state)).toEqual(['used']);
    await executor.cleanup();
    expect(records.map((r) => r.machine)).toEqual([vm]);
    expect(log.lines[0]).toBe(`Using machine ${vm} (idle, from the pool) ...`);
    expect(pool.snapshot().map((m) => m.state)).toEqual(['idle']);
    await runner.shutdown();
  });
});
