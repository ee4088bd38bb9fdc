import type { PipelineProblem } from './errors.js';
import { matrixJobName } from './matrix.js';
import type { Job, Need } from './model.js';
import type { SourceIndex } from './source-index.js';

interface Linker {
  readonly index: SourceIndex;
  readonly errors: PipelineProblem[];
  readonly byName: Map<string, Job>;
  readonly byBase: Map<string, Job[]>;
  readonly stageOf: (job: Job) => number;
}

/** Needs name YAML keys; a parallel job's key stands for all its jobs (or the matrix rows asked). */
function concreteNeeds(need: Need, linker: Linker): Need[] | undefined {
  if (linker.byName.has(need.job) && need.matrix === undefined) return [need];
  const family = linker.byBase.get(need.job);
  if (family === undefined) return undefined;
  const picked =
    need.matrix === undefined
      ? family
      : need.matrix
          .map((row) => family.find((job) => job.name === matrixJobName(need.job, row)))
          .filter((job): job is Job => job !== undefined);
  if (picked.length === 0) return undefined;
  return picked.map((job) => ({
    job: job.name,
    artifacts: need.artifacts,
    optional: need.optional,
  }));
}

function linkNeeds(
  job: Job,
  needs: readonly Need[],
  rel: readonly string[],
  linker: Linker,
): Need[] {
  const out: Need[] = [];
  needs.forEach((need, i) => {
    const at = [job.baseName, ...rel, String(i)];
    const found = concreteNeeds(need, linker);
    if (found === undefined) {
      if (!need.optional) {
        linker.errors.push(
          linker.index.problem(
            at,
            `'${job.name}' job needs '${need.job}' job, but '${need.job}' does not exist in the pipeline`,
            { job: job.name, hint: 'add `optional: true` to the need if the job may be absent' },
          ),
        );
      }
      return;
    }
    for (const concrete of found) {
      const target = linker.byName.get(concrete.job);
      if (target !== undefined && linker.stageOf(target) > linker.stageOf(job)) {
        linker.errors.push(
          linker.index.problem(
            at,
            `'${job.name}' job needs '${target.name}' job, but '${target.name}' is in a later stage (${target.stage})`,
            { job: job.name },
          ),
        );
      }
    }
    out.push(...found);
  });
  return out;
}

function linkDependencies(job: Job, linker: Linker): string[] | undefined {
  if (job.dependencies === undefined) return undefined;
  const out: string[] = [];
  job.dependencies.forEach((name, i) => {
    const at = [job.baseName, 'dependencies', String(i)];
    const family = linker.byName.has(name)
      ? [name]
      : (linker.byBase.get(name) ?? []).map((j) => j.name);
    if (family.length === 0) {
      linker.errors.push(
        linker.index.problem(at, `undefined dependency: ${name}`, { job: job.name }),
      );
      return;
    }
    for (const concrete of family) {
      const target = linker.byName.get(concrete);
      if (
        job.needs !== undefined &&
        !job.needs.some((need) => need.job === concrete || need.job === name)
      ) {
        linker.errors.push(
          linker.index.problem(at, `dependencies: ${name} should be part of needs`, {
            job: job.name,
          }),
        );
      } else if (
        job.needs === undefined &&
        target !== undefined &&
        linker.stageOf(target) >= linker.stageOf(job)
      ) {
        linker.errors.push(
          linker.index.problem(at, `dependency ${name} is not defined in current or prior stages`, {
            job: job.name,
          }),
        );
      }
      out.push(concrete);
    }
  });
  return out;
}

/** Resolves needs and dependencies to concrete job names and checks stages and cycles. */
export function linkJobs(
  jobs: readonly Job[],
  stages: readonly string[],
  index: SourceIndex,
  errors: PipelineProblem[],
): Job[] {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const byBase = new Map<string, Job[]>();
  for (const job of jobs) byBase.set(job.baseName, [...(byBase.get(job.baseName) ?? []), job]);
  const linker: Linker = {
    index,
    errors,
    byName,
    byBase,
    stageOf: (job) => stages.indexOf(job.stage),
  };
  const linked = jobs.map((job): Job => {
    const needs =
      job.needs === undefined ? undefined : linkNeeds(job, job.needs, ['needs'], linker);
    const rules = job.rules?.map((rule, i) =>
      rule.needs === undefined
        ? rule
        : { ...rule, needs: linkNeeds(job, rule.needs, ['rules', String(i), 'needs'], linker) },
    );
    const withNeeds: Job = {
      ...job,
      ...(needs === undefined ? {} : { needs }),
      ...(rules === undefined ? {} : { rules }),
    };
    const dependencies = linkDependencies(withNeeds, linker);
    return dependencies === undefined ? withNeeds : { ...withNeeds, dependencies };
  });
  reportNeedCycles(linked, index, errors);
  return linked;
}

function reportNeedCycles(
  jobs: readonly Job[],
  index: SourceIndex,
  errors: PipelineProblem[],
): void {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (job: Job, trail: string[]): void => {
    if (state.get(job.name) === 'done') return;
    if (state.get(job.name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(job.name)), job.name];
      if (!reported.has(job.name)) {
        reported.add(job.name);
        errors.push(
          index.problem(
            [job.baseName, 'needs'],
            `circular dependency detected in \`needs\`: ${cycle.join(' → ')}`,
            { job: job.name },
          ),
        );
      }
      return;
    }
    state.set(job.name, 'visiting');
    for (const need of job.needs ?? []) {
      const target = byName.get(need.job);
      if (target !== undefined) visit(target, [...trail, job.name]);
    }
    state.set(job.name, 'done');
  };
  for (const job of jobs) visit(job, []);
}
