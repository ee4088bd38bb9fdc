import type { JobLog } from '../../src/executors/executor.js';
import type { JobSpecContext } from '../../src/pipeline/to-job-spec.js';
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

/**
 * The context pipeline tests turn planned jobs into payloads with: fixed ids, token and commit,
 * the ref under test, and a visible stand-in for the hash of `cache:key:files`.
 */
export function fixtureSpecContext(
  ref: { readonly name: string; readonly type: 'branch' | 'tag' },
  jobId = 1,
): JobSpecContext {
  return {
    jobId,
    pipelineId: 1,
    projectId: 1,
    projectName: 'project',
    token: 'job-token',
    git: {
      repo_url: '',
      ref: ref.name,
      sha: 'a'.repeat(40),
      before_sha: '0'.repeat(40),
      ref_type: ref.type,
      refspecs: [],
      depth: 0,
    },
    predefined: [],
    hashCacheFiles: (files) => `hash-of-${files.join('+')}`,
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
