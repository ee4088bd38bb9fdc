import type { ContainerSpec, Engine } from '../../engine/engine.js';
import {
  tcpPorts,
  waitForPortsFromHost,
  waitForPortsInContainer,
  type PortWaitOutcome,
} from '../../engine/wait/port-wait.js';
import type { JobService, PullPolicy } from '../../protocol/job-spec.js';
import type { JobLog } from '../executor.js';
import { ensureImage } from './image-pull.js';
import type { DigestPin } from './image-reference.js';
import type { JobContext } from './job-context.js';
import { BufferedLog } from './log-buffer.js';
import { networkName, supportsAliases, type NetworkPlan } from './networks.js';
import { serviceSlug } from './service-aliases.js';
import type { DockerExecutorSettings } from './settings.js';

/** A service after every policy decision, before any container exists. */
export interface ServicePlan {
  readonly index: number;
  readonly service: JobService;
  /** The image name after variable expansion. */
  readonly image: string;
  readonly aliases: readonly string[];
  /** Absent: keep the image's ENTRYPOINT. */
  readonly entrypoint?: readonly string[];
  readonly policies: readonly PullPolicy[];
  /** Digest pins the service image must match after the pull. */
  readonly pins?: readonly DigestPin[];
  readonly privileged: boolean;
}

export interface StartedService {
  readonly plan: ServicePlan;
  readonly id: string;
  readonly name: string;
}

export interface ServiceRuntime {
  readonly engine: Engine;
  readonly ctx: JobContext;
  readonly network: NetworkPlan;
  /** The volume binds every container of the job gets (builds volume, `volumes`). */
  readonly binds: readonly string[];
  readonly host: Pick<ContainerSpec, 'shmSize' | 'dns' | 'extraHosts'>;
  readonly signal: AbortSignal;
  /** Called with each created container id at once, so cleanup finds it after a failure. */
  readonly track: (id: string) => void;
}

/**
 * UI-defined (non-public) variables never reach services: services are not trusted with
 * secrets (GitLab docs). The service's own `variables:` come last and win.
 */
function serviceEnv(ctx: JobContext, service: JobService): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of ctx.job.variables) if (v.public && !v.file) env[v.key] = v.value;
  for (const v of service.variables ?? []) env[v.key] = v.value;
  return env;
}

async function startOne(
  rt: ServiceRuntime,
  plan: ServicePlan,
  log: JobLog,
): Promise<StartedService> {
  log.plain(`Starting service ${plan.image} ...`);
  await ensureImage(rt.engine, {
    image: plan.image,
    policies: plan.policies,
    credentials: rt.ctx.job.credentials,
    log,
    signal: rt.signal,
    ...(plan.pins === undefined ? {} : { pins: plan.pins }),
  });
  const name = `${rt.ctx.base}-${serviceSlug(plan.image)}-${plan.index}`;
  const network = networkName(rt.network);
  const id = await rt.engine.createContainer({
    name,
    image: plan.image,
    ...(plan.entrypoint === undefined ? {} : { entrypoint: plan.entrypoint }),
    ...(plan.service.command === undefined ? {} : { cmd: plan.service.command }),
    env: serviceEnv(rt.ctx, plan.service),
    labels: rt.ctx.labels('service'),
    binds: rt.binds,
    ...(network === undefined ? {} : { network }),
    ...(supportsAliases(rt.network) ? { networkAliases: plan.aliases } : {}),
    privileged: plan.privileged,
    ...rt.host,
  });
  rt.track(id);
  await rt.engine.startContainer(id);
  return { plan, id, name };
}

/**
 * Pulls, creates and starts every service, in parallel, printing their lines in job order.
 * Blocks until all are started (not ready: see waitForServices). Honours `signal`.
 */
export async function startServices(
  rt: ServiceRuntime,
  plans: readonly ServicePlan[],
  log: JobLog,
): Promise<StartedService[]> {
  const buffers = plans.map(() => new BufferedLog());
  const results = await Promise.allSettled(plans.map((plan, i) => startOne(rt, plan, buffers[i]!)));
  buffers.forEach((buffer) => buffer.flushTo(log));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<StartedService>).value);
}

/** `HEALTHCHECK_TCP_PORT` (one port) wins over the image's exposed TCP ports (first 20). */
function portsOf(service: StartedService, exposed: readonly string[]): number[] {
  const override = service.plan.service.variables?.find((v) => v.key === 'HEALTHCHECK_TCP_PORT');
  if (override !== undefined && /^\d+$/.test(override.value)) return [Number(override.value)];
  return tcpPorts(exposed);
}

