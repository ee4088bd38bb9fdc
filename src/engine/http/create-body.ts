import type { ContainerSpec } from '../container-types.js';

interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** The part of the Engine API's `HostConfig` that dockhand sets. */
interface HostConfig {
  AutoRemove: boolean;
  RestartPolicy: { Name: string };
  Binds?: string[];
  Mounts?: {
    Type: 'volume';
    Target: string;
    VolumeOptions: { Labels: Record<string, string> };
  }[];
  Init?: boolean;
  VolumesFrom?: string[];
  NetworkMode?: string;
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
  Devices?: DeviceMapping[];
  Dns?: string[];
  ExtraHosts?: string[];
  ShmSize?: number;
  Memory?: number;
  NanoCpus?: number;
}

/** The body of `POST /containers/create` as dockhand fills it (the name goes in the query). */
export interface CreateBody {
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env: string[];
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Hostname?: string;
  User?: string;
  WorkingDir?: string;
  Volumes?: Record<string, Record<string, never>>;
  HostConfig: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases: string[] }> };
}

/** Bridge, host, none and container:<id> are modes, not user-defined networks: no aliases. */
function isUserNetwork(network: string | undefined): network is string {
  return (
    network !== undefined &&
    !['bridge', 'host', 'none', 'default'].includes(network) &&
    !network.startsWith('container:')
  );
}

function deviceMapping(device: string): DeviceMapping {
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

function securityOf(spec: ContainerSpec, host: HostConfig): void {
  if (spec.privileged === true) host.Privileged = true;
  if (spec.capAdd !== undefined) host.CapAdd = [...spec.capAdd];
  if (spec.capDrop !== undefined) host.CapDrop = [...spec.capDrop];
  if (spec.securityOpt !== undefined) host.SecurityOpt = [...spec.securityOpt];
  if (spec.devices !== undefined) host.Devices = spec.devices.map(deviceMapping);
}

function hostConfigOf(spec: ContainerSpec): HostConfig {
  const host: HostConfig = { AutoRemove: false, RestartPolicy: { Name: 'no' } };
  if (spec.binds !== undefined) host.Binds = [...spec.binds];
  if (spec.labelledVolumes !== undefined && spec.labelledVolumes.length > 0) {
    host.Mounts = spec.labelledVolumes.map((v) => ({
      Type: 'volume',
      Target: v.target,
      VolumeOptions: { Labels: { ...v.labels } },
    }));
  }
  if (spec.volumesFrom !== undefined) host.VolumesFrom = [...spec.volumesFrom];
  if (spec.init === true) host.Init = true;
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
export function toCreateBody(spec: ContainerSpec): CreateBody {
  const stdin = spec.openStdin === true;
  const body: CreateBody = {
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
  if (spec.cmd !== undefined) body.Cmd = [...spec.cmd];
  if (spec.hostname !== undefined) body.Hostname = spec.hostname;
  if (spec.user !== undefined && spec.user !== '') body.User = spec.user;
  if (spec.workingDir !== undefined) body.WorkingDir = spec.workingDir;
  if (spec.anonymousVolumes !== undefined && spec.anonymousVolumes.length > 0) {
    body.Volumes = Object.fromEntries(spec.anonymousVolumes.map((path) => [path, {}]));
  }
  if (isUserNetwork(spec.network)) {
    body.NetworkingConfig = {
      EndpointsConfig: { [spec.network]: { Aliases: [...(spec.networkAliases ?? [])] } },
    };
  }
  return body;
}
