import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import { ConfigError, exitCodeFor } from '../core/errors.js';
import { defaultDockerSettings } from '../executors/docker/settings.js';
import { machinePullPolicy, poolConfigFrom } from './machine-wiring.js';
import { wireProvider, type ExecRunner } from './wiring.js';

const fixture = new URL('../../test/fixtures/configs/setup-2-machine-socket.toml', import.meta.url);

/** Seed setup 2 as written, with `MachineDriver` and extra lines swapped in. */
function setupTwo(driver: string, extra = ''): ExecRunner {
  const text = readFileSync(fixture, 'utf8')
    .replace('MachineDriver = "virtualbox"', `MachineDriver = "${driver}"`)
    .replace('MaxBuilds = 1', `MaxBuilds = 1\n${extra}`);
  const parsed = parseConfig(text, 'config.toml');
  expect(parsed.errors).toEqual([]);
  const section = parsed.config.runners[0];
  if (section === undefined) throw new Error('no runner');
  return {
    name: section.name,
    tagList: [],
    runUntagged: true,
    executor: section.executor,
    section,
  };
}

describe('docker+machine wiring', () => {
  it('wires a docker+machine provider for MachineDriver = "qemu" without touching a VM', async () => {
    const wired = await wireProvider(setupTwo('qemu'), { DOCKHAND_STATE_DIR: '/nonexistent' });
    expect(wired.provider.name).toBe('docker+machine');
    expect(wired.close).toBeTypeOf('function');
  });

  it('refuses the VirtualBox driver of the seed setup with the list of available drivers (exit 2)', async () => {
    const error: unknown = await wireProvider(setupTwo('virtualbox'), {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'MachineDriver "virtualbox" is a docker-machine driver dockhand does not provide; available drivers: qemu',
    );
    expect(exitCodeFor(error)).toBe(2);
  });

  it('refuses a registry forward to anything but the host loopback', async () => {
    const runner = setupTwo('qemu', '    MachineOptions = ["qemu-registry-forward=10.1.2.3:5000"]');
    await expect(wireProvider(runner, {})).rejects.toThrow(/not a loopback HOST:PORT/);
  });

  it('maps [runners.machine] and the runner limit onto the pool', () => {
    const section = setupTwo('qemu').section;
    if (section?.machine === undefined) throw new Error('no machine section');
    expect(poolConfigFrom(section.machine, 3, 'xxxxxxxx')).toMatchObject({
      idleCount: 0,
      maxBuilds: 1,
      limit: 3,
      machineName: '%s.myrunner.yourdomain',
      shortToken: 'xxxxxxxx',
    });
  });

  it('lets MaxBuilds = 1 VMs fall back to their baked images; reused VMs keep the policy', () => {
    const settings = defaultDockerSettings('ubuntu');
    expect(machinePullPolicy(settings, 1)).toEqual({
      pull_policy: ['always', 'if-not-present'],
      allowed_pull_policies: [],
    });
    expect(
      machinePullPolicy({ ...settings, allowed_pull_policies: ['always'] }, 1)
        .allowed_pull_policies,
    ).toEqual(['always', 'if-not-present']);
    expect(machinePullPolicy({ ...settings, pull_policy: ['never'] }, 1).pull_policy).toEqual([
      'never',
    ]);
    expect(machinePullPolicy(settings, 0).pull_policy).toEqual(['always']);
  });
});
