import type { LocalStore } from '../executors/local-files/local-store.js';
import type { DotenvVariable } from '../protocol/dotenv-report.js';
import { publicVariable, type JobSpec, type JobVariable } from '../protocol/job-spec.js';
import type { JobResult } from '../runner/job-outcome.js';

/** What a job of a local pipeline gets from the jobs whose artifacts it takes. */
export interface JobDependencies {
  /** Jobs whose artifact files it downloads. */
  readonly dependencies: JobSpec['dependencies'];
  /** Their dotenv report variables, in dependency order (a later job's value wins). */
  readonly dotenv: readonly DotenvVariable[];
  /** Jobs whose artifacts expired. */
  readonly expired: readonly string[];
}

/**
 * The artifacts `names` (the planned job's `artifactsFrom`: needs with artifacts, dependencies,
 * or every earlier stage) left in the store. GitLab passes dotenv variables along the same
 * edges as artifact files.
 */
export function dependenciesOf(
  names: readonly string[],
  store: LocalStore,
  idOf: (name: string) => number,
  token: string,
): JobDependencies {
  const dependencies: JobSpec['dependencies'][number][] = [];
  const dotenv: DotenvVariable[] = [];
  const expired: string[] = [];
  for (const name of names) {
    const found = store.artifactsOf(name);
    if (found === undefined) continue;
    if (found.expired) expired.push(name);
    if (found.dir !== undefined) dependencies.push({ id: idOf(name), name, token });
    dotenv.push(...(found.meta?.dotenv ?? []));
  }
  return { dependencies, dotenv, expired };
}

/**
 * Adds dotenv variables with GitLab's precedence: above the pipeline file's variables, below
 * project-like ones (`--variable`, the variables file), which are put back after them.
 */
export function withDotenvVariables(
  spec: JobSpec,
  dotenv: readonly DotenvVariable[],
  projectVariables: readonly JobVariable[],
): JobSpec {
  if (dotenv.length === 0) return spec;
  const keys = new Set(dotenv.map((v) => v.key));
  const added = dotenv.map(({ key, value }) => publicVariable(key, value));
  const above = projectVariables.filter((v) => keys.has(v.key));
  return { ...spec, variables: [...spec.variables, ...added, ...above] };
}

/** GitLab fails a job whose dependencies' artifacts expired, before it runs. */
export function missingDependency(expired: readonly string[]): JobResult {
  const names = expired.map((n) => `"${n}"`).join(', ');
  return {
    state: 'failed',
    failureReason: 'missing_dependency_failure',
    // GitLab's words for the missing_dependency_failure reason, then which artifacts and why.
    message: `This job could not start because it could not retrieve the needed artifacts: those of ${names} expired (artifacts:expire_in)`,
    durationMs: 0,
  };
}
