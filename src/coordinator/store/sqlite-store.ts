/**
 * The default Store: SQLite embedded through better-sqlite3 (synchronous, one process). WAL
 * lets readers run beside the single writer; each multi-row change is one transaction. Scaling
 * past one coordinator process is the PostgreSQL note in docs/coordinator-store.md.
 */
import Database from 'better-sqlite3';
import type { FailureReason, JobSpec } from '../../protocol/job-spec.js';
import type { AccessLevel } from '../../protocol/requests.js';
import type { JobStatus } from '../../protocol/responses.js';
import { SCHEMA, SCHEMA_VERSION } from './sqlite-schema.js';
import type {
  ArtifactRecord,
  JobPatch,
  JobRecord,
  JobWhenRecord,
  PipelineRecord,
  PipelineStatus,
  ProjectRecord,
  RunnerRecord,
  Store,
} from './store.js';

type Row = Record<string, unknown>;

/** `null` columns become absent keys (exactOptionalPropertyTypes: absent, not undefined). */
function opt<K extends string, T>(key: K, value: unknown): { [P in K]?: T } {
  return value === null || value === undefined ? {} : ({ [key]: value as T } as { [P in K]?: T });
}

function toRunner(row: Row): RunnerRecord {
  return {
    id: row['id'] as number,
    tokenHash: row['token_hash'] as string,
    description: row['description'] as string,
    tags: JSON.parse(row['tags'] as string) as string[],
    runUntagged: row['run_untagged'] === 1,
    locked: row['locked'] === 1,
    paused: row['paused'] === 1,
    accessLevel: row['access_level'] as AccessLevel,
    createdAt: row['created_at'] as number,
    ...opt<'maximumTimeout', number>('maximumTimeout', row['maximum_timeout']),
    ...opt<'contactedAt', number>('contactedAt', row['contacted_at']),
  };
}

function toPipeline(row: Row): PipelineRecord {
  return {
    id: row['id'] as number,
    projectId: row['project_id'] as number,
    ref: row['ref'] as string,
    refType: row['ref_type'] as 'branch' | 'tag',
    sha: row['sha'] as string,
    status: row['status'] as PipelineStatus,
    createdAt: row['created_at'] as number,
    ...opt<'finishedAt', number>('finishedAt', row['finished_at']),
  };
}

function toJob(row: Row): JobRecord {
  const needs = row['needs'];
  return {
    id: row['id'] as number,
    pipelineId: row['pipeline_id'] as number,
    projectId: row['project_id'] as number,
    name: row['name'] as string,
    stage: row['stage'] as string,
    stageIndex: row['stage_index'] as number,
    needs: needs === null ? null : (JSON.parse(needs as string) as string[]),
    dependencies: JSON.parse(row['dependencies'] as string) as string[],
    tags: JSON.parse(row['tags'] as string) as string[],
    when: row['run_when'] as JobWhenRecord,
    allowFailure: row['allow_failure'] === 1,
    status: row['status'] as JobStatus,
    payload: JSON.parse(row['payload'] as string) as JobSpec,
    createdAt: row['created_at'] as number,
    traceSize: row['trace_size'] as number,
    ...opt<'runnerId', number>('runnerId', row['runner_id']),
    ...opt<'tokenHash', string>('tokenHash', row['token_hash']),
    ...opt<'failureReason', FailureReason>('failureReason', row['failure_reason']),
    ...opt<'exitCode', number>('exitCode', row['exit_code']),
    ...opt<'startedAt', number>('startedAt', row['started_at']),
    ...opt<'finishedAt', number>('finishedAt', row['finished_at']),
    ...opt<'lastSeenAt', number>('lastSeenAt', row['last_seen_at']),
  };
}

function toProject(row: Row): ProjectRecord {
  return { id: row['id'] as number, name: row['name'] as string, path: row['path'] as string };
}

function toArtifact(row: Row): ArtifactRecord {
  return {
    jobId: row['job_id'] as number,
    filename: row['filename'] as string,
    size: row['size'] as number,
    format: row['format'] as string,
    type: row['type'] as string,
    createdAt: row['created_at'] as number,
    ...opt<'expireIn', string>('expireIn', row['expire_in']),
  };
}

/** JobPatch key → column; the patch never names a column itself, so no SQL comes from input. */
const JOB_COLUMNS: Record<keyof JobPatch, string> = {
  status: 'status',
  runnerId: 'runner_id',
  tokenHash: 'token_hash',
  failureReason: 'failure_reason',
  exitCode: 'exit_code',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  lastSeenAt: 'last_seen_at',
};

