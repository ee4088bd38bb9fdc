import type { Job, VariableSpec } from './model.js';
import type { JobTemplate } from './keywords/job.js';

/**
 * `parallel: N` → `job 1/N` … `job N/N`; `parallel:matrix` → `job: [v1, v2]`, one job per
 * combination, with the matrix values as job variables. Both get CI_NODE_INDEX/CI_NODE_TOTAL
 * (added when the job payload is built).
 */
export function expandParallel(template: JobTemplate): Job[] {
  const { job, parallel } = template;
  if (parallel === undefined) return [{ ...job, name: job.baseName }];
  if (parallel.kind === 'number') {
    return Array.from({ length: parallel.total }, (_, i) => ({
      ...job,
      name: `${job.baseName} ${i + 1}/${parallel.total}`,
      parallel: { index: i + 1, total: parallel.total },
    }));
  }
  const total = parallel.rows.length;
  return parallel.rows.map((row, i) => ({
    ...job,
    name: matrixJobName(job.baseName, row),
    variables: withMatrix(job.variables, row),
    parallel: { index: i + 1, total, matrix: row },
  }));
}

export function matrixJobName(base: string, row: Readonly<Record<string, string>>): string {
  return `${base}: [${Object.values(row).join(', ')}]`;
}

function withMatrix(
  variables: readonly VariableSpec[],
  row: Readonly<Record<string, string>>,
): VariableSpec[] {
  const keys = new Set(Object.keys(row));
  return [
    ...variables.filter((variable) => !keys.has(variable.key)),
    ...Object.entries(row).map(([key, value]) => ({ key, value, expand: true })),
  ];
}
