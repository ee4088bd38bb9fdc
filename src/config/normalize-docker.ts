import type { KeyPath } from './problems.js';
import type { Reporter } from './reporter.js';
import { dockerSection } from './schema/docker.js';
import { SectionReader } from './section-reader.js';
import type { DockerSettings, PullPolicy, SettingSource, VolumeSpec } from './types.js';
import { parseDockerSize } from './value-kinds.js';
import { parseVolume } from './volumes.js';
import type { CheckedSection } from './walk.js';

const MIN_MEMORY = 4 * 1024 * 1024;

const VOLUME_HINT =
  'write "/path" for a cache volume or "host-path:/container/path[:ro]" for a bind mount';

function volumes(docker: SectionReader, report: Reporter): VolumeSpec[] {
  const specs: VolumeSpec[] = [];
  docker.list('volumes').forEach((raw, i) => {
    const parsed = parseVolume(raw);
    if (parsed.ok) {
      specs.push(parsed.spec);
      return;
    }
    report.error({
      code: 'bad-volume',
      path: [...docker.keyPath('volumes'), i],
      message: `invalid volume "${raw}": ${parsed.reason}`,
      hint: VOLUME_HINT,
    });
  });
  return specs;
}

function memory(docker: SectionReader, report: Reporter): number | undefined {
  const text = docker.str('memory');
  if (text === undefined) return undefined;
  const bytes = parseDockerSize(text);
  if (bytes !== undefined && bytes < MIN_MEMORY) {
    report.error({
      code: 'bad-value',
      path: docker.keyPath('memory'),
      message: `memory "${text}" is below Docker's minimum of 4m`,
      hint: 'write at least memory = "4m", e.g. memory = "512m"',
    });
  }
  return bytes;
}

function cpus(docker: SectionReader, report: Reporter): string | undefined {
  const text = docker.str('cpus');
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(value > 0)) {
    report.error({
      code: 'bad-value',
      path: docker.keyPath('cpus'),
      message: `cpus "${text}" is not a positive number`,
      hint: 'write cpus = "1.5" (a number of CPUs, as a string)',
    });
    return undefined;
  }
  return text;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+(%\w+)?$/i;

function checkDns(docker: SectionReader, report: Reporter): string[] {
  return docker.list('dns').filter((entry, i) => {
    const good = IPV4.test(entry) || (entry.includes(':') && IPV6.test(entry));
    if (!good) {
      report.error({
        code: 'bad-value',
        path: [...docker.keyPath('dns'), i],
        message: `dns "${entry}" is not an IP address`,
        hint: 'write the IP address of a DNS server, e.g. dns = ["1.1.1.1"]',
      });
    }
    return good;
  });
}

function entrypointOverwrite(docker: SectionReader): { value: boolean; source: SettingSource } {
  if (docker.has('disable_entrypoint_overwrite')) {
    return { value: docker.bool('disable_entrypoint_overwrite'), source: 'explicit' };
  }
  // dockhand's secure default: an image allow-list is meaningless if a job can replace the
  // allowed image's entrypoint (seed setup 1), so restricting images also pins entrypoints.
  if (docker.list('allowed_images').length > 0) return { value: true, source: 'secure-default' };
  return { value: false, source: 'default' };
}

export function normalizeDocker(
  checked: CheckedSection | undefined,
  path: KeyPath,
  report: Reporter,
): DockerSettings {
  const docker = new SectionReader(dockerSection, checked, path);
  const pullPolicy = docker.list('pull_policy') as PullPolicy[];
  const entrypoint = entrypointOverwrite(docker);
  const wait = docker.num('wait_for_services_timeout');
  return {
    host: docker.str('host'),
    tlsVerify: docker.bool('tls_verify'),
    tlsCertPath: docker.str('tls_cert_path'),
    image: docker.str('image'),
    privileged: docker.bool('privileged'),
    servicesPrivileged: docker.has('services_privileged')
      ? docker.bool('services_privileged')
      : docker.bool('privileged'),
    allowedImages: docker.list('allowed_images'),
    allowedServices: docker.list('allowed_services'),
    allowedPrivilegedImages: docker.list('allowed_privileged_images'),
    allowedPrivilegedServices: docker.list('allowed_privileged_services'),
    allowedPullPolicies: docker.has('allowed_pull_policies')
      ? (docker.list('allowed_pull_policies') as PullPolicy[])
      : pullPolicy,
    pullPolicy: pullPolicy.length > 0 ? pullPolicy : ['always'],
    allowedUsers: docker.list('allowed_users'),
    user: docker.str('user'),
    disableEntrypointOverwrite: entrypoint.value,
    disableEntrypointOverwriteSource: entrypoint.source,
    disableCache: docker.bool('disable_cache'),
    cacheDir: docker.str('cache_dir'),
    volumes: volumes(docker, report),
    shmSize: docker.num('shm_size'),
    networkMode: docker.str('network_mode'),
    extraHosts: docker.list('extra_hosts'),
    memory: docker.str('memory'),
    memoryBytes: memory(docker, report),
    cpus: cpus(docker, report),
    capAdd: docker.list('cap_add'),
    capDrop: docker.list('cap_drop'),
    securityOpt: docker.list('security_opt'),
    devices: docker.list('devices'),
    dns: checkDns(docker, report),
    waitForServicesTimeout: wait === 0 ? 30 : wait,
    helperImage: docker.str('helper_image'),
  };
}
