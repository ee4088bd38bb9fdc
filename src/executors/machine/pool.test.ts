import { describe, expect, it } from 'vitest';
import { cronFieldsAt, cronMatches } from './cron-match.js';
import { resolveVmDriver } from './driver-registry.js';
import { FakeVmDriver } from './drivers/fake.js';
import {
  activeIdleSettings,
  desiredIdle,
  machineNameFor,
  MachinePool,
  type PoolConfig,
} from './pool.js';
import { PoolRunner } from './pool-runner.js';

class FakeClock {
  constructor(public ms = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const base: PoolConfig = {
  idleCount: 0,
  idleCountMin: 0,
  idleScaleFactor: 0,
  idleTimeSeconds: 0,
  maxBuilds: 0,
  maxGrowthRate: 0,
  limit: 0,
  autoscaling: [],
  machineName: '%s.myrunner',
  shortToken: 'AbCdEfGhI',
};

function setup(config: Partial<PoolConfig> = {}) {
  const clock = new FakeClock();
  let n = 0;
  const pool = new MachinePool({ ...base, ...config }, clock, () => `id${++n}`);
  return { clock, pool };
}

/** Runs a tick and marks every created VM as ready. */
function tickAndCreate(pool: MachinePool) {
  const commands = pool.tick();
  for (const c of commands) if (c.kind === 'create') pool.created(c.name);
  return commands;
}

describe('MachinePool', () => {
  it('names VMs as GitLab does', () => {
    expect(machineNameFor(base, '1732800000-1a2b3c4d')).toBe(
      'runner-abcdefghi-1732800000-1a2b3c4d.myrunner',
    );
    expect(() => setup({ machineName: 'fixed' })).toThrow(/%s/);
  });

  it('pre-creates IdleCount VMs and keeps that many', () => {
    const { pool } = setup({ idleCount: 2 });
    const first = pool.tick();
    expect(first.map((c) => c.kind)).toEqual(['create', 'create']);
    expect(pool.tick()).toEqual([]); // creating counts as available
    for (const c of first) pool.created(c.name);
    expect(pool.count('idle')).toBe(2);
    const got = pool.acquire();
    expect(got.kind).toBe('acquired');
    // acquired still counts as available: no new VM until it is used
    expect(pool.tick()).toEqual([]);
    if (got.kind === 'acquired') pool.use(got.name);
    expect(tickAndCreate(pool).map((c) => c.kind)).toEqual(['create']);
  });

  it('does not ask for a job without an idle VM when IdleCount > 0', () => {
    const { pool } = setup({ idleCount: 1 });
    pool.tick();
    expect(pool.acquire()).toEqual({
      kind: 'none',
      reason: 'no free machines that can process builds',
    });
  });

  it('creates on demand when IdleCount is 0 and removes after MaxBuilds', () => {
    const { pool } = setup({ maxBuilds: 1 });
    expect(pool.tick()).toEqual([]);
    expect(pool.acquire()).toEqual({ kind: 'on-demand' });
    const create = pool.createForJob();
    expect(create?.kind).toBe('create');
    pool.created(create!.name);
    expect(pool.count('acquired')).toBe(1);
    pool.use(create!.name);
    expect(pool.release(create!.name)).toEqual({
      kind: 'remove',
      name: create!.name,
      reason: 'too many builds',
    });
    pool.removed(create!.name);
    expect(pool.snapshot()).toEqual([]);
  });

  it('reuses a VM until MaxBuilds', () => {
    const { pool } = setup({ idleCount: 1, maxBuilds: 2, idleTimeSeconds: 600 });
    tickAndCreate(pool);
    for (let job = 1; job <= 2; job++) {
      const got = pool.acquire();
      expect(got.kind).toBe('acquired');
      if (got.kind !== 'acquired') return;
      pool.use(got.name);
      const after = pool.release(got.name);
      expect(after === undefined).toBe(job < 2);
    }
  });

  it('releasing an acquired VM without a job returns it to idle uncounted', () => {
    const { pool } = setup({ idleCount: 1, maxBuilds: 1 });
    tickAndCreate(pool);
    const got = pool.acquire();
    if (got.kind !== 'acquired') throw new Error('expected a VM');
    expect(pool.release(got.name)).toBeUndefined();
    expect(pool.snapshot()[0]).toMatchObject({ state: 'idle', usedCount: 0 });
  });

  it('removes idle VMs after IdleTime only while there are more than wanted', () => {
    const { pool, clock } = setup({ idleCount: 1, idleTimeSeconds: 60 });
    tickAndCreate(pool);
    const got = pool.acquire();
    if (got.kind !== 'acquired') throw new Error('expected a VM');
    pool.use(got.name);
    tickAndCreate(pool); // a second idle VM replaces the used one
    pool.release(got.name);
    expect(pool.count('idle')).toBe(2);
    clock.advance(30);
    expect(pool.tick()).toEqual([]);
    clock.advance(31);
    const removals = pool.tick();
    expect(removals).toHaveLength(1);
    expect(removals[0]).toMatchObject({ kind: 'remove', reason: 'too many idle machines' });
    clock.advance(600);
    expect(pool.tick()).toEqual([]); // the last idle VM is wanted
  });

  it('IdleCount 0 and IdleTime 0 remove a VM as soon as it is idle', () => {
    const { pool } = setup({ maxBuilds: 5 });
    const create = pool.createForJob()!;
    pool.created(create.name);
    pool.use(create.name);
    pool.release(create.name);
    expect(pool.tick()).toEqual([
      { kind: 'remove', name: create.name, reason: 'too many idle machines' },
    ]);
  });

  it('limits VMs being created at once with MaxGrowthRate', () => {
    const { pool } = setup({ idleCount: 5, maxGrowthRate: 2 });
    const first = pool.tick();
    expect(first).toHaveLength(2);
    expect(pool.tick()).toEqual([]);
    pool.created(first[0]!.name);
    expect(pool.tick()).toHaveLength(1);
  });

  it('never exceeds limit', () => {
    const { pool } = setup({ idleCount: 5, limit: 3 });
    expect(tickAndCreate(pool)).toHaveLength(3);
    expect(pool.tick()).toEqual([]);
    const { pool: demand } = setup({ limit: 1 });
    expect(demand.createForJob()).toBeDefined();
    expect(demand.acquire()).toEqual({ kind: 'none', reason: 'the machine limit is reached' });
    expect(demand.createForJob()).toBeUndefined();
  });

  it('scales idle VMs with IdleScaleFactor between IdleCountMin and IdleCount', () => {
    expect(
      desiredIdle({ idleCount: 10, idleCountMin: 0, idleScaleFactor: 0.5, idleTimeSeconds: 0 }, 0),
    ).toBe(1);
    expect(
      desiredIdle({ idleCount: 10, idleCountMin: 2, idleScaleFactor: 0.5, idleTimeSeconds: 0 }, 8),
    ).toBe(4);
    expect(
      desiredIdle({ idleCount: 10, idleCountMin: 2, idleScaleFactor: 0.5, idleTimeSeconds: 0 }, 40),
    ).toBe(10);
  });

  it('switches idle settings with autoscaling periods (last match wins)', () => {
    const config: PoolConfig = {
      ...base,
      idleCount: 1,
      autoscaling: [
        {
          periods: ['* * 9-17 * * mon-fri *'],
          timezone: 'Europe/Berlin',
          idleCount: 5,
          idleCountMin: 0,
          idleScaleFactor: 0,
          idleTimeSeconds: 0,
        },
        {
          periods: ['* * 12 * * * *'],
          timezone: 'Europe/Berlin',
          idleCount: 8,
          idleCountMin: 0,
          idleScaleFactor: 0,
          idleTimeSeconds: 0,
        },
      ],
    };
    // Wednesday 2026-11-25: 08:00 UTC = 09:00 Berlin, 11:30 UTC = 12:30 Berlin, 20:00 UTC = 21:00.
    expect(activeIdleSettings(config, Date.UTC(2026, 10, 25, 8, 0)).idleCount).toBe(5);
    expect(activeIdleSettings(config, Date.UTC(2026, 10, 25, 11, 30)).idleCount).toBe(8);
    expect(activeIdleSettings(config, Date.UTC(2026, 10, 25, 20, 0)).idleCount).toBe(1);
    // Saturday: the weekday period does not match
    expect(activeIdleSettings(config, Date.UTC(2026, 10, 28, 8, 0)).idleCount).toBe(1);
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 7, 0));
    const pool = new MachinePool(
      config,
      clock,
      (() => {
        let i = 0;
        return () => `p${++i}`;
      })(),
    );
    expect(tickAndCreate(pool)).toHaveLength(1);
    clock.ms = Date.UTC(2026, 10, 25, 8, 0);
    expect(tickAndCreate(pool)).toHaveLength(4);
    clock.ms = Date.UTC(2026, 10, 25, 20, 0);
    expect(pool.tick().filter((c) => c.kind === 'remove')).toHaveLength(4);
  });

  it('adopts VMs found at startup as used once, retries failed removals', () => {
    const { pool } = setup({ idleCount: 1, maxBuilds: 1 });
    pool.adopt(['runner-old-1']);
    const commands = pool.tick();
    expect(commands[0]).toEqual({
      kind: 'remove',
      name: 'runner-old-1',
      reason: 'too many builds',
    });
    pool.removeFailed('runner-old-1');
    expect(pool.tick().filter((c) => c.name === 'runner-old-1')).toEqual([
      { kind: 'remove', name: 'runner-old-1', reason: 'retry' },
    ]);
    pool.removed('runner-old-1');
    expect(pool.snapshot().map((m) => m.name)).not.toContain('runner-old-1');
  });

  it('a failed creation removes the VM', () => {
    const { pool } = setup({ idleCount: 1 });
    const [create] = pool.tick();
    expect(pool.createFailed(create!.name)).toEqual({
      kind: 'remove',
      name: create!.name,
      reason: 'creation failed',
    });
  });
});

