import { hostname } from 'node:os';
import { DockhandError, InternalError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import {
  USER_STAGES,
  type CommandResult,
  type Executor,
  type ExecutorCommand,
  type JobLog,
  type PrepareOptions,
  type ProjectFiles,
} from '../executor.js';
import { JobFailedError } from '../job-error.js';
import {
  buildContainerSpec,
  helperContainerSpec,
  type SharedContainerParts,
} from './container-specs.js';
import { ensureImage } from './image-pull.js';
import { createJobContext, type JobContext } from './job-context.js';
import { planJob, type JobPlan } from './job-plan.js';
import { prepareLocalSources, type LocalSources } from './local-sources.js';
import { dockerProjectFiles } from './project-files.js';
import { BufferedLog } from './log-buffer.js';
import { createJobNetwork, planNetwork, supportsAliases, type NetworkPlan } from './networks.js';
import { linkHosts, startServices, waitForServices, type ServiceRuntime } from './services.js';
import type { DockerExecutorSettings } from './settings.js';
import { runStage } from './stage-run.js';
import { planVolumes } from './volumes.js';

interface Prepared {
  readonly ctx: JobContext;
  readonly plan: JobPlan;
  readonly parts: SharedContainerParts;
  readonly buildId: string;
  readonly sourceLines: readonly string[] | undefined;
}

/** Resolves every promise, then rethrows the first failure (so nothing is left in flight). */
async function settleAll<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * The docker executor for one job (shared/reference/gitlab-runner.md §2). A simple job costs one
 * container and one volume: no helper container (created lazily, only for non-empty non-user
 * stages), no network (only with services), and independent work overlapped.
 */
export class DockerExecutor implements Executor {
  private readonly containers = new Set<string>();
  private readonly volumes = new Set<string>();
  private networkId: string | undefined;
  private sources: LocalSources | undefined;
  private prepared: Prepared | undefined;
  private helperId: Promise<string> | undefined;
  private closed = false;
  /** The job log given to prepare; run() writes to the same one. */
  private log: PrepareOptions['log'] | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly settings: DockerExecutorSettings,
    private readonly session: string,
  ) {}

  async prepare(options: PrepareOptions): Promise<void> {
    this.log = options.log;
    try {
      await this.doPrepare(options);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (error instanceof JobFailedError) throw error;
      throw new JobFailedError(
        'runner_system_failure',
        error instanceof DockhandError ? error.code : 'docker.prepare',
        (error as Error).message,
        {
          cause: error,
          ...(error instanceof DockhandError && error.hint !== undefined
            ? { hint: error.hint }
            : {}),
        },
      );
    }
  }

  private async doPrepare({ job, log, signal, localRepository }: PrepareOptions): Promise<void> {
    const ctx = createJobContext(job, this.session);
    const plan = planJob(ctx, this.settings, log);
    const network = planNetwork(this.settings.network_mode, plan.services.length > 0, ctx.base);
    const volumePlan = planVolumes({
      entries: plan.volumes,
      disableCache: this.settings.disable_cache,
      cacheDir: this.settings.cache_dir,
      cachePrefix: ctx.slotName,
      jobPrefix: ctx.base,
    });
    const buildsVolume = `${ctx.base}-builds`;
    const binds = [`${buildsVolume}:${ctx.buildsDir}`, ...volumePlan.binds];
    signal.throwIfAborted();

    const volumeJobs = [{ name: buildsVolume, temporary: true }, ...volumePlan.create].map(
      async ({ name, temporary }) => {
        if (temporary) this.volumes.add(name);
        await this.engine.createVolume({
          name,
          labels: ctx.labels(temporary ? 'volume' : 'cache', temporary),
        });
        if (temporary && this.closed) await this.engine.removeVolume(name).catch(() => undefined);
      },
    );
    const buildLog = new BufferedLog();
    const buildImage = ensureImage(this.engine, {
      image: plan.image,
      policies: plan.policies,
      credentials: job.credentials,
      log: buildLog,
      signal,
      pins: plan.pins,
    });
    const sources =
      localRepository === undefined
        ? Promise.resolve(undefined)
        : prepareLocalSources(localRepository, ctx, signal);
    const infrastructure = settleAll([
      createJobNetwork(this.engine, network, ctx.labels('network')).then((id) =>
        this.adoptNetwork(id),
      ),
      Promise.all(volumeJobs),
    ]);

    let hosts: string[] = [];
    if (plan.services.length > 0) {
      await infrastructure;
      hosts = await this.startServices({ ctx, plan, network, binds, signal, log });
    }
    // The pull lines go to the log also when something failed: a refusal after the pull (digest
    // pin) or a failed pull must show what was pulled and how.
    const settled = settleAll([infrastructure, buildImage, sources] as const).finally(() =>
      buildLog.flushTo(log),
    );
    const [, , local] = await settled;
    this.sources = local;
    signal.throwIfAborted();

    const parts: SharedContainerParts = {
      ctx,
      settings: this.settings,
      network,
      binds,
      linkHosts: hosts,
    };
    const buildId = await this.engine.createContainer(buildContainerSpec(parts, plan));
    this.adoptContainer(buildId);
    if (local !== undefined) {
      await this.engine.putArchive(buildId, local.extractAt, local.tar());
      await local.dispose();
    }
    this.prepared = { ctx, plan, parts, buildId, sourceLines: local?.lines };
  }

  /** Services: start, wait (warnings only), and the `/etc/hosts` links on the default bridge. */
  private async startServices(job: {
    ctx: JobContext;
    plan: JobPlan;
    network: NetworkPlan;
    binds: readonly string[];
    signal: AbortSignal;
    log: JobLog;
  }): Promise<string[]> {
    const settings = this.settings;
    const rt: ServiceRuntime = {
      engine: this.engine,
      ctx: job.ctx,
      network: job.network,
      binds: job.binds,
      host: {
        ...(settings.shm_size > 0 ? { shmSize: settings.shm_size } : {}),
        ...(settings.dns.length > 0 ? { dns: settings.dns } : {}),
        ...(settings.extra_hosts.length > 0 ? { extraHosts: settings.extra_hosts } : {}),
      },
      signal: job.signal,
      track: (id) => this.adoptContainer(id),
    };
    const started = await startServices(rt, job.plan.services, job.log);
    const timeout = settings.wait_for_services_timeout;
    if (timeout !== -1) {
      const seconds = timeout === 0 ? 30 : timeout;
      await waitForServices(rt, started, seconds, settings.probeImage ?? 'busybox:latest', job.log);
    }
    return supportsAliases(job.network) ? [] : linkHosts(rt, started);
  }

  async run(command: ExecutorCommand): Promise<CommandResult> {
    const prepared = this.prepared;
    if (prepared === undefined)
      throw new InternalError('DockerExecutor.run called before prepare succeeded');
    const log = this.log;
    if (log === undefined) throw new InternalError('DockerExecutor.run called before prepare');
    if (command.stage === 'prepare_script') {
      // GitLab's helper prints this from inside the job's network namespace; the hostname is
      // the one given to the build container.
      log.plain(
        `Running on ${prepared.ctx.slotName} via ${this.settings.runnerHost ?? hostname()}...`,
      );
    }
    if (command.stage === 'get_sources' && prepared.sourceLines !== undefined) {
      // Local run: the executor already put the sources in place during prepare; the job
      // runner's git script would need a network.
      for (const line of prepared.sourceLines) log.info(line);
      return { exitCode: 0 };
    }
    if (command.script.trim() === '') return { exitCode: 0 };
    const containerId = USER_STAGES.has(command.stage)
      ? prepared.buildId
      : await this.helperContainer(prepared);
    const exitCode = await runStage({
      engine: this.engine,
      containerId,
      script: command.script,
      log,
      signal: command.signal,
      graceSeconds: this.settings.stopGraceSeconds ?? 10,
    });
    return { exitCode };
  }

  /** Host access to the build container's project directory (local caches and artifacts). */
  projectFiles(): ProjectFiles {
    const prepared = this.prepared;
    if (prepared === undefined) {
      throw new InternalError('DockerExecutor.projectFiles called before prepare succeeded');
    }
    return dockerProjectFiles(this.engine, prepared.buildId, prepared.ctx.projectDir);
  }

  private helperContainer(prepared: Prepared): Promise<string> {
    this.helperId ??= this.engine
      .createContainer(helperContainerSpec(prepared.parts, prepared.plan, prepared.buildId))
      .then((id) => {
        this.adoptContainer(id);
        return id;
      });
    return this.helperId;
  }

  async cleanup(): Promise<void> {
    this.closed = true;
    const containers = [...this.containers];
    this.containers.clear();
    await Promise.allSettled(containers.map((id) => this.engine.removeContainer(id)));
    if (this.networkId !== undefined) {
      const id = this.networkId;
      this.networkId = undefined;
      await this.engine.removeNetwork(id).catch(() => undefined);
    }
    const volumes = [...this.volumes];
    this.volumes.clear();
    await Promise.allSettled(volumes.map((name) => this.engine.removeVolume(name)));
    await this.sources?.dispose().catch(() => undefined);
  }

  /** Records a container for cleanup; one created after cleanup began is removed at once. */
  private adoptContainer(id: string): void {
    if (this.closed) void this.engine.removeContainer(id).catch(() => undefined);
    else this.containers.add(id);
  }

  private adoptNetwork(id: string | undefined): void {
    if (id === undefined) return;
    if (this.closed) void this.engine.removeNetwork(id).catch(() => undefined);
    else this.networkId = id;
  }
}
