import { createHash } from 'node:crypto';

/**
 * `CI_PROJECT_ID` of a local run: a stable number per repository path. GitLab's id names the
 * project's kept resources (the docker executor's `/cache` and builds volumes are
 * `runner-<token>-project-<id>-…`), so one fixed id would let every local project on a machine
 * share them; a number derived from the path keeps them apart and the same from run to run.
 */
export function localProjectId(repositoryRoot: string): number {
  const digest = createHash('sha256').update(repositoryRoot).digest();
  // 30 bits: a positive integer of GitLab's usual size, never 0.
  return (digest.readUInt32BE(0) >>> 2) + 1;
}
