import { randomBytes } from 'node:crypto';
import { LABELS } from '../../core/labels.js';
import type { JobSpec } from '../../protocol/job-spec.js';

/** What every resource of one job is named and labelled by. */
export interface JobContext {
  readonly job: JobSpec;
  /** `runner-<short>-project-<id>-concurrent-<n>`: hostname and cache-volume prefix. */
  readonly slotName: string;
  /** The slot name for another concurrency number (a persistent builds volume already in use). */
  readonly slotFor: (concurrent: number) => string;
  /** `CI_CONCURRENT_PROJECT_ID` as a number (0 when absent or not a number). */
  readonly concurrent: number;
  /** `<slotName>-<8 hex>`: unique prefix of this job's containers, network and volumes. */
  readonly base: string;
  readonly buildsDir: string;
  readonly projectDir: string;
  readonly session: string;
  readonly variable: (key: string) => string | undefined;
  /** Labels for a resource of `type`; `withOwner: false` for resources that outlive the job. */
  readonly labels: (type: string, withOwner?: boolean) => Record<string, string>;
}

export function createJobContext(job: JobSpec, session: string): JobContext {
  const vars = new Map(job.variables.map((v) => [v.key, v.value]));
  const variable = (key: string) => vars.get(key);
  const short = sanitize(variable('CI_RUNNER_SHORT_TOKEN') ?? 'local');
  const project = variable('CI_PROJECT_ID') ?? String(job.job_info.project_id);
  const concurrent = variable('CI_CONCURRENT_PROJECT_ID') ?? '0';
  const slotName = `runner-${short}-project-${sanitize(project)}-concurrent-${sanitize(concurrent)}`;
  const slotFor = (n: number) => `runner-${short}-project-${sanitize(project)}-concurrent-${n}`;
  const buildsDir = variable('CI_BUILDS_DIR') ?? '/builds';
  const fullPath = job.job_info.project_full_path ?? `project-${project}`;
  const projectDir = variable('CI_PROJECT_DIR') ?? `${buildsDir}/${fullPath}`;
  return {
    job,
    slotName,
    slotFor,
    concurrent: /^\d+$/.test(concurrent) ? Number(concurrent) : 0,
    base: `${slotName}-${randomBytes(4).toString('hex')}`,
    buildsDir,
    projectDir,
    session,
    variable,
    labels: (type, withOwner = true) => ({
      [LABELS.managed]: 'true',
      [LABELS.type]: type,
      [LABELS.runner]: short,
      [LABELS.job]: String(job.id),
      ...(withOwner ? { [LABELS.session]: session, [LABELS.pid]: String(process.pid) } : {}),
    }),
  };
}

/** Lowercase RFC 1123-ish label text: safe in container, network and host names. */
function sanitize(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

/** `$VAR` and `${VAR}` from the job's variables (image names are expanded, as GitLab does). */
export function expandVariables(text: string, lookup: (key: string) => string | undefined): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, a, b) => {
      const key = (a ?? b) as string;
      return lookup(key) ?? '';
    },
  );
}
