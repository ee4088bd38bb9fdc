import type { Plan } from './plan.js';

/**
 * `dockhand exec --list`: one line per job that would run, in stage order, then the jobs the
 * rules left out. Columns: name, stage, when, needs, tags, rules outcome.
 */
export function formatJobList(plan: Plan): string[] {
  if (!plan.created) return [`pipeline not created: ${plan.reason}`];
  const rows = plan.jobs.map((planned) => [
    planned.job.name,
    planned.job.stage,
    planned.when + (planned.allowFailure.allowed ? ' (allow_failure)' : ''),
    planned.needs === undefined
      ? '-'
      : planned.needs.length === 0
        ? '[]'
        : planned.needs.map((need) => need.job).join(','),
    planned.job.tags.length === 0 ? '-' : planned.job.tags.join(','),
    planned.reason,
  ]);
  const header = ['JOB', 'STAGE', 'WHEN', 'NEEDS', 'TAGS', 'RULES'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const skipped of plan.excluded) out.push(`skipped: ${skipped.name} (${skipped.reason})`);
  return out;
}
