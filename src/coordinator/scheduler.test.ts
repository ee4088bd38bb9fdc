import { describe, expect, it } from 'vitest';
import { CoordinatorEvents, type CoordinatorEvent } from './events.js';
import { QueueSignal } from './queue-signal.js';
import { pipelineStatus, releaseDecisions, runnerMatches } from './release.js';
import { JOB_TOKEN_PLACEHOLDER, Scheduler } from './scheduler.js';
import { createMemoryStore } from './store/memory-store.js';
import type { JobRecord, RunnerRecord, Store } from './store/store.js';
import { FakeClock, seedPipeline, type JobSketch } from './test-fixtures.js';
import { tokenMatches } from './tokens.js';

function runner(tags: string[], runUntagged: boolean, id = 1): RunnerRecord {
  return {
    id,
    tokenHash: 'x',
    description: '',
    tags,
    runUntagged,
    locked: false,
    paused: false,
    accessLevel: 'not_protected',
    createdAt: 0,
  };
}

async function setup(jobs: readonly JobSketch[], lostAfterMs = 60_000) {
  const store: Store = createMemoryStore();
  const clock = new FakeClock();
  const signal = new QueueSignal();
  const events = new CoordinatorEvents();
  const seen: CoordinatorEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const scheduler = new Scheduler({ store, clock, signal, events, lostAfterMs });
  const seeded = await seedPipeline(store, jobs);
  await scheduler.advance(seeded.pipeline.id);
  const status = async () =>
    Object.fromEntries(
      (await store.listPipelineJobs(seeded.pipeline.id)).map((j) => [j.name, j.status]),
    );
  return { store, clock, signal, scheduler, pipeline: seeded.pipeline, status, seen };
}

describe('runnerMatches', () => {
  it('needs job tags ⊆ runner tags', () => {
    expect(runnerMatches({ tags: ['docker'] }, runner(['docker', 'linux'], false))).toBe(true);
    expect(runnerMatches({ tags: ['docker', 'gpu'] }, runner(['docker'], false))).toBe(false);
  });
  it('untagged jobs need run_untagged', () => {
    expect(runnerMatches({ tags: [] }, runner(['docker'], false))).toBe(false);
    expect(runnerMatches({ tags: [] }, runner(['docker'], true))).toBe(true);
  });
  it('a paused runner takes nothing', () => {
    expect(runnerMatches({ tags: [] }, { ...runner([], true), paused: true })).toBe(false);
  });
});

describe('release rules', () => {
  it('releases the first stage, then later stages as earlier ones succeed', async () => {
    const t = await setup([
      { name: 'build' },
      { name: 'test', stage: 1 },
      { name: 'deploy', stage: 2 },
    ]);
    expect(await t.status()).toEqual({ build: 'pending', test: 'created', deploy: 'created' });
    const build = await t.scheduler.assign(runner([], true));
    expect(build?.job.name).toBe('build');
    await t.scheduler.finish(build!.job, 'success');
    expect(await t.status()).toMatchObject({ build: 'success', test: 'pending' });
  });

  it('needs start a job before its stage, and skip on failure cascades', async () => {
    const t = await setup([
      { name: 'a' },
      { name: 'b' },
      { name: 'c', stage: 1, needs: ['a'] },
      { name: 'd', stage: 2, needs: ['c'] },
      { name: 'cleanup', stage: 3, when: 'on_failure' },
      { name: 'report', stage: 3, when: 'always' },
    ]);
    const r = runner([], true);
    const a = await t.scheduler.assign(r);
    expect(a?.job.name).toBe('a');
    await t.scheduler.finish(a!.job, 'failed', 'script_failure', 1);
    // c (needs a) and d (needs c) are skipped without waiting for b.
    expect(await t.status()).toMatchObject({
      a: 'failed',
      b: 'pending',
      c: 'skipped',
      d: 'skipped',
    });
    const b = await t.scheduler.assign(r);
    await t.scheduler.finish(b!.job, 'success');
    expect(await t.status()).toMatchObject({ cleanup: 'pending', report: 'pending' });
  });

  it('allow_failure counts as success', () => {
    const base = {
      pipelineId: 1,
      projectId: 1,
      dependencies: [],
      tags: [],
      payload: {} as JobRecord['payload'],
      createdAt: 0,
      traceSize: 0,
    };
    const jobs: JobRecord[] = [
      {
        ...base,
        id: 1,
        name: 'lint',
        stage: 's0',
        stageIndex: 0,
        needs: null,
        when: 'on_success',
        allowFailure: true,
        status: 'failed',
      },
      {
        ...base,
        id: 2,
        name: 'test',
        stage: 's1',
        stageIndex: 1,
        needs: null,
        when: 'on_success',
        allowFailure: false,
        status: 'created',
      },
    ];
    expect(releaseDecisions(jobs).get(2)).toBe('pending');
    expect(pipelineStatus(jobs)).toBe('running');
  });

  it('manual jobs wait and do not block later stages', async () => {
    const t = await setup([
      { name: 'deploy', when: 'manual' },
      { name: 'after', stage: 1 },
    ]);
    expect(await t.status()).toEqual({ deploy: 'manual', after: 'pending' });
  });

  it('bumps the queue version only when jobs are released', async () => {
    const t = await setup([{ name: 'a' }, { name: 'b', stage: 1 }]);
    const before = t.signal.version;
    const a = await t.scheduler.assign(runner([], true));
    expect(t.signal.version).toBe(before);
    await t.scheduler.finish(a!.job, 'success');
    expect(t.signal.version).not.toBe(before);
  });
});

