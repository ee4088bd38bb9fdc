import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobArtifact } from '../../protocol/job-spec.js';
import { parseDotenvReport, type DotenvResult } from '../../protocol/dotenv-report.js';

/** The job's dotenv reports that a stage after success (or failure) saves. */
export function dotenvReports(artifacts: readonly JobArtifact[], success: boolean): JobArtifact[] {
  return artifacts.filter(
    (a) =>
      a.artifact_type === 'dotenv' &&
      (a.when === 'always' || a.when === (success ? 'on_success' : 'on_failure')),
  );
}

/**
 * Reads and parses the report files `entries` (paths under the project directory `root`, as
 * selected from the report's `paths`); directories among them are skipped, as GitLab reads only
 * the files of the report's archive.
 */
export async function readDotenvFiles(
  root: string,
  entries: readonly string[],
): Promise<DotenvResult> {
  const files: { name: string; text: string }[] = [];
  for (const name of entries) {
    const path = join(root, name);
    if (!(await lstat(path)).isFile()) continue;
    files.push({ name, text: await readFile(path, 'utf8') });
  }
  return parseDotenvReport(files);
}
