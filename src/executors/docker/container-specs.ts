import type { ContainerSpec } from '../../engine/engine.js';
import type { JobContext } from './job-context.js';
import type { JobPlan } from './job-plan.js';
import { networkName, supportsAliases, type NetworkPlan } from './networks.js';
import type { DockerExecutorSettings } from './settings.js';
import { buildContainerCmd } from './shell-detect.js';

/**
 * The build container's environment: every job variable, as GitLab Runner passes them, so that
 * an image whose ENTRYPOINT does the work (seed setup 1) sees CI_PROJECT_DIR, CI_REGISTRY_*.
 * File-type variables hold the path the job runner writes their content to
 * (`<CI_PROJECT_DIR>.tmp/<KEY>`), never the content. Values are never logged.
 */
export function buildEnv(ctx: JobContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of ctx.job.variables) {
    env[v.key] = v.file ? `${ctx.projectDir}.tmp/${v.key}` : v.value;
  }
  return env;
}

export interface SharedContainerParts {
  readonly ctx: JobContext;
  readonly settings: DockerExecutorSettings;
  readonly network: NetworkPlan;
  readonly binds: readonly string[];
  /** Extra `/etc/hosts` entries (service links on the default bridge). */
  readonly linkHosts: readonly string[];
  /** Anonymous, labelled volumes of the build container (the builds dir without services). */
  readonly labelledVolumes?: ContainerSpec['labelledVolumes'];
  /** `FF_USE_INIT_WITH_DOCKER_EXECUTOR`: `--init` for the build and helper containers. */
  readonly init?: boolean;
}

function hostOptions(parts: SharedContainerParts): Partial<ContainerSpec> {
  const s = parts.settings;
  return {
    ...(s.shm_size > 0 ? { shmSize: s.shm_size } : {}),
    ...(s.dns.length > 0 ? { dns: s.dns } : {}),
    ...(s.extra_hosts.length + parts.linkHosts.length > 0
      ? { extraHosts: [...s.extra_hosts, ...parts.linkHosts] }
      : {}),
    ...(s.memory > 0 ? { memory: s.memory } : {}),
    ...(s.cpus > 0 ? { nanoCpus: Math.round(s.cpus * 1e9) } : {}),
    ...(s.cap_add.length > 0 ? { capAdd: s.cap_add } : {}),
    ...(s.cap_drop.length > 0 ? { capDrop: s.cap_drop } : {}),
    ...(s.security_opt.length > 0 ? { securityOpt: s.security_opt } : {}),
    ...(s.devices.length > 0 ? { devices: s.devices } : {}),
    ...(parts.init === true ? { init: true } : {}),
  };
}

/** The build container: job image, image ENTRYPOINT kept unless overridden, `sh -c <detect>`. */
export function buildContainerSpec(parts: SharedContainerParts, plan: JobPlan): ContainerSpec {
  const network = networkName(parts.network);
  return {
    name: `${parts.ctx.base}-build`,
    image: plan.image,
    ...(plan.entrypoint === undefined ? {} : { entrypoint: plan.entrypoint }),
    cmd: buildContainerCmd(),
    env: buildEnv(parts.ctx),
    labels: parts.ctx.labels('build'),
    hostname: parts.ctx.slotName,
    ...(plan.user === undefined ? {} : { user: plan.user }),
    binds: parts.binds,
    ...(parts.labelledVolumes === undefined ? {} : { labelledVolumes: parts.labelledVolumes }),
    ...(network === undefined ? {} : { network }),
    ...(supportsAliases(parts.network) && parts.network.kind === 'per-job'
      ? { networkAliases: ['build'] }
      : {}),
    privileged: plan.privileged,
    openStdin: true,
    ...hostOptions(parts),
  };
}

/**
 * The container for non-user stages (prepare, sources, cache, artifacts, cleanup): the helper
 * image if configured, else the job image with its ENTRYPOINT cleared — helper stages must never
 * run the image's ENTRYPOINT (a builder image's entrypoint would run once per stage). It shares
 * the build container's volumes and network, and runs as root like GitLab's helper.
 */
export function helperContainerSpec(
  parts: SharedContainerParts,
  plan: JobPlan,
  buildContainerId: string,
): ContainerSpec {
  const network = networkName(parts.network);
  return {
    name: `${parts.ctx.base}-predefined`,
    image: parts.settings.helperImage ?? plan.image,
    entrypoint: [''],
    cmd: buildContainerCmd(),
    env: buildEnv(parts.ctx),
    labels: parts.ctx.labels('helper'),
    hostname: parts.ctx.slotName,
    volumesFrom: [buildContainerId],
    ...(network === undefined ? {} : { network }),
    privileged: plan.privileged,
    openStdin: true,
    ...hostOptions(parts),
  };
}