describe('cronMatches', () => {
  const at = (iso: string, zone = 'UTC') => cronFieldsAt(Date.parse(iso), zone);
  it('reads 7, 6 and 5 field forms, names, steps, lists and L', () => {
    expect(cronMatches('* * 9-17 * * mon-fri *', at('2026-11-25T09:00:00Z'))).toBe(true);
    expect(cronMatches('* * 9-17 * * mon-fri *', at('2026-11-25T18:00:00Z'))).toBe(false);
    expect(cronMatches('*/15 * * * *', at('2026-11-25T18:30:00Z'))).toBe(true);
    expect(cronMatches('*/15 * * * *', at('2026-11-25T18:31:00Z'))).toBe(false);
    expect(cronMatches('31 * * * * *', at('2026-11-25T18:31:00Z'))).toBe(true);
    expect(cronMatches('* * * L * * *', at('2026-11-30T10:00:00Z'))).toBe(true);
    expect(cronMatches('* * * * * sun,sat *', at('2026-11-29T10:00:00Z'))).toBe(true);
    expect(cronMatches('* * * * * 7 *', at('2026-11-29T10:00:00Z'))).toBe(true);
    expect(cronMatches('* * * * jan-mar * *', at('2026-11-29T10:00:00Z'))).toBe(false);
    expect(cronMatches('@daily', at('2026-11-29T00:00:00Z'))).toBe(true);
  });
  it('evaluates in the given time zone', () => {
    expect(cronMatches('* * 1 * * * *', at('2026-11-25T00:30:00Z', 'Europe/Berlin'))).toBe(true);
    expect(cronMatches('* * 1 * * * *', at('2026-11-25T00:30:00Z', 'UTC'))).toBe(false);
  });
});

