import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../core/logger.js';
import { sampleJob } from '../script/sample-job.js';
import { Daemon, type DaemonExit, type DaemonOptions, type DaemonRunner } from './daemon.js';
import { FakeClock, settle } from './fake-clock.js';
import { FakeCoordinatorClient } from './fake-coordinator-client.js';
import { FakeExecutorProvider, type FakeExecutorScript } from './fake-executor.js';

const TOKEN = 'glcbt-64_secretjobtoken0123';

function job(id: number) {
  return { ...sampleJob({ afterScript: ['echo after'], token: TOKEN }), id };
}

function runner(name: string, client: FakeCoordinatorClient, extra: Partial<DaemonRunner> = {}) {
  return {
    name,
    token: `glrt-${name}-runner-token`,
    executor: 'docker',
    limit: 0,
    requestConcurrency: 1,
    jobRunner: { name, shortToken: name.slice(0, 9) },
    client,
    ...extra,
  } satisfies DaemonRunner;
}

const HANG: FakeExecutorScript = { stages: { step_script: { hang: true } } };

function start(
  runners: DaemonRunner[],
  script: FakeExecutorScript = {},
  extra: Partial<DaemonOptions> = {},
  configure: (provider: FakeExecutorProvider) => void = () => undefined,
) {
  const clock = new FakeClock();
  const providers = new Map<string, FakeExecutorProvider>();
  const logs: string[] = [];
  const push = (m: string) => void logs.push(m);
  const logger: Logger = { ...silentLogger, info: push, warn: push, error: push };
  const daemon = new Daemon({
    runners,
    providerFor: (r) => {
      const provider = new FakeExecutorProvider(script, 'docker');
      configure(provider);
      providers.set(r.name, provider);
      return provider;
    },
    concurrent: 1,
    checkIntervalMs: 3000,
    shutdownTimeoutMs: 30_000,
    clock,
    logger,
    ...extra,
  });
  let exit: DaemonExit | undefined;
  const done = daemon.run().then((e) => {
    exit = e;
    return e;
  });
  return { clock, daemon, providers, logs, done, exited: () => exit };
}

