import { describe, expect, it } from 'vitest';
import { traceChecksum } from '../protocol/trace.js';
import { createCoordinatorApp } from './app.js';
import { memoryArtifactStorage } from './artifact-storage.js';
import type { PipelineTrigger } from './pipeline-trigger.js';
import { createMemoryStore } from './store/memory-store.js';
import { FakeClock, seedPipeline, type JobSketch } from './test-fixtures.js';
import { hashToken } from './tokens.js';

const REG = 'reg-secret';
const ADMIN = 'admin-secret';
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...headers },
});
const enc = (text: string) => new TextEncoder().encode(text);

async function setup(jobs: readonly JobSketch[] = [{ name: 'a' }], pipelines?: PipelineTrigger) {
  const store = createMemoryStore();
  const clock = new FakeClock();
  const coordinator = createCoordinatorApp({
    store,
    clock,
    artifacts: memoryArtifactStorage(),
    registrationTokenHash: hashToken(REG),
    adminTokenHash: hashToken(ADMIN),
    pollHoldMs: 50,
    maxArtifactBytes: 1000,
    ...(pipelines === undefined ? {} : { pipelines }),
  });
  const { app } = coordinator;
  const seeded = await seedPipeline(store, jobs);
  await coordinator.scheduler.advance(seeded.pipeline.id);
  const register = async (tags = '', runUntagged = true) => {
    const res = await app.request('/api/v4/runners', {
      method: 'POST',
      ...json({ token: REG, description: 'r', tag_list: tags, run_untagged: runUntagged }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  const request = (token: string, lastUpdate?: string) =>
    app.request('/api/v4/jobs/request', {
      method: 'POST',
      ...json({ token, ...(lastUpdate === undefined ? {} : { last_update: lastUpdate }) }),
    });
  const take = async () => {
    const runnerToken = await register();
    const res = await request(runnerToken);
    const job = (await res.json()) as { id: number; token: string };
    return { runnerToken, id: job.id, token: job.token };
  };
  const patch = (id: number, token: string, range: string | undefined, body: Uint8Array | string) =>
    app.request(`/api/v4/jobs/${id}/trace`, {
      method: 'PATCH',
      body: typeof body === 'string' ? enc(body) : body,
      headers: { 'JOB-TOKEN': token, ...(range === undefined ? {} : { 'Content-Range': range }) },
    });
  const put = (id: number, body: Record<string, unknown>, headerToken?: string) =>
    app.request(`/api/v4/jobs/${id}`, {
      method: 'PUT',
      ...json(body, headerToken === undefined ? {} : { 'JOB-TOKEN': headerToken }),
    });
  return { ...coordinator, store, clock, seeded, register, request, take, patch, put };
}

describe('runner registration', () => {
  it('POST /runners: 201 with a glrt- token; 403 bad token; 400 bad body; 410 disabled', async () => {
    const t = await setup();
    const ok = await t.app.request('/api/v4/runners', {
      method: 'POST',
      ...json({ token: REG, tag_list: 'a, b' }),
    });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { id: number; token: string; token_expires_at: null };
    expect(body.token).toMatch(/^glrt-/);
    expect(body.token_expires_at).toBeNull();
    const stored = (await t.store.listRunners())[0];
    expect(stored).toMatchObject({ tags: ['a', 'b'], runUntagged: false });
    expect(JSON.stringify(stored)).not.toContain(body.token);
    const bad = await t.app.request('/api/v4/runners', {
      method: 'POST',
      ...json({ token: 'nope' }),
    });
    expect(bad.status).toBe(403);
    const invalid = await t.app.request('/api/v4/runners', {
      method: 'POST',
      ...json({ token: 1 }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      message: '400 Bad request - token: expected a string, got a number',
    });
    const notJson = await t.app.request('/api/v4/runners', {
      method: 'POST',
      body: '{',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const disabled = createCoordinatorApp({
      store: createMemoryStore(),
      clock: t.clock,
      artifacts: memoryArtifactStorage(),
    });
    const gone = await disabled.app.request('/api/v4/runners', {
      method: 'POST',
      ...json({ token: REG }),
    });
    expect(gone.status).toBe(410);
  });

  it('verify 200/403, unregister 204/403, managers 204', async () => {
    const t = await setup();
    const token = await t.register();
    const verified = await t.app.request('/api/v4/runners/verify', {
      method: 'POST',
      ...json({ token, system_id: 's_1' }),
    });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ token, token_expires_at: null });
    expect(
      (await t.app.request('/api/v4/runners/verify', { method: 'POST', ...json({ token: 'x' }) }))
        .status,
    ).toBe(403);
    expect(
      (
        await t.app.request('/api/v4/runners/managers', {
          method: 'DELETE',
          ...json({ token, system_id: 's_1' }),
        })
      ).status,
    ).toBe(204);
    expect(
      (await t.app.request('/api/v4/runners', { method: 'DELETE', ...json({ token }) })).status,
    ).toBe(204);
    expect(
      (await t.app.request('/api/v4/runners', { method: 'DELETE', ...json({ token }) })).status,
    ).toBe(403);
    expect(
      (await t.app.request('/api/v4/runners/managers', { method: 'DELETE', ...json({ token }) }))
        .status,
    ).toBe(403);
  });
});

describe('POST /jobs/request', () => {
  it('201 with the payload for a matching runner; 204 with X-GitLab-Last-Update otherwise; 403', async () => {
    const t = await setup([{ name: 'tagged', tags: ['gpu'] }]);
    const plain = await t.register('docker', false);
    const none = await t.request(plain);
    expect(none.status).toBe(204);
    const lastUpdate = none.headers.get('X-GitLab-Last-Update');
    expect(lastUpdate).toBe(t.signal.version);
    const gpu = await t.register('gpu', false);
    const got = await t.request(gpu);
    expect(got.status).toBe(201);
    expect(await got.json()).toMatchObject({
      job_info: { name: 'tagged' },
      token: expect.stringMatching(/^glcbt-/) as unknown,
    });
    expect((await t.request('glrt-wrong')).status).toBe(403);
    expect(
      (await t.app.request('/api/v4/jobs/request', { method: 'POST', ...json({}) })).status,
    ).toBe(400);
  });

  it('holds a runner with the current last_update, wakes it when a job is released', async () => {
    const t = await setup([]);
    const token = await t.register();
    const first = await t.request(token);
    const version = first.headers.get('X-GitLab-Last-Update')!;
    // Held for the whole (50 ms) hold time when nothing happens.
    const started = Date.now();
    expect((await t.request(token, version)).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    // Woken by a new pipeline.
    const held = t.request(token, version);
    await new Promise((r) => setTimeout(r, 5));
    expect(t.signal.waiting).toBe(1);
    const seeded = await seedPipeline(t.store, [{ name: 'late' }]);
    await t.scheduler.advance(seeded.pipeline.id);
    expect((await held).status).toBe(201);
  });

  it('a stale last_update is answered at once', async () => {
    const t = await setup([]);
    const token = await t.register();
    const started = Date.now();
    expect((await t.request(token, 'stale')).status).toBe(204);
    expect(Date.now() - started).toBeLessThan(40);
  });
});

describe('PATCH /jobs/:id/trace', () => {
  it('202 with Job-Status, Range and update interval; 416 with the server size', async () => {
    const t = await setup();
    const job = await t.take();
    const ok = await t.patch(job.id, job.token, '0-4', 'hello');
    expect(ok.status).toBe(202);
    expect(ok.headers.get('Job-Status')).toBe('running');
    expect(ok.headers.get('Range')).toBe('0-5');
    expect(ok.headers.get('X-GitLab-Trace-Update-Interval')).toBe('3');
    const gap = await t.patch(job.id, job.token, '10-12', 'abc');
    expect(gap.status).toBe(416);
    expect(gap.headers.get('Range')).toBe('0-5');
    expect((await t.patch(job.id, job.token, '5-7', 'abc')).status).toBe(202);
    expect(new TextDecoder().decode(await t.store.readTrace(job.id))).toBe('helloabc');
  });

  it('400 without Content-Range or with a length mismatch; 403 wrong token; 404 unknown job', async () => {
    const t = await setup();
    const job = await t.take();
    expect((await t.patch(job.id, job.token, undefined, 'x')).status).toBe(400);
    expect((await t.patch(job.id, job.token, 'bytes 0-0', 'x')).status).toBe(400);
    expect((await t.patch(job.id, job.token, '0-5', 'x')).status).toBe(400);
    expect((await t.patch(job.id, 'glcbt-wrong', '0-0', 'x')).status).toBe(403);
    expect((await t.patch(9999, job.token, '0-0', 'x')).status).toBe(404);
    expect((await t.patch(job.id, job.token, '0-2000000', 'x')).status).toBe(413);
  });

  it('403 with Job-Status once the job is over; canceling is reported while running', async () => {
    const t = await setup();
    const job = await t.take();
    await t.scheduler.cancel(job.id);
    const canceling = await t.patch(job.id, job.token, '0-0', 'x');
    expect(canceling.status).toBe(202);
    expect(canceling.headers.get('Job-Status')).toBe('canceling');
    expect((await t.put(job.id, { token: job.token, state: 'failed' })).status).toBe(200);
    const over = await t.patch(job.id, job.token, '1-1', 'y');
    expect(over.status).toBe(403);
    expect(over.headers.get('Job-Status')).toBe('canceled');
  });
});

describe('PUT /jobs/:id', () => {
  it('running is a keep-alive (200 + Job-Status) that resets the lost-runner clock', async () => {
    const t = await setup();
    const job = await t.take();
    t.clock.advance(5000);
    const res = await t.put(job.id, { token: job.token, state: 'running' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Job-Status')).toBe('running');
    expect((await t.store.getJob(job.id))?.lastSeenAt).toBe(t.clock.now());
  });

  it('202 while the trace is short, 412 on checksum mismatch, 200 when it matches', async () => {
    const t = await setup([{ name: 'a' }, { name: 'b', stage: 1 }]);
    const job = await t.take();
    await t.patch(job.id, job.token, '0-2', 'abc');
    const full = enc('abcdef');
    const update = {
      token: job.token,
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 3,
    };
    const early = await t.put(job.id, {
      ...update,
      output: { bytesize: 6, checksum: traceChecksum(full) },
    });
    expect(early.status).toBe(202);
    expect(early.headers.get('X-GitLab-Trace-Update-Interval')).toBe('3');
    await t.patch(job.id, job.token, '3-5', 'xyz');
    const wrong = await t.put(job.id, {
      ...update,
      output: { bytesize: 6, checksum: traceChecksum(full) },
    });
    expect(wrong.status).toBe(412);
    await t.patch(job.id, job.token, '0-5', 'abcdef'); // the runner resends from 0
    const done = await t.put(
      job.id,
      {
        ...update,
        checksum: traceChecksum(full),
        output: { bytesize: 6, checksum: traceChecksum(full) },
      },
      job.token,
    );
    expect(done.status).toBe(200);
    expect(done.headers.get('Job-Status')).toBe('failed');
    expect(await t.store.getJob(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    expect((await t.store.listPipelineJobs(t.seeded.pipeline.id))[1]?.status).toBe('skipped');
    expect((await t.put(job.id, { token: job.token, state: 'success' })).status).toBe(403);
  });

  it('400 bad body, 403 wrong token, 404 unknown job', async () => {
    const t = await setup();
    const job = await t.take();
    expect((await t.put(job.id, { token: job.token, state: 'finished' })).status).toBe(400);
    expect((await t.put(job.id, { token: 'glcbt-x', state: 'success' })).status).toBe(403);
    expect((await t.put(424242, { token: job.token, state: 'success' })).status).toBe(404);
  });
});

describe('artifacts', () => {
  it('upload 201 by the running job; download by a running job of the pipeline; 401/403/404/413', async () => {
    const t = await setup([{ name: 'build' }, { name: 'test', stage: 1, dependencies: ['build'] }]);
    const build = await t.take();
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([enc('ZIPDATA')]), 'artifacts.zip');
      return f;
    };
    const url = `/api/v4/jobs/${build.id}/artifacts`;
    const up = await t.app.request(
      `${url}?artifact_format=zip&artifact_type=archive&expire_in=1%20day`,
      { method: 'POST', body: form(), headers: { 'JOB-TOKEN': build.token } },
    );
    expect(up.status).toBe(201);
    expect(await t.store.getArtifact(build.id)).toMatchObject({
      filename: 'artifacts.zip',
      size: 7,
      expireIn: '1 day',
    });
    const big = new FormData();
    big.append('file', new Blob([new Uint8Array(2000)]), 'big.zip');
    expect(
      (
        await t.app.request(url, {
          method: 'POST',
          body: big,
          headers: { 'JOB-TOKEN': build.token },
        })
      ).status,
    ).toBe(413);
    expect(
      (
        await t.app.request(url, {
          method: 'POST',
          body: new FormData(),
          headers: { 'JOB-TOKEN': build.token },
        })
      ).status,
    ).toBe(400);
    expect(
      (await t.app.request(url, { method: 'POST', body: form(), headers: { 'JOB-TOKEN': 'nope' } }))
        .status,
    ).toBe(403);
    await t.patch(build.id, build.token, '0-1', 'ok');
    await t.put(build.id, { token: build.token, state: 'success' });

    const test = await t.take();
    const payload = (await t.store.getJob(test.id))!;
    expect(payload.status).toBe('running');
    const down = await t.app.request(url, { headers: { 'JOB-TOKEN': test.token } });
    expect(down.status).toBe(200);
    expect(down.headers.get('Content-Disposition')).toBe('attachment; filename="artifacts.zip"');
    expect(new TextDecoder().decode(await down.arrayBuffer())).toBe('ZIPDATA');
    expect((await t.app.request(url)).status).toBe(401);
    expect((await t.app.request(url, { headers: { 'JOB-TOKEN': build.token } })).status).toBe(403);
    expect(
      (
        await t.app.request(`/api/v4/jobs/${test.id}/artifacts`, {
          headers: { 'JOB-TOKEN': test.token },
        })
      ).status,
    ).toBe(404);
    expect(
      (await t.app.request('/api/v4/jobs/777/artifacts', { headers: { 'JOB-TOKEN': test.token } }))
        .status,
    ).toBe(404);
  });
});

describe('admin API', () => {
  const auth = { Authorization: `Bearer ${ADMIN}` };

  it('401 without the admin token', async () => {
    const t = await setup();
    expect((await t.app.request('/api/dockhand/v1/pipelines')).status).toBe(401);
    expect(
      (
        await t.app.request('/api/dockhand/v1/pipelines', {
          headers: { Authorization: 'Bearer x' },
        })
      ).status,
    ).toBe(401);
  });

  it('triggers pipelines through the injected trigger; reads status and trace; cancels', async () => {
    let created = 0;
    const trigger: PipelineTrigger = {
      async create(request) {
        if (request.project === 'ghost') return { kind: 'unknown-project' };
        if (request.ref === 'broken') return { kind: 'invalid', errors: ['bad yaml'] };
        const seeded = await seedPipeline(t.store, [{ name: `job-${request.ref}` }]);
        created = seeded.pipeline.id;
        return { kind: 'created', pipelineId: seeded.pipeline.id };
      },
    };
    const t = await setup([], trigger);
    const post = (project: string, ref: string) =>
      t.app.request(`/api/dockhand/v1/projects/${project}/pipelines`, {
        method: 'POST',
        ...json({ ref }, auth),
      });
    const res = await post('demo', 'main');
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      id: created,
      status: 'pending',
      jobs: [{ name: 'job-main', status: 'pending' }],
    });
    expect((await post('ghost', 'main')).status).toBe(404);
    const invalid = await post('demo', 'broken');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errors: ['bad yaml'] });

    const job = await t.take();
    await t.patch(job.id, job.token, '0-1', 'hi');
    const trace = await t.app.request(`/api/dockhand/v1/jobs/${job.id}/trace`, { headers: auth });
    expect(await trace.text()).toBe('hi');
    expect(trace.headers.get('Job-Status')).toBe('running');
    const view = await t.app.request(`/api/dockhand/v1/pipelines/${created}`, { headers: auth });
    expect(await view.json()).toMatchObject({
      status: 'running',
      jobs: [{ status: 'running', trace_size: 2 }],
    });
    expect((await t.app.request('/api/dockhand/v1/pipelines/999', { headers: auth })).status).toBe(
      404,
    );
    expect(
      (
        await t.app.request(`/api/dockhand/v1/jobs/${job.id}/cancel`, {
          method: 'POST',
          headers: auth,
        })
      ).status,
    ).toBe(200);
    expect(
      (await t.app.request('/api/dockhand/v1/jobs/999/cancel', { method: 'POST', headers: auth }))
        .status,
    ).toBe(409);
    const runners = (await (
      await t.app.request('/api/dockhand/v1/runners', { headers: { 'PRIVATE-TOKEN': ADMIN } })
    ).json()) as unknown[];
    expect(runners).toHaveLength(1);
    expect(JSON.stringify(runners)).not.toContain('glrt-');
    expect(
      (await (
        await t.app.request('/api/dockhand/v1/pipelines', { headers: auth })
      ).json()) as unknown[],
    ).toHaveLength(2);
  });

  it('unknown routes are 404 JSON', async () => {
    const t = await setup();
    const res = await t.app.request('/api/v4/nothing');
    expect(res.status).toBe(404);
  });
});
