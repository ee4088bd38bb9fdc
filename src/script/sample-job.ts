import type { JobSpec, JobStep, JobVariable } from '../protocol/job-spec.js';

/** A variable as a `.gitlab-ci.yml` variable (public, not masked, not a file, expanded). */
export function yamlVariable(key: string, value: string, extra: Partial<JobVariable> = {}) {
  return { key, value, public: true, masked: false, file: false, raw: false, ...extra };
}

/**
 * A minimal, valid JobSpec for tests and examples: one `script` step, no services, no cache.
 * `script` and `afterScript` become the steps GitLab would send.
 */
export function sampleJob(
  options: {
    readonly script?: readonly string[];
    readonly afterScript?: readonly string[];
    readonly variables?: readonly JobVariable[];
    readonly timeout?: number;
    readonly token?: string;
  } = {},
): JobSpec {
  const steps: JobStep[] = [
    {
      name: 'script',
      script: options.script ?? ['echo hello'],
      timeout: 3600,
      when: 'on_success',
      allow_failure: false,
    },
  ];
  if (options.afterScript !== undefined) {
    steps.push({
      name: 'after_script',
      script: options.afterScript,
      timeout: 3600,
      when: 'always',
      allow_failure: true,
    });
  }
  return {
    id: 42,
    token: options.token ?? 'glcbt-64_secretjobtoken0123',
    allow_git_fetch: true,
    job_info: {
      id: 42,
      name: 'test',
      stage: 'test',
      pipeline_id: 7,
      project_id: 1,
      project_name: 'project',
      project_full_path: 'group/project',
    },
    git_info: {
      repo_url: 'https://gitlab-ci-token:glcbt-64_secretjobtoken0123@example.com/group/project.git',
      ref: 'main',
      sha: '0123456789abcdef0123456789abcdef01234567',
      before_sha: '0000000000000000000000000000000000000000',
      ref_type: 'branch',
      refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
      depth: 20,
    },
    runner_info: { timeout: options.timeout ?? 3600 },
    variables: options.variables ?? [],
    steps,
    image: { name: 'busybox:latest' },
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: true },
  };
}
