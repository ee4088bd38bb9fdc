import type { JobLog } from '../../src/executors/executor.js';
import type { JobSpec, JobVariable } from '../../src/protocol/job-spec.js';

/** A minimal job payload for executor tests. */
export function testJob(
  overrides: Partial<JobSpec> = {},
  variables: Record<string, string> = {},
): JobSpec {
  const vars: JobVariable[] = Object.entries({
    CI_PROJECT_DIR: '/builds/group/project',
    CI_PROJECT_ID: '42',
    ...variables,
  }).map(([key, value]) => ({ key, value, public: true, masked: false, file: false, raw: false }));
  return {
    id: 1000 + Math.floor(Math.random() * 1000),
    token: 'job-token',
    allow_git_fetch: false,
    job_info: {
      id: 1,
      name: 'test-job',
      stage: 'test',
      pipeline_id: 1,
      project_id: 42,
      project_name: 'project',
      project_full_path: 'group/project',
    },
    git_info: {
      repo_url: '',
      ref: 'main',
      sha: '',
      before_sha: '',
      ref_type: 'branch',
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 3600 },
    variables: vars,
    steps: [],
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    ...overrides,
  };
}

/** A JobLog that records runner lines and container output apart, for assertions. */
export class RecordingLog implements JobLog {
  readonly lines: string[] = [];
  out = '';
  plain(text: string): void {
    this.lines.push(text);
  }
  info(text: string): void {
    this.lines.push(text);
  }
  warning(text: string): void {
    this.lines.push(`WARNING: ${text}`);
  }
  error(text: string): void {
    this.lines.push(`ERROR: ${text}`);
  }
  output(chunk: string): void {
    this.out += chunk;
  }
  get text(): string {
    return this.lines.join('\n');
  }
}
