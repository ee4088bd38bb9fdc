import { ConfigError } from '../../core/errors.js';
import type { VmDriver } from './driver.js';

/** Makes a driver; the options are the `[runners.machine] MachineOptions` as `key=value` pairs. */
export type VmDriverFactory = (options: Readonly<Record<string, string>>) => VmDriver;

/** docker-machine drivers users have in their config.toml and dockhand does not provide. */
const KNOWN_ELSEWHERE = new Set([
  'virtualbox',
  'amazonec2',
  'google',
  'azure',
  'digitalocean',
  'openstack',
  'vmwarevsphere',
  'vmwarefusion',
  'hyperv',
  'exoscale',
  'generic',
  'softlayer',
  'none',
]);

/**
 * Picks the driver for `MachineDriver`. The factories are given explicitly by the composition
 * root (`qemu` in production; `fake` only in tests), so a name that is not there fails with the
 * list of what is.
 */
export function resolveVmDriver(
  machineDriver: string | undefined,
  factories: Readonly<Record<string, VmDriverFactory>>,
  machineOptions: readonly string[] = [],
): VmDriver {
  const available = Object.keys(factories).sort();
  const name = (machineDriver ?? '').trim().toLowerCase();
  const factory = factories[name];
  if (factory === undefined) {
    const what =
      name === ''
        ? 'MachineDriver is not set'
        : KNOWN_ELSEWHERE.has(name)
          ? `MachineDriver "${machineDriver ?? ''}" is a docker-machine driver dockhand does not provide`
          : `MachineDriver "${machineDriver ?? ''}" is not a driver dockhand knows`;
    throw new ConfigError(
      'machine.driver-unavailable',
      `${what}; available drivers: ${available.join(', ')}`,
      {
        hint: `set MachineDriver = "${available[0] ?? 'qemu'}" in [runners.machine] (VMs then run locally under QEMU)`,
      },
    );
  }
  return factory(parseMachineOptions(machineOptions));
}

/** `["memory=2048", "engine-registry-mirror=http://…"]` → a record; a bare key means "true". */
export function parseMachineOptions(options: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const option of options) {
    const text = option.replace(/^--/, '');
    const eq = text.indexOf('=');
    if (eq < 0) result[text] = 'true';
    else result[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return result;
}