describe('dispatch', () => {
  it('matches tags and leaves other jobs for other runners', async () => {
    const t = await setup([
      { name: 'gpu', tags: ['gpu'] },
      { name: 'plain' },
      { name: 'docker', tags: ['docker'] },
    ]);
    const dockerOnly = runner(['docker'], false);
    expect((await t.scheduler.assign(dockerOnly))?.job.name).toBe('docker');
    expect(await t.scheduler.assign(dockerOnly)).toBeUndefined();
    expect((await t.scheduler.assign(runner(['linux'], true)))?.job.name).toBe('plain');
  });

  it('puts a fresh job token in the payload and only its digest in the store', async () => {
    const t = await setup([{ name: 'a' }]);
    const got = await t.scheduler.assign(runner([], true));
    const token = got!.payload.token;
    expect(token).toMatch(/^glcbt-/);
    expect(got!.payload.variables.find((v) => v.key === 'CI_JOB_TOKEN')?.value).toBe(token);
    const stored = await t.store.getJob(got!.job.id);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored!.payload.token).toBe(JOB_TOKEN_PLACEHOLDER);
    expect(tokenMatches(token, stored!.tokenHash)).toBe(true);
  });

  it('never gives one job to two runners', async () => {
    const t = await setup([{ name: 'only' }]);
    const results = await Promise.all(
      [1, 2, 3, 4].map((id) => t.scheduler.assign(runner([], true, id))),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('lists dependencies with artifacts, authenticated by the job own token', async () => {
    const t = await setup([{ name: 'build' }, { name: 'test', stage: 1, dependencies: ['build'] }]);
    const r = runner([], true);
    const build = await t.scheduler.assign(r);
    await t.store.putArtifact({
      jobId: build!.job.id,
      filename: 'a.zip',
      size: 3,
      format: 'zip',
      type: 'archive',
      createdAt: 0,
    });
    await t.scheduler.finish(build!.job, 'success');
    const test = await t.scheduler.assign(r);
    expect(test!.payload.dependencies).toEqual([
      {
        id: build!.job.id,
        name: 'build',
        token: test!.payload.token,
        artifacts_file: { filename: 'a.zip', size: 3 },
      },
    ]);
  });
});

describe('lost runners', () => {
  it('fails a silent running job with runner_system_failure, keeping its trace', async () => {
    const t = await setup([{ name: 'a' }, { name: 'b', stage: 1, when: 'on_failure' }], 60_000);
    const got = await t.scheduler.assign(runner([], true));
    await t.store.appendTrace(got!.job.id, 0, new TextEncoder().encode('partial'));
    t.clock.advance(59_000);
    expect(await t.scheduler.sweepLost()).toEqual([]);
    await t.store.touchJob(got!.job.id, t.clock.now());
    t.clock.advance(60_001);
    expect(await t.scheduler.sweepLost()).toEqual([got!.job.id]);
    const job = await t.store.getJob(got!.job.id);
    expect(job).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(new TextDecoder().decode(await t.store.readTrace(job!.id))).toBe('partial');
    expect(await t.status()).toMatchObject({ b: 'pending' });
    expect(t.seen).toContainEqual({
      kind: 'job',
      jobId: job!.id,
      pipelineId: t.pipeline.id,
      status: 'failed',
    });
  });

  it('cancel: waiting jobs at once, running ones become canceling then canceled', async () => {
    const t = await setup([{ name: 'a' }, { name: 'b', stage: 1 }]);
    const got = await t.scheduler.assign(runner([], true));
    expect((await t.scheduler.cancel(got!.job.id))?.status).toBe('canceling');
    const finished = await t.scheduler.finish((await t.store.getJob(got!.job.id))!, 'failed');
    expect(finished?.status).toBe('canceled');
    expect(await t.status()).toMatchObject({ b: 'skipped' });
    expect((await t.store.getPipeline(t.pipeline.id))?.status).toBe('canceled');
  });
});

describe('QueueSignal', () => {
  it('returns at once for a stale version, waits for a bump otherwise, times out', async () => {
    const signal = new QueueSignal();
    expect(await signal.waitForChange('old', 1000)).toBe(true);
    const seen = signal.version;
    const waiting = signal.waitForChange(seen, 5000);
    expect(signal.waiting).toBe(1);
    signal.bump();
    expect(await waiting).toBe(true);
    expect(await signal.waitForChange(signal.version, 10)).toBe(false);
    const abort = new AbortController();
    const held = signal.waitForChange(signal.version, 5000, abort.signal);
    abort.abort();
    expect(await held).toBe(false);
    expect(signal.waiting).toBe(0);
  });
});
