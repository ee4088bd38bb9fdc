import type { IdleSettings as ConfigIdleSettings, MachineSettings } from '../config/types.js';
import { ConfigError } from '../core/errors.js';
import { LABELS } from '../core/labels.js';
import type { Logger } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';
import type { EngineEndpoint } from '../engine/endpoint.js';
import { DockerExecutorProvider } from '../executors/docker/provider.js';
import type { DockerExecutorSettings } from '../executors/docker/settings.js';
import { resolveVmDriver } from '../executors/machine/driver-registry.js';
import {
  defaultMachineStateDir,
  qemuOptionsFromMachineOptions,
  QemuDriver,
} from '../executors/machine/drivers/qemu.js';
import { defaultMachineCacheDir } from '../executors/machine/image/vm-image.js';
import { MachinePool, type IdleSettings, type PoolConfig } from '../executors/machine/pool.js';
import { machineId, PoolRunner } from '../executors/machine/pool-runner.js';
import { MachineExecutorProvider } from '../executors/machine/provider.js';
import type { PullPolicy } from '../protocol/job-spec.js';
import type { ExecRunner, WiredProvider } from './wiring.js';

export interface MachineWiring {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The docker executor settings from `[runners.docker]`, as for the docker executor. */
  readonly docker: DockerExecutorSettings;
  /** The runner's short token (VM names: `runner-<short token>-<MachineName>`). */
  readonly shortToken: string;
  /** Opens the engine of one VM. */
  readonly connect: (endpoint: EngineEndpoint) => Engine;
  readonly logger: Logger;
}

function idle(settings: ConfigIdleSettings): IdleSettings {
  return {
    idleCount: settings.idleCount,
    idleCountMin: settings.idleCountMin,
    idleScaleFactor: settings.idleScaleFactor,
    idleTimeSeconds: settings.idleTime,
  };
}

/** `[[runners]] limit` and `[runners.machine]` → the pool's configuration. */
export function poolConfigFrom(
  machine: MachineSettings,
  limit: number,
  shortToken: string,
): PoolConfig {
  if (machine.machineName === undefined || !machine.machineName.includes('%s')) {
    throw new ConfigError('machine.name', '[runners.machine] MachineName must contain %s', {
      hint: 'e.g. MachineName = "%s.myrunner" (%s becomes a unique id per VM)',
    });
  }
  return {
    ...idle(machine),
    maxBuilds: machine.maxBuilds,
    maxGrowthRate: machine.maxGrowthRate,
    // GitLab bounds VMs by the runner's limit; `concurrent` bounds jobs, which a local run
    // executes one at a time anyway.
    limit,
    autoscaling: machine.autoscaling.map((period) => ({
      ...idle(period),
      periods: period.periods,
      ...(period.timezone === undefined ? {} : { timezone: period.timezone }),
    })),
    machineName: machine.machineName,
    shortToken,
  };
}

/**
 * The pull policy inside VMs. VMs reach no registry but the forwarded one, so `always` cannot
 * fetch docker or docker:dind; they are baked into the VM image. With MaxBuilds = 1 every job
 * gets a VM restored from that read-only image, so its local images are exactly the baked ones
 * and `if-not-present` after the configured policies is safe (GitLab's multi-policy fallback:
 * the failed pull is shown as a warning). With reused VMs a job could have replaced a local
 * image for the next one, so the configured policy stays as it is.
 */
export function machinePullPolicy(
  settings: DockerExecutorSettings,
  maxBuilds: number,
): Pick<DockerExecutorSettings, 'pull_policy' | 'allowed_pull_policies'> {
  const add = (list: readonly PullPolicy[]): PullPolicy[] =>
    list.includes('if-not-present') || list.includes('never')
      ? [...list]
      : [...list, 'if-not-present'];
  if (maxBuilds !== 1) {
    return {
      pull_policy: settings.pull_policy,
      allowed_pull_policies: settings.allowed_pull_policies,
    };
  }
  return {
    pull_policy: add(settings.pull_policy.length > 0 ? settings.pull_policy : ['always']),
    allowed_pull_policies:
      settings.allowed_pull_policies.length > 0 ? add(settings.allowed_pull_policies) : [],
  };
}

/**
 * `docker+machine`: the VM driver named by `MachineDriver` (an unknown one is a ConfigError
 * listing those available), a pool from `[runners.machine]` and the runner's limit, and docker
 * executors on each VM's engine with the `[runners.docker]` settings. `ready` sweeps VMs left by
 * a crashed dockhand and prepares the driver; `close` removes every VM of the pool: a local run
 * keeps no idle pool past its process.
 */
export function wireMachineProvider(runner: ExecRunner, wiring: MachineWiring): WiredProvider {
  const section = runner.section;
  const machine = section?.machine;
  if (section === undefined || machine === undefined) {
    throw new ConfigError(
      'machine.missing',
      `runner "${runner.name}" uses the docker+machine executor but has no [runners.machine] section`,
      { hint: 'add [runners.machine] with MachineDriver = "qemu" and MachineName = "%s.myrunner"' },
    );
  }
  const stateDir = defaultMachineStateDir(wiring.env);
  const cacheDir = defaultMachineCacheDir(wiring.env);
  const driver = resolveVmDriver(
    machine.machineDriver,
    {
      qemu: (options) =>
        new QemuDriver({
          stateDir,
          cacheDir,
          logger: wiring.logger,
          ...qemuOptionsFromMachineOptions(options),
        }),
    },
    machine.machineOptions,
  );
  const pool = new MachinePool(
    poolConfigFrom(machine, section.limit, wiring.shortToken),
    { now: () => Date.now() },
    () => machineId(),
  );
  const runnerPool = new PoolRunner(pool, driver, { [LABELS.runner]: runner.name }, wiring.logger);
  const settings: DockerExecutorSettings = {
    ...wiring.docker,
    ...machinePullPolicy(wiring.docker, machine.maxBuilds),
  };
  const provider = new MachineExecutorProvider({
    pool: runnerPool,
    connect: wiring.connect,
    // GitLab prints the VM's name in `Running on … via <machine>...`.
    docker: (engine, vm) =>
      new DockerExecutorProvider(engine, { ...settings, runnerHost: vm.name }),
  });
  return {
    provider,
    ready: (signal) => runnerPool.start(signal),
    close: () => runnerPool.shutdown(),
  };
}
