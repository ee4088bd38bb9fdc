import type Docker from 'dockerode';
import type { ContainerSpec } from './container-types.js';

/** Bridge, host, none and container:<id> are modes, not user-defined networks: no aliases. */
function isUserNetwork(network: string | undefined): network is string {
  return (
    network !== undefined &&
    !['bridge', 'host', 'none', 'default'].includes(network) &&
    !network.startsWith('container:')
  );
}

function deviceMapping(device: string): Docker.DeviceMapping {
  const [host = device, container, permissions] = device.split(':');
  return {
    PathOnHost: host,
    PathInContainer: container ?? host,
    CgroupPermissions: permissions ?? 'rwm',
  };
}

function entrypointOf(spec: ContainerSpec): { Entrypoint?: string[] } {
  if (spec.entrypoint === undefined) return {};
  // `[""]` and `[]` both mean "clear": the API clears the image entrypoint with [""].
  const cleared = spec.entrypoint.length === 0 || spec.entrypoint.every((part) => part === '');
  return { Entrypoint: cleared ? [''] : [...spec.entrypoint] };
}

function securityOf(spec: ContainerSpec, host: Docker.HostConfig): void {
  if (spec.privileged === true) host.Privileged = true;
  if (spec.capAdd !== undefined) host.CapAdd = [...spec.capAdd];
  if (spec.capDrop !== undefined) host.CapDrop = [...spec.capDrop];
  if (spec.securityOpt !== undefined) host.SecurityOpt = [...spec.securityOpt];
  if (spec.devices !== undefined) host.Devices = spec.devices.map(deviceMapping);
}

function hostConfigOf(spec: ContainerSpec): Docker.HostConfig {
  const host: Docker.HostConfig = { AutoRemove: false, RestartPolicy: { Name: 'no' } };
  if (spec.binds !== undefined) host.Binds = [...spec.binds];
  if (spec.volumesFrom !== undefined) host.VolumesFrom = [...spec.volumesFrom];
  if (spec.network !== undefined) host.NetworkMode = spec.network;
  securityOf(spec, host);
  if (spec.dns !== undefined) host.Dns = [...spec.dns];
  if (spec.extraHosts !== undefined) host.ExtraHosts = [...spec.extraHosts];
  if (spec.shmSize !== undefined && spec.shmSize > 0) host.ShmSize = spec.shmSize;
  if (spec.memory !== undefined && spec.memory > 0) host.Memory = spec.memory;
  if (spec.nanoCpus !== undefined && spec.nanoCpus > 0) host.NanoCpus = spec.nanoCpus;
  return host;
}

/** ContainerSpec → the Engine API's create body. */
export function toCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const stdin = spec.openStdin === true;
  const options: Docker.ContainerCreateOptions = {
    Image: spec.image,
    ...entrypointOf(spec),
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels },
    Tty: false,
    OpenStdin: stdin,
    StdinOnce: stdin,
    AttachStdin: stdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: hostConfigOf(spec),
  };
  if (spec.name !== undefined) options.name = spec.name;
  if (spec.cmd !== undefined) options.Cmd = [...spec.cmd];
  if (spec.hostname !== undefined) options.Hostname = spec.hostname;
  if (spec.user !== undefined && spec.user !== '') options.User = spec.user;
  if (spec.workingDir !== undefined) options.WorkingDir = spec.workingDir;
  if (spec.anonymousVolumes !== undefined && spec.anonymousVolumes.length > 0) {
    options.Volumes = Object.fromEntries(spec.anonymousVolumes.map((path) => [path, {}]));
  }
  if (isUserNetwork(spec.network)) {
    options.NetworkingConfig = {
      EndpointsConfig: { [spec.network]: { Aliases: [...(spec.networkAliases ?? [])] } },
    };
  }
  return options;
}