/** Opens (and creates) the store at `file`; `:memory:` for tests. */
export function openSqliteStore(file: string): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const q = {
    insertRunner: db.prepare(
      `INSERT INTO runners (token_hash, description, tags, run_untagged, locked, paused,
        access_level, maximum_timeout, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    runnerById: db.prepare('SELECT * FROM runners WHERE id = ?'),
    runnerByToken: db.prepare('SELECT * FROM runners WHERE token_hash = ?'),
    touchRunner: db.prepare('UPDATE runners SET contacted_at = ? WHERE id = ?'),
    deleteRunner: db.prepare('DELETE FROM runners WHERE id = ?'),
    runners: db.prepare('SELECT * FROM runners ORDER BY id'),
    upsertProject: db.prepare(
      `INSERT INTO projects (name, path) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET path = excluded.path`,
    ),
    projectByName: db.prepare('SELECT * FROM projects WHERE name = ?'),
    projects: db.prepare('SELECT * FROM projects ORDER BY id'),
    insertPipeline: db.prepare(
      `INSERT INTO pipelines (project_id, ref, ref_type, sha, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    pipelineById: db.prepare('SELECT * FROM pipelines WHERE id = ?'),
    pipelines: db.prepare('SELECT * FROM pipelines ORDER BY id DESC LIMIT ?'),
    setPipelineStatus: db.prepare('UPDATE pipelines SET status = ?, finished_at = ? WHERE id = ?'),
    insertJob: db.prepare(
      `INSERT INTO jobs (pipeline_id, project_id, name, stage, stage_index, needs, dependencies,
        tags, run_when, allow_failure, status, payload, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)`,
    ),
    setPayload: db.prepare('UPDATE jobs SET payload = ? WHERE id = ?'),
    jobById: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    pipelineJobs: db.prepare('SELECT * FROM jobs WHERE pipeline_id = ? ORDER BY id'),
    queue: db.prepare(
      "SELECT id, pipeline_id, tags FROM jobs WHERE status = 'pending' ORDER BY id LIMIT ?",
    ),
    jobsByStatus: db.prepare('SELECT * FROM jobs WHERE status = ? ORDER BY id LIMIT ?'),
    touchJob: db.prepare('UPDATE jobs SET last_seen_at = ? WHERE id = ?'),
    clearTrace: db.prepare('DELETE FROM trace_chunks WHERE job_id = ?'),
    insertChunk: db.prepare('INSERT INTO trace_chunks (job_id, offset, data) VALUES (?, ?, ?)'),
    setTraceSize: db.prepare('UPDATE jobs SET trace_size = ? WHERE id = ?'),
    chunks: db.prepare('SELECT data FROM trace_chunks WHERE job_id = ? ORDER BY offset'),
    putArtifact: db.prepare(
      `INSERT OR REPLACE INTO artifacts (job_id, filename, size, format, type, expire_in, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    artifact: db.prepare('SELECT * FROM artifacts WHERE job_id = ?'),
  };

  const row = (statement: Database.Statement, ...args: unknown[]) =>
    statement.get(...args) as Row | undefined;
  const rows = (statement: Database.Statement, ...args: unknown[]) =>
    statement.all(...args) as Row[];
  const jobById = (id: number) => {
    const found = row(q.jobById, id);
    return found === undefined ? undefined : toJob(found);
  };

  const createPipeline = db.transaction(
    (...[pipeline, jobs, payloadFor]: Parameters<Store['createPipeline']>) => {
      const pipelineId = Number(
        q.insertPipeline.run(
          pipeline.projectId,
          pipeline.ref,
          pipeline.refType,
          pipeline.sha,
          pipeline.status,
          pipeline.createdAt,
        ).lastInsertRowid,
      );
      const created = jobs.map((job, index) => {
        const jobId = Number(
          q.insertJob.run(
            pipelineId,
            pipeline.projectId,
            job.name,
            job.stage,
            job.stageIndex,
            job.needs === null ? null : JSON.stringify(job.needs),
            JSON.stringify(job.dependencies),
            JSON.stringify(job.tags),
            job.when,
            job.allowFailure ? 1 : 0,
            job.status,
            pipeline.createdAt,
          ).lastInsertRowid,
        );
        q.setPayload.run(JSON.stringify(payloadFor({ pipelineId, jobId }, index)), jobId);
        return jobById(jobId) as JobRecord;
      });
      return { pipeline: toPipeline(row(q.pipelineById, pipelineId) as Row), jobs: created };
    },
  );

  // One prepared statement per shape of patch: there are only a handful.
  const transitionStatements = new Map<string, Database.Statement>();
  const transition = db.transaction(
    (id: number, from: readonly JobStatus[], patch: JobPatch): JobRecord | undefined => {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
      const sets = entries.map(([key]) => `${JOB_COLUMNS[key as keyof JobPatch]} = ?`);
      const sql = `UPDATE jobs SET ${sets.length === 0 ? 'id = id' : sets.join(', ')}
        WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`;
      const values = entries.map(([, v]) => v as unknown);
      let statement = transitionStatements.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        transitionStatements.set(sql, statement);
      }
      const changed = statement.run(...values, id, ...from).changes;
      return changed === 1 ? jobById(id) : undefined;
    },
  );

  const append = db.transaction((jobId: number, offset: number, bytes: Uint8Array) => {
    const job = row(q.jobById, jobId);
    const size = (job?.['trace_size'] as number | undefined) ?? 0;
    if (job === undefined || (offset !== size && offset !== 0)) return { ok: false as const, size };
    if (offset === 0) q.clearTrace.run(jobId);
    q.insertChunk.run(jobId, offset, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const next = offset + bytes.byteLength;
    q.setTraceSize.run(next, jobId);
    return { ok: true as const, size: next };
  });

  return {
    createRunner(runner) {
      const id = Number(
        q.insertRunner.run(
          runner.tokenHash,
          runner.description,
          JSON.stringify(runner.tags),
          runner.runUntagged ? 1 : 0,
          runner.locked ? 1 : 0,
          runner.paused ? 1 : 0,
          runner.accessLevel,
          runner.maximumTimeout ?? null,
          runner.createdAt,
        ).lastInsertRowid,
      );
      return Promise.resolve(toRunner(row(q.runnerById, id) as Row));
    },
    findRunnerByTokenHash(tokenHash) {
      const found = row(q.runnerByToken, tokenHash);
      return Promise.resolve(found === undefined ? undefined : toRunner(found));
    },
    touchRunner(id, at) {
      q.touchRunner.run(at, id);
      return Promise.resolve();
    },
    deleteRunner(id) {
      return Promise.resolve(q.deleteRunner.run(id).changes === 1);
    },
    listRunners() {
      return Promise.resolve(rows(q.runners).map(toRunner));
    },
    upsertProject(name, path) {
      q.upsertProject.run(name, path);
      return Promise.resolve(toProject(row(q.projectByName, name) as Row));
    },
    findProjectByName(name) {
      const found = row(q.projectByName, name);
      return Promise.resolve(found === undefined ? undefined : toProject(found));
    },
    listProjects() {
      return Promise.resolve(rows(q.projects).map(toProject));
    },
    createPipeline(pipeline, jobs, payloadFor) {
      return Promise.resolve(createPipeline(pipeline, jobs, payloadFor));
    },
    getPipeline(id) {
      const found = row(q.pipelineById, id);
      return Promise.resolve(found === undefined ? undefined : toPipeline(found));
    },
    listPipelines(limit) {
      return Promise.resolve(rows(q.pipelines, limit).map(toPipeline));
    },
    setPipelineStatus(id, status, finishedAt) {
      q.setPipelineStatus.run(status, finishedAt ?? null, id);
      return Promise.resolve();
    },
    getJob(id) {
      return Promise.resolve(jobById(id));
    },
    listPipelineJobs(pipelineId) {
      return Promise.resolve(rows(q.pipelineJobs, pipelineId).map(toJob));
    },
    listQueue(limit) {
      return Promise.resolve(
        rows(q.queue, limit).map((r) => ({
          id: r['id'] as number,
          pipelineId: r['pipeline_id'] as number,
          tags: JSON.parse(r['tags'] as string) as string[],
        })),
      );
    },
    listJobsByStatus(status, limit) {
      return Promise.resolve(rows(q.jobsByStatus, status, limit ?? -1).map(toJob));
    },
    transitionJob(id, from, patch) {
      return Promise.resolve(from.length === 0 ? undefined : transition(id, from, patch));
    },
    touchJob(id, at) {
      q.touchJob.run(at, id);
      return Promise.resolve();
    },
    appendTrace(jobId, offset, bytes) {
      return Promise.resolve(append(jobId, offset, bytes));
    },
    readTrace(jobId) {
      const parts = rows(q.chunks, jobId).map((r) => r['data'] as Buffer);
      return Promise.resolve(new Uint8Array(Buffer.concat(parts)));
    },
    putArtifact(artifact) {
      q.putArtifact.run(
        artifact.jobId,
        artifact.filename,
        artifact.size,
        artifact.format,
        artifact.type,
        artifact.expireIn ?? null,
        artifact.createdAt,
      );
      return Promise.resolve();
    },
    getArtifact(jobId) {
      const found = row(q.artifact, jobId);
      return Promise.resolve(found === undefined ? undefined : toArtifact(found));
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}