describe('driver registry', () => {
  it('lists the available drivers for one dockhand does not provide', () => {
    const factories = { qemu: () => new FakeVmDriver(), fake: () => new FakeVmDriver() };
    expect(() => resolveVmDriver('virtualbox', factories)).toThrow(
      'MachineDriver "virtualbox" is a docker-machine driver dockhand does not provide; available drivers: fake, qemu',
    );
    expect(() => resolveVmDriver(undefined, { qemu: factories.qemu })).toThrow(
      /not set; available drivers: qemu/,
    );
    expect(resolveVmDriver('QEMU', factories).name).toBe('fake');
  });
});

describe('PoolRunner with the fake driver', () => {
  it('creates idle VMs, leases, releases and removes after MaxBuilds', async () => {
    const clock = new FakeClock();
    const driver = new FakeVmDriver(1);
    driver.plant('runner-crashed', 999);
    let n = 0;
    const pool = new MachinePool({ ...base, idleCount: 1, maxBuilds: 1 }, clock, () => `r${++n}`);
    const runner = new PoolRunner(pool, driver);
    await runner.start();
    await runner.settle();
    expect(driver.calls).toEqual([
      'remove runner-crashed',
      'create runner-abcdefghi-r1.myrunner',
      'start runner-abcdefghi-r1.myrunner',
    ]);
    const acquired = runner.acquire();
    expect(acquired.kind).toBe('acquired');
    const lease = await runner.lease(acquired);
    expect(lease.engine).toMatchObject({ kind: 'tcp', host: '127.0.0.1' });
    runner.release(lease.name);
    await runner.settle();
    expect(driver.calls).toContain(`remove ${lease.name}`);
    expect((await driver.list()).map((v) => v.name)).toEqual(['runner-abcdefghi-r2.myrunner']);
  });

  it('creates on demand for a job and reports a failed start', async () => {
    const driver = new FakeVmDriver(1).script('start', { fail: 'boom' });
    const pool = new MachinePool({ ...base }, new FakeClock(), () => 'x');
    const runner = new PoolRunner(pool, driver);
    const acquired = runner.acquire();
    expect(acquired).toEqual({ kind: 'on-demand' });
    await expect(runner.lease(acquired)).rejects.toThrow('boom');
    await runner.settle();
    expect(driver.calls).toEqual([
      'create runner-abcdefghi-x.myrunner',
      'start runner-abcdefghi-x.myrunner',
      'remove runner-abcdefghi-x.myrunner',
    ]);
    expect(pool.snapshot()).toEqual([]);
  });
});
