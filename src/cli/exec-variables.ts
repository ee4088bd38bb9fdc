import type { JobVariable } from '../protocol/job-spec.js';

/** Later definitions of a key replace earlier ones (`--variable` after the file). */
export function mergeVariables(...lists: readonly (readonly JobVariable[])[]): JobVariable[] {
  const byKey = new Map<string, JobVariable>();
  for (const list of lists) for (const v of list) byKey.set(v.key, v);
  return [...byKey.values()];
}
