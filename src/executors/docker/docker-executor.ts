import { hostname } from 'node:os';
import { DockhandError, InternalError } from '../../core/errors.js';
import { LABELS } from '../../core/labels.js';
import type { Engine } from '../../engine/engine.js';
import {
  USER_STAGES,
  type CommandResult,
  type Executor,
  type ExecutorCommand,
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
import { createJobNetwork, planNetwork } from './networks.js';
import { prepareServices } from './services.js';
import type { DockerExecutorSettings } from './settings.js';
import { isTrue, settleAll } from './settle.js';
import { runStage } from './stage-run.js';
import { planVolumes } from './volumes.js';
import { BuildsSlots, buildsBind, buildsVolumes, leaseBuildsVolume } from './builds-volume.js';

interface Prepared {
  readonly ctx: JobContext;
  readonly plan: JobPlan;
  readonly parts: SharedContainerParts;
  readonly buildId: string;
  readonly sourceLines: readonly string[] | undefined;
}

/**
 * The docker executor for one job (shared/reference/gitlab-runner.md §2). A simple job costs one
 * container, whose anonymous builds volume goes with it: no helper container (created lazily,
 * only for non-empty non-user stages), no network (only with services), no named volume (only
 * with services, a kept builds volume or cache volumes), and independent work overlapped.
 */
export class DockerExecutor implements Executor {
  private readonly containers = new Set<string>();
  private readonly volumes = new Set<string>();
  private networkId: string | undefined;
  private sources: LocalSources | undefined;
  private prepared: Prepared | undefined;
  private helperId: Promise<string> | undefined;
  private closed = false;
  /** Frees this job's persistent builds slot (builds-volume.ts). */
  private releaseSlot: (() => void) | undefined;
  /** The job log given to prepare; run() writes to the same one. */
  private log: PrepareOptions['log'] | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly settings: DockerExecutorSettings,
    private readonly session: string,
    private readonly slots: BuildsSlots = new BuildsSlots(),
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
    });
    for (const warning of volumePlan.warnings) log.warning(warning);
    const { volume: builds, release } = leaseBuildsVolume(this.slots, ctx, {
      strategy: ctx.variable('GIT_STRATEGY') ?? 'fetch',
      local: localRepository !== undefined,
      disableCache: this.settings.disable_cache,
      cacheDir: this.settings.cache_dir,
      shared: plan.services.length > 0,
      configuredTargets: plan.volumes.map((entry) => entry.target),
    });
    this.releaseSlot = release;
    const buildsEntry = buildsBind(builds, ctx.buildsDir);
    const binds = [...(buildsEntry === undefined ? [] : [buildsEntry]), ...volumePlan.binds];
    signal.throwIfAborted();

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
        : prepareLocalSources(localRepository, ctx, signal).then((local) => {
            this.sources = local;
            if (this.closed) void local.dispose().catch(() => undefined);
            return local;
          });
    const infrastructure = settleAll([
      createJobNetwork(this.engine, network, ctx.labels('network')).then((id) =>
        this.adoptNetwork(id),
      ),
      this.createVolumes(ctx, [...buildsVolumes(builds), ...volumePlan.create]),
    ]);

    let hosts: string[] = [];
    if (plan.services.length > 0) {
      await infrastructure;
      hosts = await prepareServices(
        { engine: this.engine, settings: this.settings, track: (id) => this.adoptContainer(id) },
        { ctx, services: plan.services, network, binds, signal, log },
      );
    }
    const parts: SharedContainerParts = {
      ctx,
      settings: this.settings,
      network,
      binds,
      linkHosts: hosts,
      ...(builds.kind === 'anonymous'
        ? { labelledVolumes: [{ target: ctx.buildsDir, labels: ctx.labels('volume') }] }
        : {}),
      ...(isTrue(ctx.variable('FF_USE_INIT_WITH_DOCKER_EXECUTOR')) ? { init: true } : {}),
    };
    // The pull lines go to the log also when something failed: a refusal after the pull (digest
    // pin) or a failed pull must show what was pulled and how. The build container needs the
    // image and the volumes, not the sources: it is created while the checkout runs.
    const ready = settleAll([infrastructure, buildImage] as const).finally(() =>
      buildLog.flushTo(log),
    );
    const container = ready.then(async () => {
      signal.throwIfAborted();
      const id = await this.engine.createContainer(buildContainerSpec(parts, plan));
      this.adoptContainer(id);
      return id;
    });
    const [buildId, local] = await settleAll([container, sources] as const);
    signal.throwIfAborted();
    if (local !== undefined) {
      await this.engine.putArchive(buildId, local.extractAt, local.tar());
      // The host copy is not needed any more; cleanup waits for its removal, the job does not.
      void local.dispose().catch(() => undefined);
    }
    this.prepared = { ctx, plan, parts, buildId, sourceLines: local?.lines };
  }

  /** Creates the named volumes; temporary ones are removed at cleanup (also if it already ran). */
  private async createVolumes(
    ctx: JobContext,
    volumes: readonly { name: string; temporary: boolean }[],
  ): Promise<void> {
    await Promise.all(
      volumes.map(async ({ name, temporary }) => {
        if (temporary) this.volumes.add(name);
        // Kept volumes carry no session (the sweeper leaves them); the pid tells which process
        // made them, so a test can remove what its daemon left.
        const labels = temporary
          ? ctx.labels('volume')
          : { ...ctx.labels('cache', false), [LABELS.pid]: String(process.pid) };
        await this.engine.createVolume({ name, labels });
        if (temporary && this.closed) await this.engine.removeVolume(name).catch(() => undefined);
      }),
    );
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
      nativeStop: isTrue(prepared.ctx.variable('FF_USE_NATIVE_CONTAINER_STOP')),
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
    // The build container goes last: `rm -v` removes its anonymous builds volume only once no
    // helper (volumes-from) uses it any more.
    const buildId = this.prepared?.buildId;
    const others = containers.filter((id) => id !== buildId);
    await Promise.allSettled(others.map((id) => this.engine.removeContainer(id)));
    if (buildId !== undefined && containers.includes(buildId)) {
      await this.engine.removeContainer(buildId).catch(() => undefined);
    }
    if (this.networkId !== undefined) {
      const id = this.networkId;
      this.networkId = undefined;
      await this.engine.removeNetwork(id).catch(() => undefined);
    }
    const volumes = [...this.volumes];
    this.volumes.clear();
    await Promise.allSettled(volumes.map((name) => this.engine.removeVolume(name)));
    await this.sources?.dispose().catch(() => undefined);
    this.releaseSlot?.();
    this.releaseSlot = undefined;
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
