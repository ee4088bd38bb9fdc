/**
 * Builders for tests of the coordinator and of code on top of it (the daemon's tests): a
 * minimal job payload and a pipeline seeded straight into a Store, with no git involved.
 */
import type { JobSpec } from '../protocol/job-spec.js';
import { JOB_TOKEN_PLACEHOLDER } from './scheduler.js';
import type { JobRecord, NewJob, PipelineRecord, Store } from './store/store.js';

export function samplePayload(ids: { pipelineId: number; jobId: number }, name = 'job'): JobSpec {
  return {
    id: ids.jobId,
    token: JOB_TOKEN_PLACEHOLDER,
    allow_git_fetch: true,
    job_info: {
      id: ids.jobId,
      name,
      stage: 'test',
      pipeline_id: ids.pipelineId,
      project_id: 1,
      project_name: 'demo',
    },
    git_info: {
      repo_url: 'file:///nowhere',
      ref: 'main',
      sha: 'a'.repeat(40),
      before_sha: '0'.repeat(40),
      ref_type: 'branch',
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 3600 },
    variables: [
      {
        key: 'CI_JOB_TOKEN',
        value: JOB_TOKEN_PLACEHOLDER,
        public: false,
        masked: true,
        file: false,
        raw: false,
      },
    ],
    steps: [
      {
        name: 'script',
        script: ['echo hi'],
        timeout: 3600,
        when: 'on_success',
        allow_failure: false,
      },
    ],
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
  };
}

export interface JobSketch {
  readonly name: string;
  readonly stage?: number;
  readonly needs?: readonly string[];
  readonly tags?: readonly string[];
  readonly when?: NewJob['when'];
  readonly allowFailure?: boolean;
  readonly dependencies?: readonly string[];
}

/** Seeds a project (once) and a pipeline of `jobs`, all `created`; call scheduler.advance next. */
export async function seedPipeline(
  store: Store,
  jobs: readonly JobSketch[],
  createdAt = 0,
): Promise<{ pipeline: PipelineRecord; jobs: JobRecord[] }> {
  const project = await store.upsertProject('demo', '/nowhere');
  return store.createPipeline(
    {
      projectId: project.id,
      ref: 'main',
      refType: 'branch',
      sha: 'a'.repeat(40),
      status: 'pending',
      createdAt,
    },
    jobs.map((job) => ({
      name: job.name,
      stage: `stage${job.stage ?? 0}`,
      stageIndex: job.stage ?? 0,
      needs: job.needs === undefined ? null : [...job.needs],
      dependencies: [...(job.dependencies ?? [])],
      tags: [...(job.tags ?? [])],
      when: job.when ?? 'on_success',
      allowFailure: job.allowFailure ?? false,
      status: 'created',
    })),
    (ids, index) => samplePayload(ids, jobs[index]?.name),
  );
}

export class FakeClock {
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