/** Lets real promise chains (job-run) run until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await settle();
  expect(condition()).toBe(true);
}

describe('Daemon', () => {
  it('runs a job it is given and reports it with a masked trace and a checksum', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, done } = start([runner('alpha', client)], {
      stages: { step_script: { exitCode: 0, output: `token is ${TOKEN}\n` } },
    });
    await until(() => client.finalUpdate(1) !== undefined);
    const trace = client.traceText(1);
    expect(trace).toContain('  on alpha alpha');
    expect(trace).toContain('token is [MASKED]');
    expect(trace).not.toContain(TOKEN);
    expect(client.finalUpdate(1)).toMatchObject({ state: 'success', token: TOKEN });
    expect(client.finalUpdate(1)?.checksum).toMatch(/^crc32:/);
    expect(client.requests[0]?.info?.features?.['trace_checksum']).toBe(true);
    daemon.stop('graceful');
    await clock.advance(1);
    expect(await done).toEqual({ kind: 'graceful' });
  });

  it('polls each runner once per check_interval while idle, echoing last_update', async () => {
    const a = new FakeCoordinatorClient();
    const b = new FakeCoordinatorClient();
    const { clock, daemon } = start([runner('a', a), runner('b', b)]);
    await clock.advance(30_000);
    expect(a.requests.length).toBeGreaterThanOrEqual(10);
    expect(a.requests.length).toBeLessThanOrEqual(11);
    expect(b.requests.length).toBeGreaterThanOrEqual(10);
    expect(a.requests[1]?.last_update).toBe('v1');
    daemon.stop('graceful');
  });

  it('takes capacity before asking: no request while concurrent is reached', async () => {
    const a = new FakeCoordinatorClient();
    const b = new FakeCoordinatorClient();
    a.queue.push(job(1));
    const { clock, daemon } = start([runner('a', a), runner('b', b)], HANG, { concurrent: 1 });
    await until(() => daemon.jobs === 1);
    const asked = a.requests.length + b.requests.length;
    await clock.advance(60_000);
    expect(a.requests.length + b.requests.length).toBe(asked);
    daemon.stop('forceful');
    await clock.advance(1);
  });

  it("honours a runner's limit while other runners keep polling", async () => {
    const a = new FakeCoordinatorClient();
    const b = new FakeCoordinatorClient();
    a.queue.push(job(1), job(2));
    const { clock, daemon } = start([runner('a', a, { limit: 1 }), runner('b', b)], HANG, {
      concurrent: 5,
    });
    await until(() => daemon.jobs === 1);
    const asked = a.requests.length;
    const before = b.requests.length;
    await clock.advance(30_000);
    expect(a.requests.length).toBe(asked);
    expect(a.queue).toHaveLength(1);
    expect(b.requests.length).toBeGreaterThan(before + 5);
    daemon.stop('forceful');
    await clock.advance(1);
  });

  it('keeps at most request_concurrency job requests in flight', async () => {
    const client = new FakeCoordinatorClient();
    client.holdRequests = true;
    const { clock, daemon } = start(
      [runner('a', client, { requestConcurrency: 2 })],
      {},
      {
        concurrent: 10,
      },
    );
    await clock.advance(30_000);
    expect(client.maxInFlightRequests).toBe(2);
    expect(client.requests).toHaveLength(2);
    daemon.stop('graceful');
    await clock.advance(1);
  });

  it('asks again at once after getting a job', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1), job(2), job(3));
    const { daemon } = start([runner('a', client)], {}, { concurrent: 3 });
    await until(() => client.finalUpdate(3) !== undefined);
    // Three jobs without any time passing.
    expect(client.requests.length).toBeGreaterThanOrEqual(3);
    daemon.stop('graceful');
  });

  it('cancels gracefully on Job-Status canceling: after_script runs', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, providers } = start([runner('a', client)], HANG);
    await until(() => daemon.jobs === 1);
    client.statuses.set(1, 'canceling');
    await clock.advance(3000);
    await until(() => client.finalUpdate(1) !== undefined);
    expect(providers.get('a')?.last.calls).toContain('run:after_script');
    expect(client.traceText(1)).toContain('script canceled externally (UI, API)');
    expect(client.finalUpdate(1)?.state).toBe('failed');
    daemon.stop('graceful');
  });

  it('aborts at once on Job-Status canceled: no after_script, no final update', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, providers } = start([runner('a', client)], HANG);
    await until(() => daemon.jobs === 1);
    client.statuses.set(1, 'canceled');
    await clock.advance(3000);
    await until(() => daemon.jobs === 0);
    expect(providers.get('a')?.last.calls).not.toContain('run:after_script');
    expect(providers.get('a')?.last.calls).toContain('cleanup');
    expect(client.finalUpdate(1)).toBeUndefined();
    daemon.stop('graceful');
  });

  it('graceful stop: no more requests, waits for the running job', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, exited } = start([runner('a', client)], HANG, { concurrent: 2 });
    await until(() => daemon.jobs === 1);
    daemon.stop('graceful');
    const asked = client.requests.length;
    await clock.advance(120_000);
    expect(exited()).toBeUndefined();
    expect(client.requests.length).toBe(asked);
    client.statuses.set(1, 'canceling');
    await clock.advance(3000);
    await until(() => exited() !== undefined);
    expect(exited()).toEqual({ kind: 'graceful' });
  });

  it('forceful stop: aborts jobs and reports them failed (runner_system_failure)', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { daemon, exited, providers } = start([runner('a', client)], HANG);
    await until(() => daemon.jobs === 1);
    daemon.stop('forceful');
    await until(() => exited() !== undefined);
    expect(exited()).toEqual({ kind: 'forceful' });
    expect(providers.get('a')?.last.calls).not.toContain('run:after_script');
    expect(client.finalUpdate(1)).toMatchObject({
      state: 'failed',
      failure_reason: 'runner_system_failure',
    });
  });

  it('a graceful stop becomes forceful on a second signal', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, exited } = start([runner('a', client)], HANG);
    await until(() => daemon.jobs === 1);
    daemon.stop('graceful');
    await clock.advance(10_000);
    expect(exited()).toBeUndefined();
    daemon.stop('forceful');
    await until(() => exited() !== undefined);
    expect(exited()).toEqual({ kind: 'forceful' });
  });

  it('forceful stop gives up after shutdown_timeout when the coordinator is down', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    const { clock, daemon, exited } = start([runner('a', client)], HANG, {
      shutdownTimeoutMs: 5000,
    });
    await until(() => daemon.jobs === 1);
    client.down = true;
    daemon.stop('forceful');
    await clock.advance(4000);
    expect(exited()).toBeUndefined();
    await clock.advance(1000);
    await until(() => exited() !== undefined);
    expect(exited()).toEqual({ kind: 'timed-out', runningJobs: 1 });
  });

  it('survives an outage of the coordinator: waits, then takes jobs again', async () => {
    const client = new FakeCoordinatorClient();
    client.down = true;
    const { clock, daemon } = start([runner('a', client)]);
    await clock.advance(30_000);
    client.down = false;
    client.queue.push(job(1));
    await clock.advance(10_000);
    await until(() => client.finalUpdate(1) !== undefined);
    expect(client.finalUpdate(1)?.state).toBe('success');
    daemon.stop('graceful');
  });

  it('pauses a runner whose token is refused three times in a row', async () => {
    const client = new FakeCoordinatorClient();
    client.idleAnswer = { kind: 'forbidden' };
    const { clock, daemon, logs } = start([runner('a', client)]);
    await clock.advance(60_000);
    expect(client.requests).toHaveLength(3);
    expect(logs.join('\n')).toContain('token refused 3 times in a row');
    expect(logs.join('\n')).not.toContain('glrt-');
    await clock.advance(60 * 60_000);
    expect(client.requests.length).toBeGreaterThan(3);
    daemon.stop('graceful');
  });

  it('honours unhealthy_requests_limit and unhealthy_interval of the runner, logging the pause once', async () => {
    const client = new FakeCoordinatorClient();
    client.idleAnswer = { kind: 'forbidden' };
    const { clock, daemon, logs } = start([
      runner('a', client, { unhealthyRequestsLimit: 2, unhealthyIntervalMs: 10 * 60_000 }),
    ]);
    await clock.advance(60_000);
    expect(client.requests).toHaveLength(2);
    const pauses = () => logs.filter((l) => l.includes('in a row')).length;
    expect(pauses()).toBe(1);
    expect(logs.join('\n')).toContain(
      'token refused 2 times in a row; not asking for jobs for 10 min',
    );
    // Still paused after 9 minutes; asking again after 10.
    await clock.advance(8 * 60_000);
    expect(client.requests).toHaveLength(2);
    await clock.advance(2 * 60_000);
    expect(client.requests.length).toBeGreaterThan(2);
    daemon.stop('graceful');
  });

  it('strict_check_interval: waits check_interval after getting a job instead of asking again', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1), job(2), job(3));
    const { clock, daemon } = start(
      [runner('a', client, { strictCheckInterval: true })],
      {},
      {
        concurrent: 3,
      },
    );
    await until(() => client.finalUpdate(1) !== undefined);
    for (let i = 0; i < 20; i++) await settle();
    expect(client.requests).toHaveLength(1);
    await clock.advance(3000);
    await until(() => client.finalUpdate(2) !== undefined);
    expect(client.requests).toHaveLength(2);
    daemon.stop('graceful');
  });

  it('job_status_final_update_retry_limit bounds the tries of the final update', async () => {
    const client = new FakeCoordinatorClient();
    client.queue.push(job(1));
    client.pendingFinals = 100;
    const { clock, daemon, logs } = start([runner('a', client, { finalUpdateRetryLimit: 2 })]);
    await until(() => client.updates.some((u) => u.update.state === 'success'));
    for (let i = 0; i < 10; i++) await clock.advance(10_000);
    await until(() => logs.some((l) => l.includes('final update did not get through')));
    // The first try and two retries.
    expect(client.updates.filter((u) => u.update.state === 'success')).toHaveLength(3);
    daemon.stop('graceful');
  });

  it("asks for no job while the provider has no capacity, and gives back what a 204 didn't use", async () => {
    const client = new FakeCoordinatorClient();
    const { clock, daemon, providers, logs } = start([runner('a', client)], {}, {}, (p) => {
      p.free = 0;
    });
    const provider = providers.get('a')!;
    await clock.advance(30_000);
    expect(client.requests).toHaveLength(0);
    expect(logs.filter((l) => l.includes('no free fake capacity'))).toHaveLength(1);
    provider.free = 1;
    await clock.advance(3000);
    expect(client.requests).toHaveLength(1);
    // The request answered 204: the capacity went back.
    expect(provider.held).toBe(0);
    expect(provider.free).toBe(1);
    client.queue.push(job(1));
    await clock.advance(3000);
    await until(() => client.finalUpdate(1) !== undefined);
    await until(() => provider.held === 0);
    expect(provider.free).toBe(1);
    daemon.stop('graceful');
  });
});
