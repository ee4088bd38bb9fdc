import type { JobImage, PullPolicy } from '../../protocol/job-spec.js';
import type { JobLog } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import {
  checkAllowedImage,
  decideEntrypoint,
  decideUser,
  privilegeAllowed,
  type PolicyDecision,
} from './image-policy.js';
import { expandVariables, type JobContext } from './job-context.js';
import type { DigestPin } from './image-reference.js';
import { effectivePullPolicy } from './pull-policy.js';
import type { ServicePlan } from './services.js';
import { planServiceAliases } from './service-aliases.js';
import type { DockerExecutorSettings } from './settings.js';
import { parseVolume, type VolumeEntry } from './volumes.js';

/** Every decision about a job, taken before any container, network or volume exists. */
export interface JobPlan {
  readonly image: string;
  /** Absent: keep the image's ENTRYPOINT. */
  readonly entrypoint?: readonly string[];
  readonly policies: readonly PullPolicy[];
  /** Digest pins the image must match after the pull (see image-policy.ts). */
  readonly pins: readonly DigestPin[];
  readonly privileged: boolean;
  readonly user?: string;
  readonly services: readonly ServicePlan[];
  readonly volumes: readonly VolumeEntry[];
}

function enforce(decision: PolicyDecision, log: JobLog): readonly DigestPin[] {
  if (decision.allowed) return decision.pins ?? [];
  for (const line of decision.lines) log.plain(line);
  // GitLab reports a disallowed image as a system failure with exactly this text.
  throw new JobFailedError('runner_system_failure', 'docker.image-not-allowed', decision.reason, {
    hint: 'use an image matching allowed_images / allowed_services, or extend those lists in config.toml',
  });
}

function policiesFor(image: string, job: JobImage | undefined, settings: DockerExecutorSettings) {
  const decision = effectivePullPolicy({
    image,
    job: job?.pull_policy,
    runner: settings.pull_policy,
    allowed: settings.allowed_pull_policies,
  });
  if (!decision.ok) {
    throw new JobFailedError('runner_configuration_error', 'docker.pull-policy', decision.message, {
      hint: "align the job's pull_policy with allowed_pull_policies in [runners.docker]",
    });
  }
  return decision.policies;
}

function entrypointFor(
  ctx: JobContext,
  subject: string,
  entrypoint: readonly string[] | undefined,
  restricted: boolean,
  key: 'allowed_images' | 'allowed_services',
  settings: DockerExecutorSettings,
  log: JobLog,
): readonly string[] | undefined {
  const decision = decideEntrypoint({
    jobName: ctx.job.job_info.name,
    runnerName: settings.runnerName,
    subject,
    entrypoint,
    restricted,
    restrictingKey: key,
    disableEntrypointOverwrite: settings.disableEntrypointOverwrite,
  });
  switch (decision.kind) {
    case 'keep-image':
      return undefined;
    case 'override':
      if (decision.warning !== undefined) log.warning(decision.warning);
      return decision.entrypoint;
    case 'ignored':
      log.warning(decision.warning);
      return undefined;
    case 'refused':
      throw new JobFailedError(
        'runner_configuration_error',
        'docker.entrypoint-locked',
        decision.message,
        {
          hint: decision.hint,
        },
      );
  }
}

function planServices(
  ctx: JobContext,
  settings: DockerExecutorSettings,
  log: JobLog,
): ServicePlan[] {
  const services = ctx.job.services.map((s) => ({
    ...s,
    name: expandVariables(s.name, ctx.variable),
  }));
  const aliasPlans = planServiceAliases(services);
  const privileged = settings.services_privileged ?? settings.privileged;
  return services.map((service, index) => {
    const pins = enforce(
      checkAllowedImage({
        image: service.name,
        allowed: settings.allowedServices,
        internal: [],
        kind: 'services',
      }),
      log,
    );
    const aliases = aliasPlans[index] ?? { aliases: [], duplicates: [] };
    for (const duplicate of aliases.duplicates) {
      log.warning(
        `Service ${service.name}: alias "${duplicate}" is already in use by another service, skipped`,
      );
    }
    const entrypoint = entrypointFor(
      ctx,
      `service ${service.name}`,
      service.entrypoint,
      settings.allowedServices.length > 0,
      'allowed_services',
      settings,
      log,
    );
    return {
      index,
      service,
      image: service.name,
      aliases: aliases.aliases,
      ...(entrypoint === undefined ? {} : { entrypoint }),
      policies: policiesFor(service.name, service, settings),
      pins,
      privileged: privileged && privilegeAllowed(service.name, settings.allowedPrivilegedServices),
    };
  });
}

function planVolumeEntries(settings: DockerExecutorSettings): VolumeEntry[] {
  return settings.volumes.map((spec) => {
    const parsed = parseVolume(spec);
    if (!parsed.ok) {
      throw new JobFailedError('runner_configuration_error', 'docker.volume', parsed.message, {
        hint: 'fix [runners.docker] volumes in config.toml',
      });
    }
    return parsed.entry;
  });
}

/**
 * Checks every policy and returns the plan, or throws a JobFailedError before anything is
 * created: allowed images/services, the entrypoint lock, users, pull policies, volumes.
 */
export function planJob(ctx: JobContext, settings: DockerExecutorSettings, log: JobLog): JobPlan {
  const jobImage = ctx.job.image;
  const image = expandVariables(jobImage?.name ?? settings.image, ctx.variable);
  log.plain(`Using Docker executor with image ${image} ...`);
  const pins = enforce(
    checkAllowedImage({
      image,
      allowed: settings.allowedImages,
      internal: [
        settings.image,
        ...(settings.helperImage === undefined ? [] : [settings.helperImage]),
      ],
      kind: 'images',
    }),
    log,
  );
  const entrypoint = entrypointFor(
    ctx,
    `image ${image}`,
    jobImage?.entrypoint,
    settings.allowedImages.length > 0,
    'allowed_images',
    settings,
    log,
  );
  const user = decideUser({
    runnerUser: settings.user,
    jobUser: jobImage?.executor_opts?.docker?.user,
    allowedUsers: settings.allowedUsers,
  });
  if (!user.allowed) {
    throw new JobFailedError('runner_configuration_error', 'docker.user-not-allowed', user.reason, {
      hint: 'use a user listed in allowed_users, or remove image:docker:user from the job',
    });
  }
  const services = planServices(ctx, settings, log);
  return {
    image,
    ...(entrypoint === undefined ? {} : { entrypoint }),
    policies: policiesFor(image, jobImage, settings),
    pins,
    privileged: settings.privileged && privilegeAllowed(image, settings.allowedPrivilegedImages),
    ...(user.user === undefined ? {} : { user: user.user }),
    services,
    volumes: planVolumeEntries(settings),
  };
}
