import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoordinatorApp, type Coordinator } from '../coordinator/app.js';
import { memoryArtifactStorage } from '../coordinator/artifact-storage.js';
import { listen, type Listening } from '../coordinator/server.js';
import { createMemoryStore } from '../coordinator/store/memory-store.js';
import type { Store } from '../coordinator/store/store.js';
import { FakeClock, seedPipeline } from '../coordinator/test-fixtures.js';
import { hashToken } from '../coordinator/tokens.js';
import { traceChecksum } from '../protocol/trace.js';
import { createCoordinatorClient, type CoordinatorClient } from './coordinator-client.js';
import { CoordinatorUnreachableError } from './http.js';

const REG = 'reg-token-secret';
const enc = (text: string) => new TextEncoder().encode(text);
const fast = { attempts: 3, minDelayMs: 1, maxDelayMs: 2 };

let server: Listening;
let store: Store;
let coordinator: Coordinator;
let client: CoordinatorClient;

beforeAll(async () => {
  store = createMemoryStore();
  coordinator = createCoordinatorApp({
    store,
    clock: new FakeClock(),
    artifacts: memoryArtifactStorage(),
    registrationTokenHash: hashToken(REG),
    pollHoldMs: 200,
  });
  server = await listen(coordinator.app, '127.0.0.1', 0);
  client = createCoordinatorClient({ url: server.url, retry: fast });
});
afterAll(() => server.close());

describe('coordinator client over real HTTP', () => {
  it('register → request job → patch trace (with 416 recovery) → update → artifacts', async () => {
    const registered = await client.register({
      token: REG,
      description: 'ci',
      tag_list: 'docker',
      run_untagged: true,
    });
    expect(registered.kind).toBe('registered');
    if (registered.kind !== 'registered') return;
    const runnerToken = registered.token;
    expect(await client.verify({ token: runnerToken, system_id: 's_1' })).toMatchObject({
      kind: 'valid',
      id: registered.id,
    });

    const idle = await client.requestJob({ token: runnerToken });
    expect(idle.kind).toBe('none');
    const lastUpdate = idle.kind === 'none' ? idle.lastUpdate : undefined;
    expect(lastUpdate).toBeDefined();

    // A long poll with the current version is woken by a new pipeline.
    const polling = client.requestJob({
      token: runnerToken,
      ...(lastUpdate === undefined ? {} : { last_update: lastUpdate }),
    });
    const seeded = await seedPipeline(store, [
      { name: 'build', tags: ['docker'] },
      { name: 'test', stage: 1, dependencies: ['build'] },
    ]);
    await coordinator.scheduler.advance(seeded.pipeline.id);
    const got = await polling;
    expect(got.kind).toBe('job');
    if (got.kind !== 'job') return;
    const { job } = got;
    expect(job.job_info.name).toBe('build');

    const trace = enc('line one\nline twö\n');
    const first = await client.patchTrace(job.id, job.token, trace.subarray(0, 9), 0);
    expect(first).toMatchObject({
      kind: 'accepted',
      size: 9,
      jobStatus: 'running',
      updateIntervalMs: 3000,
    });
    // The runner thinks it sent more than it did: the server says where to resume.
    const skipped = await client.patchTrace(job.id, job.token, trace.subarray(12), 12);
    expect(skipped).toEqual({ kind: 'range-mismatch', offset: 9 });
    const resent = await client.patchTrace(job.id, job.token, trace.subarray(9), 9);
    expect(resent).toMatchObject({ kind: 'accepted', size: trace.byteLength });

    const upload = await client.uploadArtifacts(job.id, job.token, {
      data: enc('PK-zip'),
      filename: 'artifacts.zip',
      expireIn: '1 week',
    });
    expect(upload).toEqual({ kind: 'uploaded' });

    const keepAlive = await client.updateJob(job.id, { token: job.token, state: 'running' });
    expect(keepAlive).toEqual({ kind: 'accepted', jobStatus: 'running' });
    const final = await client.updateJob(job.id, {
      token: job.token,
      state: 'success',
      exit_code: 0,
      checksum: traceChecksum(trace),
      output: { checksum: traceChecksum(trace), bytesize: trace.byteLength },
    });
    expect(final).toEqual({ kind: 'accepted', jobStatus: 'success' });
    expect(await client.patchTrace(job.id, job.token, enc('late'), trace.byteLength)).toMatchObject(
      { kind: 'aborted', status: 403, jobStatus: 'success' },
    );

    const next = await client.requestJob({ token: runnerToken });
    expect(next.kind).toBe('job');
    if (next.kind !== 'job') return;
    expect(next.job.dependencies).toEqual([
      {
        id: job.id,
        name: 'build',
        token: next.job.token,
        artifacts_file: { filename: 'artifacts.zip', size: 6 },
      },
    ]);
    const downloaded = await client.downloadArtifacts(job.id, next.job.token);
    expect(downloaded.kind).toBe('downloaded');
    if (downloaded.kind === 'downloaded') {
      expect(new TextDecoder().decode(downloaded.data)).toBe('PK-zip');
      expect(downloaded.filename).toBe('artifacts.zip');
    }
    expect(await client.downloadArtifacts(next.job.id, next.job.token)).toEqual({
      kind: 'not-found',
    });
    expect(await client.downloadArtifacts(job.id, job.token)).toEqual({
      kind: 'forbidden',
      status: 403,
    });

    // A trace that does not match the checksum: 412, then the whole trace again from 0.
    await client.patchTrace(next.job.id, next.job.token, enc('abc'), 0);
    const mismatch = await client.updateJob(next.job.id, {
      token: next.job.token,
      state: 'success',
      output: { bytesize: 3, checksum: traceChecksum(enc('xyz')) },
    });
    expect(mismatch).toEqual({ kind: 'trace-mismatch' });
    const pending = await client.updateJob(next.job.id, {
      token: next.job.token,
      state: 'success',
      output: { bytesize: 4, checksum: 'crc32:00000000' },
    });
    expect(pending).toEqual({ kind: 'pending', retryAfterMs: 3000 });

    expect(await client.unregister({ token: runnerToken })).toEqual({ kind: 'unregistered' });
    expect(await client.requestJob({ token: runnerToken })).toEqual({ kind: 'forbidden' });
    expect(await client.verify({ token: runnerToken })).toEqual({ kind: 'forbidden' });
    expect(await client.register({ token: 'wrong' })).toEqual({ kind: 'forbidden' });
  });

  it('aborted for unknown jobs and wrong tokens', async () => {
    expect(await client.patchTrace(987654, 'glcbt-x', enc('x'), 0)).toMatchObject({
      kind: 'aborted',
      status: 404,
    });
    expect(await client.updateJob(987654, { token: 'glcbt-x', state: 'running' })).toMatchObject({
      kind: 'aborted',
      status: 404,
    });
  });
});

