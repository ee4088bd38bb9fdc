import type { JobSpec, JobVariable } from '../protocol/job-spec.js';

/**
 * What the runner knows about itself and the machine a job runs on; the source of the variables
 * GitLab Runner adds to every job (shared/reference/gitlab-runner.md §4.2).
 */
export interface RunnerContext {
  /** `CI_BUILDS_DIR`: `/builds` for docker. */
  readonly buildsDir: string;
  /** `CI_PROJECT_DIR`; defaults to `<buildsDir>/<project path>`. */
  readonly projectDir?: string;
  readonly version: string;
  readonly revision: string;
  /** First characters of the runner token (not a secret: GitLab prints it). */
  readonly shortToken: string;
  /** `linux/amd64`. */
  readonly arch: string;
  /** The job timeout in seconds (after the 0 → 7200 rule). */
  readonly jobTimeoutSeconds: number;
  /** docker: true (`CI_DISPOSABLE_ENVIRONMENT`); shell: false (`CI_SHARED_ENVIRONMENT`). */
  readonly disposable: boolean;
  /** config.toml `environment = ["KEY=VALUE", …]`. */
  readonly environment?: readonly string[];
  /** `[runners.feature_flags]`: FF_* flags that win over job variables of the same name. */
  readonly featureFlags?: Readonly<Record<string, boolean>>;
  readonly concurrentId?: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a key can be exported by a POSIX shell. */
export function isShellName(key: string): boolean {
  return NAME.test(key);
}

function internal(key: string, value: string): JobVariable {
  return { key, value, public: true, masked: false, file: false, raw: true };
}

/** The project directory for a job: the explicit one, else `<buildsDir>/<namespace>/<project>`. */
export function projectDirFor(job: JobSpec, context: RunnerContext): string {
  if (context.projectDir !== undefined) return context.projectDir;
  const fromJob = job.variables.findLast((v) => v.key === 'CI_PROJECT_DIR');
  if (fromJob !== undefined) return fromJob.value;
  const path = job.job_info.project_full_path ?? job.job_info.project_name;
  return `${context.buildsDir.replace(/\/+$/, '')}/${path}`;
}

function environmentVariables(entries: readonly string[]): JobVariable[] {
  const result: JobVariable[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) continue;
    result.push({ ...internal(entry.slice(0, at), entry.slice(at + 1)), raw: false });
  }
  return result;
}

/** Keeps the last definition of each key, at the position of that last definition. */
function lastWins(list: readonly JobVariable[]): JobVariable[] {
  const lastIndex = new Map<string, number>();
  list.forEach((v, i) => lastIndex.set(v.key, i));
  return list.filter((v, i) => lastIndex.get(v.key) === i);
}

/**
 * The full variable list a job's scripts see, merged in GitLab Runner's order (later wins): the
 * job image and config.toml `environment`, runner defaults, the job's own variables, then the
 * runner's post-job set, which the job cannot override. Values are then expanded.
 */
export function effectiveVariables(job: JobSpec, context: RunnerContext): JobVariable[] {
  const projectDir = projectDirFor(job, context);
  const concurrent = String(context.concurrentId ?? 0);
  const before: JobVariable[] = [
    ...(job.image === undefined ? [] : [internal('CI_JOB_IMAGE', job.image.name)]),
    ...environmentVariables(context.environment ?? []),
    internal('CI_BUILDS_DIR', context.buildsDir),
    internal('CI_PROJECT_DIR', projectDir),
    internal('CI_CONCURRENT_ID', concurrent),
    internal('CI_CONCURRENT_PROJECT_ID', concurrent),
    internal('CI_SERVER', 'yes'),
    internal('CI_JOB_TIMEOUT', String(context.jobTimeoutSeconds)),
  ];
  const after: JobVariable[] = [
    context.disposable
      ? internal('CI_DISPOSABLE_ENVIRONMENT', 'true')
      : internal('CI_SHARED_ENVIRONMENT', 'true'),
    internal('CI_RUNNER_VERSION', context.version),
    internal('CI_RUNNER_REVISION', context.revision),
    internal('CI_RUNNER_SHORT_TOKEN', context.shortToken),
    internal('CI_RUNNER_EXECUTABLE_ARCH', context.arch),
    internal('RUNNER_TEMP_PROJECT_DIR', `${projectDir}.tmp`),
    ...Object.entries(context.featureFlags ?? {}).map(([name, on]) => internal(name, String(on))),
  ];
  return expandVariables(lastWins([...before, ...job.variables, ...after]));
}

/**
 * Expands `$NAME` and `${NAME}` in every non-raw value against the (unexpanded) list, one level
 * deep, as GitLab Runner does with os.Expand: unknown names become empty, `$$` is a literal `$`,
 * and a `$` not followed by a name is kept. File variables' contents are written verbatim.
 */
export function expandVariables(list: readonly JobVariable[]): JobVariable[] {
  const tempDir = list.findLast((v) => v.key === 'RUNNER_TEMP_PROJECT_DIR')?.value;
  // A reference to a file variable yields its path (GitLab 15.7+), never its contents.
  const values = new Map(
    list.map((v) => [v.key, v.file && tempDir !== undefined ? `${tempDir}/${v.key}` : v.value]),
  );
  return list.map((v) =>
    v.raw || v.file ? v : { ...v, value: expandValue(v.value, (k) => values.get(k)) },
  );
}

/** os.Expand-style expansion of one value. */
export function expandValue(value: string, lookup: (key: string) => string | undefined): string {
  return value.replace(
    /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const key = braced ?? bare ?? '';
      return lookup(key) ?? '';
    },
  );
}

/** The values the trace must mask: masked variables' values (and the job token, added by the caller). */
export function maskedValues(list: readonly JobVariable[]): string[] {
  return list.filter((v) => v.masked && v.value !== '').map((v) => v.value);
}
