import type { RunnerSection } from '../config/types.js';
import type { Finding } from './finding.js';
import { isolationPhrase, runnerFacts, type RunnerFacts } from './runner-facts.js';

/** What the audit needs of one job of .gitlab-ci.yml (the CLI maps the pipeline model onto it). */
export interface AuditedJob {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly image: { readonly name: string; readonly entrypoint?: readonly string[] } | undefined;
  readonly services: readonly { readonly name: string; readonly entrypoint?: readonly string[] }[];
  /** The runner that would take the job (GitLab's tag rule), or undefined when none would. */
  readonly runner: RunnerSection | undefined;
}

export const JOB_AUDIT_RULES = [
  { id: 'job-without-runner', summary: 'No runner of the configuration would take the job' },
  {
    id: 'job-entrypoint-refused',
    summary: 'The job overrides a locked entrypoint and will be refused',
  },
  {
    id: 'job-entrypoint-bypass',
    summary: 'The job overrides the entrypoint of a restricted image, and the runner allows it',
  },
  {
    id: 'job-default-image-with-socket',
    summary: "The job runs its own script in the runner's default image, with the Docker socket",
  },
  { id: 'job-service-with-socket', summary: 'A service of the job gets the mounted Docker socket' },
] as const;

type Emit = (rule: string, severity: Finding['severity'], message: string, fix: string) => void;

interface JobContext {
  readonly job: AuditedJob;
  readonly runner: RunnerSection;
  readonly docker: NonNullable<RunnerSection['docker']>;
  readonly facts: RunnerFacts;
  /** The Docker socket is mounted and jobs share the engine with later jobs. */
  readonly socket: boolean;
  readonly socketPath: string;
}

function entrypointFinding({ job, runner, docker, facts, socket }: JobContext, emit: Emit): void {
  if (job.image?.entrypoint === undefined || docker.allowedImages.length === 0) return;
  if (docker.disableEntrypointOverwrite) {
    emit(
      'job-entrypoint-refused',
      'info',
      `job "${job.name}" overrides the entrypoint of ${job.image.name}; runner ${runner.name} restricts allowed_images, so dockhand will refuse the job before any container starts`,
      'remove entrypoint: from the job',
    );
    return;
  }
  emit(
    'job-entrypoint-bypass',
    socket ? 'high' : 'medium',
    `job "${job.name}" replaces what the allowed image ${job.image.name} runs with its own command on runner ${runner.name} (disable_entrypoint_overwrite = false)${socket ? `, with the Docker socket mounted: ${isolationPhrase(facts)}` : ''}`,
    'remove disable_entrypoint_overwrite = false from the runner',
  );
}

function defaultImageFinding(ctx: JobContext, emit: Emit): void {
  const { job, runner, docker } = ctx;
  if (job.image !== undefined || !ctx.socket || docker.allowedImages.length === 0) return;
  if (docker.image === undefined) return;
  emit(
    'job-default-image-with-socket',
    'high',
    `job "${job.name}" names no image, so its own script runs in runner ${runner.name}'s default image ${docker.image} with ${ctx.socketPath} mounted: allowed_images does not apply to the default image`,
    "give the job the builder image, or make the runner's default image the builder",
  );
}

function serviceFindings(ctx: JobContext, emit: Emit): void {
  if (!ctx.socket || ctx.docker.allowedServices.length > 0) return;
  for (const service of ctx.job.services) {
    emit(
      'job-service-with-socket',
      'high',
      `service ${service.name} of job "${ctx.job.name}" gets ${ctx.socketPath} on runner ${ctx.runner.name} (services get the runner's volumes, and allowed_services is empty)`,
      'set allowed_services on the runner, or drop the socket volume',
    );
  }
}

/**
 * What each job of a pipeline does with the risks of the runner that takes it: the same facts as
 * the configuration rules, made concrete ("job deploy would …"), so a reviewer sees which jobs
 * are exploits or will be refused before anything runs.
 */
export function auditJobs(jobs: readonly AuditedJob[]): Finding[] {
  const findings: Finding[] = [];
  for (const job of jobs) {
    const at = { file: job.file, line: job.line };
    const runner = job.runner;
    if (runner === undefined) {
      findings.push({
        rule: 'job-without-runner',
        severity: 'low',
        runner: '-',
        ...at,
        message: `no runner of the configuration would take job "${job.name}" (its tags match no tag_list)`,
        fix: "add the job's tags to a runner's tag_list, or set run_untagged",
      });
      continue;
    }
    if (runner.docker === undefined) continue;
    const facts = runnerFacts(runner);
    const ctx: JobContext = {
      job,
      runner,
      docker: runner.docker,
      facts,
      socket: facts.socketVolume !== undefined && !facts.disposable,
      socketPath: facts.socketVolume?.target ?? 'the Docker socket',
    };
    const emit: Emit = (rule, severity, message, fix) =>
      findings.push({ rule, severity, runner: runner.name, ...at, message, fix });
    entrypointFinding(ctx, emit);
    defaultImageFinding(ctx, emit);
    serviceFindings(ctx, emit);
  }
  return findings;
}
