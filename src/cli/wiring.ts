import { hostname } from 'node:os';
import type { DockerSettings, RunnerSection } from '../config/types.js';
import { UsageError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { ExecutorProvider } from '../executors/executor.js';
import {
  defaultDockerSettings,
  type DockerExecutorSettings,
} from '../executors/docker/settings.js';
import type { PullPolicy } from '../protocol/job-spec.js';
import type { JobRunner } from '../runner/job-run.js';
import { shortToken } from '../runner/runner-identity.js';

/**
 * The composition root: the only place that knows concrete executors and engines. Commands ask
 * it for an ExecutorProvider and never import executors or the engine themselves. Executors and
 * the engine client are imported only when a runner uses them: loading the docker and
 * docker+machine code costs a `dockhand exec --executor shell` of a one-line job ≈ 25 ms.
 */

/** A runner dockhand exec can use: from config.toml, or the embedded one when there is none. */
export interface ExecRunner {
  readonly name: string;
  readonly tagList: readonly string[];
  readonly runUntagged: boolean;
  readonly executor: string;
  /** The section from config.toml; undefined for the embedded runner. */
  readonly section: RunnerSection | undefined;
}

/**
 * The runner `dockhand exec` uses without a config.toml: docker on the local engine, any job
 * (tagged or not), no default image, and images used as present locally (`if-not-present`): a
 * local run should not pull what the machine already has.
 */
export const EMBEDDED_RUNNER: ExecRunner = {
  name: 'local',
  tagList: [],
  runUntagged: true,
  executor: 'docker',
  section: undefined,
};

/** The runner as job-run describes it (header line, runner variables). */
export function jobRunnerFor(runner: ExecRunner): JobRunner {
  const section = runner.section;
  const token = section?.token;
  return {
    name: runner.name,
    // The short token is what GitLab prints in every job log; never the token itself.
    shortToken: token === undefined || token === '' ? 'local' : shortToken(token),
    ...(section?.buildsDir === undefined ? {} : { buildsDir: section.buildsDir }),
    ...(section === undefined
      ? {}
      : {
          environment: section.environment,
          outputLimitKiB: section.outputLimit,
          featureFlags: section.featureFlags,
          preBuildScript: section.preBuildScript,
          postBuildScript: section.postBuildScript,
        }),
    disposable: runner.executor !== 'shell',
  };
}

/** The job image's default from the runner's `[runners.docker] image`, if any. */
export function defaultImageOf(runner: ExecRunner): string | undefined {
  const image = runner.section?.docker?.image;
  return image === undefined || image === '' ? undefined : image;
}

/** SIGTERM → SIGKILL grace for a stopped stage in `dockhand exec`. */
export const EXEC_STOP_GRACE_SECONDS = 3;

function parseCpus(text: string | undefined): number {
  const value = text === undefined ? 0 : Number.parseFloat(text);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** config.toml `[runners.docker]` (already validated) → the docker executor's settings. */
export function dockerSettingsFrom(docker: DockerSettings | undefined): DockerExecutorSettings {
  const base = defaultDockerSettings(docker?.image ?? '');
  const local: DockerExecutorSettings = {
    ...base,
    pull_policy: ['if-not-present'] as readonly PullPolicy[],
    runnerHost: hostname(),
    // Local runs are interactive: a Ctrl-C or a timeout should stop a stage within seconds. The
    // job's processes get SIGTERM first (GitLab's stop script), then this grace before the kill.
    stopGraceSeconds: EXEC_STOP_GRACE_SECONDS,
  };
  if (docker === undefined) return local;
  return {
    ...local,
    privileged: docker.privileged,
    services_privileged: docker.servicesPrivileged,
    volumes: docker.volumes.map((v) => v.raw),
    disable_cache: docker.disableCache,
    ...(docker.cacheDir === undefined ? {} : { cache_dir: docker.cacheDir }),
    shm_size: docker.shmSize,
    ...(docker.networkMode === undefined ? {} : { network_mode: docker.networkMode }),
    extra_hosts: docker.extraHosts,
    memory: docker.memoryBytes ?? 0,
    cpus: parseCpus(docker.cpus),
    cap_add: docker.capAdd,
    cap_drop: docker.capDrop,
    security_opt: docker.securityOpt,
    devices: docker.devices,
    ...(docker.user === undefined ? {} : { user: docker.user }),
    dns: docker.dns,
    wait_for_services_timeout: docker.waitForServicesTimeout,
    pull_policy: docker.pullPolicy,
    allowed_pull_policies: docker.allowedPullPolicies,
    allowedImages: docker.allowedImages,
    allowedServices: docker.allowedServices,
    allowedPrivilegedImages: docker.allowedPrivilegedImages,
    allowedPrivilegedServices: docker.allowedPrivilegedServices,
    allowedUsers: docker.allowedUsers,
    disableEntrypointOverwrite: docker.disableEntrypointOverwrite,
    ...(docker.helperImage === undefined ? {} : { helperImage: docker.helperImage }),
  };
}

/** A provider and the check that its backend answers (run once, before the first job). */
export interface WiredProvider {
  readonly provider: ExecutorProvider;
  /** Rejects with an EnvironmentError (exit 1, with a hint) when the engine does not answer. */
  readonly ready: (signal?: AbortSignal) => Promise<void>;
  /**
   * Releases what the provider holds beyond single jobs (docker+machine: removes its VMs). Call
   * once when the process is done with it; never throws. Absent when there is nothing to release.
   */
  readonly close?: () => Promise<void>;
}

/** Makes the executor provider for a runner; one per runner per dockhand process. */
export async function createProvider(
  runner: ExecRunner,
  env: Readonly<Record<string, string | undefined>>,
  executorOverride?: string,
): Promise<ExecutorProvider> {
  return (await wireProvider(runner, env, executorOverride)).provider;
}

/** Like createProvider, with the readiness check of its engine. */
export async function wireProvider(
  runner: ExecRunner,
  env: Readonly<Record<string, string | undefined>>,
  executorOverride?: string,
  logger: Logger = silentLogger,
): Promise<WiredProvider> {
  const kind = executorOverride ?? runner.executor;
  switch (kind) {
    case 'docker+machine': {
      const [{ wireMachineProvider }, { HttpEngine }] = await Promise.all([
        import('./machine-wiring.js'),
        import('../engine/http-engine.js'),
      ]);
      // Each job runs in a VM of the runner's pool (src/cli/machine-wiring.ts).
      return wireMachineProvider(runner, {
        env,
        docker: { ...dockerSettingsFrom(runner.section?.docker), runnerName: runner.name },
        shortToken: jobRunnerFor(runner).shortToken,
        connect: (endpoint) => new HttpEngine(endpoint),
        logger,
      });
    }
    case 'docker': {
      const [{ HttpEngine }, { resolveEndpoint }, { DockerExecutorProvider }] = await Promise.all([
        import('../engine/http-engine.js'),
        import('../engine/endpoint.js'),
        import('../executors/docker/provider.js'),
      ]);
      const docker = runner.section?.docker;
      const engine = new HttpEngine(
        resolveEndpoint({
          configHost: docker?.host,
          tlsVerify: docker?.tlsVerify,
          tlsCertPath: docker?.tlsCertPath,
          env,
        }),
      );
      // The runner's name goes into policy messages (which runner refused, which key allows it).
      const settings = { ...dockerSettingsFrom(docker), runnerName: runner.name };
      return {
        provider: new DockerExecutorProvider(engine, settings),
        ready: (signal) => engine.ping(signal),
      };
    }
    case 'shell': {
      const { ShellExecutorProvider } = await import('../executors/shell/provider.js');
      // Jobs start from this process's environment, as GitLab's shell executor does.
      return {
        provider: new ShellExecutorProvider({ env, graceMs: EXEC_STOP_GRACE_SECONDS * 1000 }),
        ready: () => Promise.resolve(),
      };
    }
    default:
      throw new UsageError(`unknown executor "${kind}"`, {
        hint: 'use --executor docker or --executor shell',
      });
  }
}
