import type { AuditedJob } from '../audit/job-rules.js';
import type { RunnerSection } from '../config/types.js';
import { ConfigError } from '../core/errors.js';
import { formatProblem, parsePipeline } from '../pipeline/index.js';
import { fsIncludeResolver, readPipelineSource } from './pipeline-files.js';
import { selectRunner } from './runner-selection.js';

/**
 * The jobs of a .gitlab-ci.yml in the shape `dockhand audit` reads, each with the runner that
 * would take it under GitLab's tag rule. An invalid pipeline is a configuration error (exit 2).
 */
export function pipelineJobsForAudit(
  cwd: string,
  file: string,
  runners: readonly RunnerSection[],
): AuditedJob[] {
  const source = readPipelineSource(cwd, file);
  const parsed = parsePipeline({
    file: source.file,
    text: source.text,
    includes: fsIncludeResolver(source.root),
  });
  if (parsed.pipeline === undefined || parsed.errors.length > 0) {
    throw new ConfigError(
      'audit.invalid-pipeline',
      `${source.file} is invalid:\n${parsed.errors.map(formatProblem).join('\n')}`,
      { hint: `run 'dockhand lint --file ${file}' for details` },
    );
  }
  return parsed.pipeline.jobs.map((job) => {
    const choice = selectRunner(job, runners);
    return {
      name: job.name,
      file: job.source.file,
      line: job.source.line,
      image:
        job.image === undefined
          ? undefined
          : {
              name: job.image.name,
              ...(job.image.entrypoint === undefined ? {} : { entrypoint: job.image.entrypoint }),
            },
      services: job.services.map((s) => ({
        name: s.name,
        ...(s.entrypoint === undefined ? {} : { entrypoint: s.entrypoint }),
      })),
      runner: choice.ok ? choice.runner : undefined,
    };
  });
}
