/**
 * Capacity before work for docker+machine (architecture rule 5, GitLab's "acquires an existing
 * idle VM before asking for a new job"): the daemon with a real machine provider over the fake
 * VM driver and an in-memory coordinator.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import type { Engine } from '../../src/engine/engine.js';
import {
  UNLIMITED_CAPACITY,
  type Executor,
  type ExecutorProvider,
} from '../../src/executors/executor.js';
import { FakeVmDriver } from '../../src/executors/machine/drivers/fake.js';
import { MachinePool, type PoolConfig } from '../../src/executors/machine/pool.js';
import { PoolRunner } from '../../src/executors/machine/pool-runner.js';
import { MachineExecutorProvider } from '../../src/executors/machine/provider.js';
import { Daemon, type DaemonRunner } from '../../src/runner/daemon.js';
import { FakeClock, settle } from '../../src/runner/fake-clock.js';
import { FakeCoordinatorClient } from '../../src/runner/fake-coordinator-client.js';
import { sampleJob } from '../../src/script/sample-job.js';

const config: PoolConfig = {
  idleCount: 1,
  idleCountMin: 0,
  idleScaleFactor: 0,
  idleTimeSeconds: 0,
  maxBuilds: 0,
  maxGrowthRate: 0,
  limit: 1,
  autoscaling: [],
  machineName: '%s.pool',
  shortToken: 'AbCdEfGhI',
};

/** A docker provider stand-in that records the VM each job ran on. */
function fakeDocker(ranOn: string[]) {
  return (_engine: Engine, machine: { name: string }): ExecutorProvider => ({
    name: 'docker',
    acquire: () => UNLIMITED_CAPACITY,
    create: (): Executor => ({
      prepare: () => {
        ranOn.push(machine.name);
        return Promise.resolve();
      },
      run: () => Promise.resolve({ exitCode: 0 }),
      cleanup: () => Promise.resolve(),
    }),
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await settle();
  expect(condition()).toBe(true);
}

describe('dockhand run with docker+machine', () => {
  it('asks for no job while no VM is free, and puts a VM acquired for a 204 back', async () => {
    const driver = new FakeVmDriver(1);
    let n = 0;
    const pool = new MachinePool(config, { now: () => Date.now() }, () => `m${++n}`);
    const vms = new PoolRunner(pool, driver);
    const ranOn: string[] = [];
    const provider = new MachineExecutorProvider({
      pool: vms,
      docker: fakeDocker(ranOn),
      connect: (endpoint) => ({ endpoint }) as unknown as Engine,
    });
    // What the pool looked like while each job request was being sent.
    const atRequest: string[][] = [];
    const client = new (class extends FakeCoordinatorClient {
      override requestJob(...args: Parameters<FakeCoordinatorClient['requestJob']>) {
        atRequest.push(pool.snapshot().map((m) => m.state));
        return super.requestJob(...args);
      }
    })();
    const clock = new FakeClock();
    const logs: string[] = [];
    const logger: Logger = { ...silentLogger, info: (m) => void logs.push(m) };
    const runner: DaemonRunner = {
      name: 'vm-runner',
      token: 'glrt-vm-runner-token',
      executor: 'docker+machine',
      limit: 1,
      requestConcurrency: 1,
      jobRunner: { name: 'vm-runner', shortToken: 'vmrunner' },
      client,
    };
    const daemon = new Daemon({
      runners: [runner],
      providerFor: () => provider,
      concurrent: 1,
      checkIntervalMs: 3000,
      shutdownTimeoutMs: 30_000,
      clock,
      logger,
    });
    // The pool cannot make its idle VM yet: polls find no capacity and send nothing.
    driver.script('create', { fail: 'no room' }, { fail: 'no room' }, { fail: 'no room' });
    const done = daemon.run();
    await clock.advance(9000);
    expect(client.requests).toHaveLength(0);
    expect(logs.filter((l) => l.includes('no free machines'))).toHaveLength(1);

    // The idle VM is up: the next poll acquires it, asks, gets 204 and puts it back.
    for (let i = 0; i < 10 && !pool.snapshot().some((m) => m.state === 'idle'); i++) {
      vms.tick();
      await vms.settle();
    }
    expect(pool.snapshot().map((m) => m.state)).toEqual(['idle']);
    await clock.advance(3000);
    expect(client.requests).toHaveLength(1);
    expect(atRequest).toEqual([['acquired']]);
    expect(pool.snapshot().map((m) => m.state)).toEqual(['idle']);

    // A job that comes runs on the acquired VM, which goes back to idle after it.
    client.queue.push({ ...sampleJob({ token: 'glcbt-64_jobtoken' }), id: 7 });
    await clock.advance(3000);
    await until(() => client.finalUpdate(7) !== undefined);
    expect(client.finalUpdate(7)?.state).toBe('success');
    expect(ranOn).toHaveLength(1);
    expect(ranOn[0]).toBe(pool.snapshot()[0]?.name);
    await until(() => pool.snapshot().every((m) => m.state === 'idle'));

    daemon.stop('graceful');
    await clock.advance(3000);
    await done;
    await vms.shutdown();
  });
});