describe('transport failures', () => {
  it('retries transient statuses a bounded number of times, then reports them', async () => {
    let calls = 0;
    const flaky = createCoordinatorClient({
      url: 'http://127.0.0.1:1',
      retry: fast,
      fetch: () => {
        calls++;
        return Promise.resolve(new Response(null, { status: calls < 3 ? 503 : 204 }));
      },
    });
    expect(await flaky.unregister({ token: 't' })).toEqual({ kind: 'unregistered' });
    expect(calls).toBe(3);
  });

  it('unreachable: job requests become unavailable, other calls throw without the token', async () => {
    const dead = createCoordinatorClient({
      url: 'http://127.0.0.1:1',
      retry: fast,
      unavailableRetryMs: 1234,
    });
    expect(await dead.requestJob({ token: 'glrt-very-secret' })).toEqual({
      kind: 'unavailable',
      retryAfterMs: 1234,
    });
    const error = await dead.verify({ token: 'glrt-very-secret' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorUnreachableError);
    expect(String((error as Error).message)).not.toContain('very-secret');
    expect((error as Error).message).toContain('POST /api/v4/runners/verify');
  });

  it('409 and 503 on a job request are unavailable with Retry-After', async () => {
    const busy = createCoordinatorClient({
      url: 'http://127.0.0.1:1',
      fetch: () =>
        Promise.resolve(new Response(null, { status: 409, headers: { 'Retry-After': '2' } })),
    });
    expect(await busy.requestJob({ token: 't' })).toEqual({
      kind: 'unavailable',
      retryAfterMs: 2000,
    });
  });

  it('an invalid job payload throws a protocol error naming the path', async () => {
    const broken = createCoordinatorClient({
      url: 'http://127.0.0.1:1',
      fetch: () => Promise.resolve(Response.json({ id: 1 }, { status: 201 })),
    });
    await expect(broken.requestJob({ token: 't' })).rejects.toThrow(
      /job payload is invalid: token: is required/,
    );
  });

  it('the caller can abort a long poll', async () => {
    const controller = new AbortController();
    const hanging = createCoordinatorClient({
      url: 'http://127.0.0.1:1',
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
        }),
    });
    const pending = hanging.requestJob({ token: 't' }, controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
