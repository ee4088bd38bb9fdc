import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedPipeline } from '../test-fixtures.js';
import { createMemoryStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { NewRunner, Store } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'dockhand-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newRunner: NewRunner = {
  tokenHash: 'h1',
  description: 'one',
  tags: ['docker', 'linux'],
  runUntagged: false,
  locked: false,
  paused: false,
  accessLevel: 'not_protected',
  createdAt: 5,
};

// One contract, every implementation: what the coordinator relies on, not how it is stored.
describe.each([
  ['memory', () => createMemoryStore()],
  ['sqlite', () => openSqliteStore(':memory:')],
  ['sqlite file', () => openSqliteStore(join(dir, `s-${Math.random()}.db`))],
] as const)('Store contract: %s', (_name, open: () => Store) => {
  it('runners: create, find by token digest, touch, list, delete', async () => {
    const store = open();
    const created = await store.createRunner(newRunner);
    expect(created).toEqual({ ...newRunner, id: created.id });
    expect(await store.findRunnerByTokenHash('h1')).toEqual(created);
    expect(await store.findRunnerByTokenHash('nope')).toBeUndefined();
    await store.touchRunner(created.id, 9);
    expect((await store.listRunners())[0]?.contactedAt).toBe(9);
    expect(await store.deleteRunner(created.id)).toBe(true);
    expect(await store.deleteRunner(created.id)).toBe(false);
    await store.close();
  });

  it('projects: upsert by name', async () => {
    const store = open();
    const a = await store.upsertProject('demo', '/a');
    const b = await store.upsertProject('demo', '/b');
    expect(b).toEqual({ id: a.id, name: 'demo', path: '/b' });
    expect(await store.findProjectByName('demo')).toEqual(b);
    expect(await store.listProjects()).toHaveLength(1);
    await store.close();
  });

  it('pipelines and jobs round-trip, payload built with the assigned ids', async () => {
    const store = open();
    const { pipeline, jobs } = await seedPipeline(
      store,
      [
        { name: 'a', tags: ['x'] },
        {
          name: 'b',
          stage: 1,
          needs: ['a'],
          dependencies: ['a'],
          when: 'always',
          allowFailure: true,
        },
      ],
      42,
    );
    expect(pipeline).toMatchObject({ status: 'pending', createdAt: 42, ref: 'main' });
    expect(jobs[1]).toMatchObject({
      name: 'b',
      stageIndex: 1,
      needs: ['a'],
      dependencies: ['a'],
      when: 'always',
      allowFailure: true,
      status: 'created',
      traceSize: 0,
    });
    expect(jobs[0]?.needs).toBeNull();
    expect(jobs[0]?.payload.id).toBe(jobs[0]?.id);
    expect(jobs[0]?.payload.job_info.pipeline_id).toBe(pipeline.id);
    expect(await store.getJob(jobs[1]!.id)).toEqual(jobs[1]);
    expect(await store.listPipelineJobs(pipeline.id)).toEqual(jobs);
    await store.setPipelineStatus(pipeline.id, 'success', 50);
    expect(await store.getPipeline(pipeline.id)).toMatchObject({
      status: 'success',
      finishedAt: 50,
    });
    expect((await store.listPipelines(10)).map((p) => p.id)).toEqual([pipeline.id]);
    await store.close();
  });

  it('transitionJob is a compare-and-set', async () => {
    const store = open();
    const { jobs } = await seedPipeline(store, [{ name: 'a' }, { name: 'b' }]);
    const id = jobs[0]!.id;
    expect(await store.transitionJob(id, ['pending'], { status: 'running' })).toBeUndefined();
    expect(await store.transitionJob(id, ['created'], { status: 'pending' })).toMatchObject({
      status: 'pending',
    });
    const claimed = await store.transitionJob(id, ['pending'], {
      status: 'running',
      runnerId: 3,
      tokenHash: 'th',
      startedAt: 7,
      lastSeenAt: 7,
    });
    expect(claimed).toMatchObject({
      status: 'running',
      runnerId: 3,
      tokenHash: 'th',
      startedAt: 7,
    });
    expect(
      await store.transitionJob(id, ['pending'], { status: 'running', runnerId: 4 }),
    ).toBeUndefined();
    expect((await store.listJobsByStatus('running')).map((j) => j.id)).toEqual([id]);
    expect((await store.listJobsByStatus('created', 1)).map((j) => j.id)).toEqual([jobs[1]!.id]);
    await store.transitionJob(jobs[1]!.id, ['created'], { status: 'pending' });
    expect(await store.listQueue(10)).toEqual([
      { id: jobs[1]!.id, pipelineId: jobs[1]!.pipelineId, tags: [] },
    ]);
    await store.touchJob(id, 11);
    const done = await store.transitionJob(id, ['running'], {
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 2,
      finishedAt: 12,
    });
    expect(done).toMatchObject({
      lastSeenAt: 11,
      failureReason: 'script_failure',
      exitCode: 2,
      finishedAt: 12,
    });
    await store.close();
  });

  it('trace: append at the end only; offset 0 resets; bytes are kept exactly', async () => {
    const store = open();
    const { jobs } = await seedPipeline(store, [{ name: 'a' }]);
    const id = jobs[0]!.id;
    const bytes = (t: string) => new TextEncoder().encode(t);
    expect(await store.appendTrace(id, 0, bytes('héllo'))).toEqual({ ok: true, size: 6 });
    expect(await store.appendTrace(id, 3, bytes('x'))).toEqual({ ok: false, size: 6 });
    expect(await store.appendTrace(id, 6, new Uint8Array([0, 255]))).toEqual({ ok: true, size: 8 });
    expect([...(await store.readTrace(id))]).toEqual([...bytes('héllo'), 0, 255]);
    expect((await store.getJob(id))?.traceSize).toBe(8);
    expect(await store.appendTrace(id, 0, bytes('new'))).toEqual({ ok: true, size: 3 });
    expect(new TextDecoder().decode(await store.readTrace(id))).toBe('new');
    expect(await store.appendTrace(9999, 0, bytes('x'))).toEqual({ ok: false, size: 0 });
    expect((await store.readTrace(9999)).byteLength).toBe(0);
    await store.close();
  });

  it('artifacts metadata', async () => {
    const store = open();
    const { jobs } = await seedPipeline(store, [{ name: 'a' }]);
    const id = jobs[0]!.id;
    expect(await store.getArtifact(id)).toBeUndefined();
    const meta = {
      jobId: id,
      filename: 'a.zip',
      size: 3,
      format: 'zip',
      type: 'archive',
      createdAt: 1,
    };
    await store.putArtifact(meta);
    expect(await store.getArtifact(id)).toEqual(meta);
    await store.putArtifact({ ...meta, size: 4, expireIn: '1 week' });
    expect(await store.getArtifact(id)).toEqual({ ...meta, size: 4, expireIn: '1 week' });
    await store.close();
  });
});

describe('SQLite store on disk', () => {
  it('keeps everything across reopen', async () => {
    const file = join(dir, 'persist.db');
    const first = openSqliteStore(file);
    const { jobs } = await seedPipeline(first, [{ name: 'a' }]);
    await first.appendTrace(jobs[0]!.id, 0, new TextEncoder().encode('log'));
    await first.close();
    const second = openSqliteStore(file);
    expect(await second.getJob(jobs[0]!.id)).toMatchObject({ name: 'a', traceSize: 3 });
    expect(new TextDecoder().decode(await second.readTrace(jobs[0]!.id))).toBe('log');
    await second.close();
  });
});