async function probe(
  rt: ServiceRuntime,
  service: StartedService,
  timeoutMs: number,
  probeImage: string,
): Promise<PortWaitOutcome> {
  const info = await rt.engine.inspectContainer(service.id);
  if (info === undefined) return { status: 'timeout', detail: 'the service container is gone' };
  const ports = portsOf(service, info.exposedPorts);
  if (ports.length === 0) return { status: 'timeout', detail: 'service has no exposed TCP ports' };
  const network = networkName(rt.network);
  const address = Object.values(info.networks)[0]?.ipAddress ?? '';
  // Host probe when this process can route to container IPs (local engine): no extra container.
  // Otherwise probe from inside the job's network, as GitLab Runner's helper does.
  if (rt.engine.reachesContainerIps && address !== '') {
    return waitForPortsFromHost({ address, ports, timeoutMs, signal: rt.signal });
  }
  return waitForPortsInContainer(rt.engine, {
    network: network ?? 'bridge',
    host: supportsAliases(rt.network) ? (service.plan.aliases[0] ?? service.name) : address,
    ports,
    timeoutMs,
    image: probeImage,
    labels: rt.ctx.labels('wait'),
    name: `${service.name}-wait-for-service`,
    signal: rt.signal,
  });
}

/**
 * Waits for every service's TCP ports in parallel, up to `timeoutSeconds`. A service that does
 * not answer is a WARNING with its logs, never a job failure (GitLab semantics).
 */
export async function waitForServices(
  rt: ServiceRuntime,
  services: readonly StartedService[],
  timeoutSeconds: number,
  probeImage: string,
  log: JobLog,
): Promise<void> {
  log.plain(`Waiting for services to be up and running (timeout ${timeoutSeconds} seconds)...`);
  const outcomes = await Promise.all(
    services.map((service) => probe(rt, service, timeoutSeconds * 1000, probeImage)),
  );
  for (const [i, outcome] of outcomes.entries()) {
    const service = services[i];
    if (outcome.status === 'ready' || service === undefined) continue;
    const logs = await rt.engine.containerLogs(service.id, { tail: 100 }).catch(() => '');
    log.plain('');
    log.warning(`Service ${service.name} probably didn't start properly.`);
    log.plain('');
    log.plain('Health check error:');
    log.plain(`service "${service.name}" timeout: ${outcome.detail}`);
    log.plain('');
    log.plain('Service container logs:');
    for (const line of logs.split('\n').filter((l) => l !== '')) log.plain(line);
    log.plain('');
    log.plain('*********');
    log.plain('');
  }
}

/** `alias:ip` entries for the build container when services sit on the default bridge. */
export async function linkHosts(
  rt: ServiceRuntime,
  services: readonly StartedService[],
): Promise<string[]> {
  const entries: string[] = [];
  for (const service of services) {
    const info = await rt.engine.inspectContainer(service.id);
    const ip = Object.values(info?.networks ?? {})[0]?.ipAddress ?? '';
    if (ip !== '') for (const alias of service.plan.aliases) entries.push(`${alias}:${ip}`);
  }
  return entries;
}

/**
 * A job's services, ready for the build container: started, waited for (warnings only, as
 * GitLab does), and the `/etc/hosts` links the build container needs on the default bridge.
 */
export async function prepareServices(
  owner: {
    readonly engine: Engine;
    readonly settings: DockerExecutorSettings;
    readonly track: (id: string) => void;
  },
  job: {
    readonly ctx: JobContext;
    readonly services: readonly ServicePlan[];
    readonly network: NetworkPlan;
    readonly binds: readonly string[];
    readonly signal: AbortSignal;
    readonly log: JobLog;
  },
): Promise<string[]> {
  const settings = owner.settings;
  const rt: ServiceRuntime = {
    engine: owner.engine,
    ctx: job.ctx,
    network: job.network,
    binds: job.binds,
    host: {
      ...(settings.shm_size > 0 ? { shmSize: settings.shm_size } : {}),
      ...(settings.dns.length > 0 ? { dns: settings.dns } : {}),
      ...(settings.extra_hosts.length > 0 ? { extraHosts: settings.extra_hosts } : {}),
    },
    signal: job.signal,
    track: owner.track,
  };
  const started = await startServices(rt, job.services, job.log);
  const timeout = settings.wait_for_services_timeout;
  if (timeout !== -1) {
    const seconds = timeout === 0 ? 30 : timeout;
    await waitForServices(rt, started, seconds, settings.probeImage ?? 'busybox:latest', job.log);
  }
  return supportsAliases(job.network) ? [] : linkHosts(rt, started);
}
