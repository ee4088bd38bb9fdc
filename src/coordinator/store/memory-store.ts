/**
 * The Store in memory: for tests and for a throw-away coordinator. Records are replaced, never
 * mutated in place, so a caller holding one sees a stable snapshot (as with a database row).
 */
import type { JobStatus } from '../../protocol/responses.js';
import type {
  AppendResult,
  ArtifactRecord,
  JobRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
  Store,
} from './store.js';

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function createMemoryStore(): Store {
  const runners = new Map<number, RunnerRecord>();
  const projects = new Map<number, ProjectRecord>();
  const pipelines = new Map<number, PipelineRecord>();
  const jobs = new Map<number, JobRecord>();
  const traces = new Map<number, Uint8Array[]>();
  const artifacts = new Map<number, ArtifactRecord>();
  const ids = { runner: 0, project: 0, pipeline: 0, job: 0 };

  const byStatus = (status: JobStatus) =>
    [...jobs.values()].filter((j) => j.status === status).sort((a, b) => a.id - b.id);

  return {
    createRunner(runner) {
      const record = { ...runner, id: ++ids.runner };
      runners.set(record.id, record);
      return Promise.resolve(record);
    },
    findRunnerByTokenHash(tokenHash) {
      return Promise.resolve([...runners.values()].find((r) => r.tokenHash === tokenHash));
    },
    touchRunner(id, at) {
      const runner = runners.get(id);
      if (runner !== undefined) runners.set(id, { ...runner, contactedAt: at });
      return Promise.resolve();
    },
    deleteRunner(id) {
      return Promise.resolve(runners.delete(id));
    },
    listRunners() {
      return Promise.resolve([...runners.values()]);
    },

    upsertProject(name, path) {
      const existing = [...projects.values()].find((p) => p.name === name);
      const record = { id: existing?.id ?? ++ids.project, name, path };
      projects.set(record.id, record);
      return Promise.resolve(record);
    },
    findProjectByName(name) {
      return Promise.resolve([...projects.values()].find((p) => p.name === name));
    },
    listProjects() {
      return Promise.resolve([...projects.values()]);
    },

    createPipeline(pipeline, newJobs, payloadFor) {
      const record: PipelineRecord = { ...pipeline, id: ++ids.pipeline };
      pipelines.set(record.id, record);
      const created = newJobs.map((job, index) => {
        const id = ++ids.job;
        const full: JobRecord = {
          ...job,
          id,
          pipelineId: record.id,
          projectId: record.projectId,
          payload: payloadFor({ pipelineId: record.id, jobId: id }, index),
          traceSize: 0,
          createdAt: pipeline.createdAt,
        };
        jobs.set(id, full);
        return full;
      });
      return Promise.resolve({ pipeline: record, jobs: created });
    },
    getPipeline(id) {
      return Promise.resolve(pipelines.get(id));
    },
    listPipelines(limit) {
      return Promise.resolve([...pipelines.values()].sort((a, b) => b.id - a.id).slice(0, limit));
    },
    setPipelineStatus(id, status, finishedAt) {
      const pipeline = pipelines.get(id);
      if (pipeline !== undefined) {
        const { finishedAt: _old, ...rest } = pipeline;
        pipelines.set(id, { ...rest, status, ...(finishedAt === undefined ? {} : { finishedAt }) });
      }
      return Promise.resolve();
    },

    getJob(id) {
      return Promise.resolve(jobs.get(id));
    },
    listPipelineJobs(pipelineId) {
      return Promise.resolve(
        [...jobs.values()].filter((j) => j.pipelineId === pipelineId).sort((a, b) => a.id - b.id),
      );
    },
    listQueue(limit) {
      const queue = byStatus('pending').slice(0, limit);
      return Promise.resolve(queue.map(({ id, pipelineId, tags }) => ({ id, pipelineId, tags })));
    },
    listJobsByStatus(status, limit) {
      const found = byStatus(status);
      return Promise.resolve(limit === undefined ? found : found.slice(0, limit));
    },
    transitionJob(id, from, patch) {
      const job = jobs.get(id);
      if (job === undefined || !from.includes(job.status)) return Promise.resolve(undefined);
      const next: JobRecord = { ...job, ...patch };
      jobs.set(id, next);
      return Promise.resolve(next);
    },
    touchJob(id, at) {
      const job = jobs.get(id);
      if (job !== undefined) jobs.set(id, { ...job, lastSeenAt: at });
      return Promise.resolve();
    },

    appendTrace(jobId, offset, bytes): Promise<AppendResult> {
      const job = jobs.get(jobId);
      const size = job?.traceSize ?? 0;
      if (job === undefined || (offset !== size && offset !== 0)) {
        return Promise.resolve({ ok: false, size });
      }
      const chunks = offset === 0 ? [] : (traces.get(jobId) ?? []);
      chunks.push(bytes.slice());
      traces.set(jobId, chunks);
      const next = offset + bytes.byteLength;
      jobs.set(jobId, { ...job, traceSize: next });
      return Promise.resolve({ ok: true, size: next });
    },
    readTrace(jobId) {
      return Promise.resolve(concat(traces.get(jobId) ?? []));
    },

    putArtifact(artifact) {
      artifacts.set(artifact.jobId, artifact);
      return Promise.resolve();
    },
    getArtifact(jobId) {
      return Promise.resolve(artifacts.get(jobId));
    },
    close() {
      return Promise.resolve();
    },
  };
}
