import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, expect, it } from 'vitest';
import { LABELS } from '../../core/labels.js';
import { describeWithEngine, hasImage, leftovers } from '../../../test/support/docker.js';
import { RecordingLog, testJob } from '../../../test/support/jobs.js';
import type { Executor, Stage } from '../executor.js';
import { JobFailedError } from '../job-error.js';
import { DockerExecutorProvider } from './provider.js';
import { defaultDockerSettings, type DockerExecutorSettings } from './settings.js';

const session = `test-${randomUUID()}`;

function settings(extra: Partial<DockerExecutorSettings> = {}): DockerExecutorSettings {
  // if-not-present: nothing may be pulled from public registries here.
  return { ...defaultDockerSettings('busybox:latest'), pull_policy: ['if-not-present'], ...extra };
}

describeWithEngine('DockerExecutor (real engine)', (engine) => {
  const executors: Executor[] = [];
  const make = (extra: Partial<DockerExecutorSettings> = {}) => {
    const executor = new DockerExecutorProvider(engine, settings(extra), { session }).create();
    executors.push(executor);
    return executor;
  };
  const run = (
    executor: Executor,
    script: string,
    stage: Stage = 'step_script',
    signal = new AbortController().signal,
  ) => executor.run({ stage, script, signal });

  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.cleanup()));
    expect(await leftovers(engine, session)).toEqual([]);
  });

  afterAll(async () => {
    // Runner jobs default to GIT_STRATEGY=fetch: their builds volume is kept, as in GitLab.
    const kept = await engine.listByLabels([
      `${LABELS.pid}=${process.pid}`,
      `${LABELS.type}=cache`,
    ]);
    await Promise.all(kept.map((v) => engine.removeVolume(v.id)));
  });

  it('runs a one-line script and reports its exit code', async () => {
    const log = new RecordingLog();
    const executor = make();
    await executor.prepare({ job: testJob(), log, signal: new AbortController().signal });
    expect(log.lines[0]).toBe('Using Docker executor with image busybox:latest ...');
    expect(log.text).toContain(
      'Using effective pull policy of [if-not-present] for container busybox:latest',
    );
    expect(log.text).toMatch(/Using docker image sha256:[0-9a-f]{64} for busybox:latest/);
    expect(await run(executor, 'set -e; echo hi')).toEqual({ exitCode: 0 });
    expect(log.out).toBe('hi\n');
    expect(await run(executor, 'echo bad >&2; exit 3')).toEqual({ exitCode: 3 });
    expect(log.out).toContain('bad\n');
  });

  it('keeps files from script for after_script (same container, new shell)', async () => {
    const log = new RecordingLog();
    const executor = make();
    await executor.prepare({ job: testJob(), log, signal: new AbortController().signal });
    await run(executor, 'echo kept > /tmp/state; X=1');
    expect(await run(executor, 'cat /tmp/state; echo "x=${X:-unset}"', 'after_script')).toEqual({
      exitCode: 0,
    });
    expect(log.out).toBe('kept\nx=unset\n');
  });

  it('prints "Running on" for prepare_script and skips empty scripts without a container', async () => {
    const log = new RecordingLog();
    const executor = make({ runnerHost: 'ci-host' });
    await executor.prepare({ job: testJob(), log, signal: new AbortController().signal });
    expect(await run(executor, '', 'prepare_script')).toEqual({ exitCode: 0 });
    expect(log.lines).toContain('Running on runner-local-project-42-concurrent-0 via ci-host...');
    expect(await run(executor, 'hostname', 'prepare_script')).toEqual({ exitCode: 0 });
    expect(log.out).toBe('runner-local-project-42-concurrent-0\n');
  });

  it('lets an entrypoint that ignores its arguments decide the result', async () => {
    const log = new RecordingLog();
    const executor = make();
    const job = testJob({
      image: { name: 'busybox:latest', entrypoint: ['sh', '-c', 'echo entrypoint-ran; exit 7'] },
    });
    await executor.prepare({ job, log, signal: new AbortController().signal });
    expect(await run(executor, 'echo script-ran')).toEqual({ exitCode: 7 });
    expect(log.out).toContain('entrypoint-ran');
    expect(log.out).not.toContain('script-ran');
  });

  it('clears the entrypoint with [""] and honours an override that execs its arguments', async () => {
    const log = new RecordingLog();
    const cleared = make();
    await cleared.prepare({
      job: testJob({ image: { name: 'busybox:latest', entrypoint: [''] } }),
      log,
      signal: new AbortController().signal,
    });
    expect(await run(cleared, 'echo cleared')).toEqual({ exitCode: 0 });
    expect(log.out).toBe('cleared\n');
  });

  it('refuses an entrypoint override when allowed_images is set (the entrypoint lock)', async () => {
    const log = new RecordingLog();
    const executor = make({ allowedImages: ['busybox:*'], disableEntrypointOverwrite: true });
    const job = testJob({ image: { name: 'busybox:latest', entrypoint: ['/bin/sh', '-c'] } });
    const failure = await executor
      .prepare({ job, log, signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobFailedError);
    expect((failure as JobFailedError).message).toContain('job "test-job"');
    expect((failure as JobFailedError).message).toContain('disable_entrypoint_overwrite');
    expect((failure as JobFailedError).hint).toContain('disable_entrypoint_overwrite = false');
    expect(await leftovers(engine, session)).toEqual([]);
  });

  it('refuses an image outside allowed_images as GitLab does', async () => {
    const log = new RecordingLog();
    // The runner's own default image is exempt, so the job names busybox itself.
    const executor = make({ image: 'alpine:3', allowedImages: ['alpine:*'] });
    const job = testJob({ image: { name: 'busybox:latest' } });
    const failure = await executor
      .prepare({ job, log, signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobFailedError);
    expect((failure as JobFailedError).failureReason).toBe('runner_system_failure');
    expect((failure as JobFailedError).message).toBe('disallowed image');
    expect(log.text).toContain(
      'The "busybox:latest" image is not present on list of allowed images:',
    );
  });

  it('reaches a service by its aliases on the per-job network', async () => {
    const log = new RecordingLog();
    const executor = make();
    const job = testJob({
      services: [
        {
          name: 'busybox:latest',
          alias: 'web, www',
          entrypoint: [''],
          command: ['sh', '-c', 'echo hello-from-service > /index.html; httpd -f -p 8080 -h /'],
          variables: [{ key: 'HEALTHCHECK_TCP_PORT', value: '8080' }],
        },
      ],
    });
    await executor.prepare({ job, log, signal: new AbortController().signal });
    expect(log.text).toContain('Starting service busybox:latest ...');
    expect(log.text).toContain('Waiting for services to be up and running (timeout 30 seconds)...');
    expect(log.text).not.toContain('WARNING');
    const code = await run(
      executor,
      'wget -q -O - http://web:8080/index.html && wget -q -O - http://busybox:8080/index.html && wget -q -O - http://www:8080/index.html',
    );
    expect(code).toEqual({ exitCode: 0 });
    expect(log.out).toBe('hello-from-service\n'.repeat(3));
  });

  it('warns with the service logs when a service port never opens, and continues', async () => {
    const log = new RecordingLog();
    const executor = make({ wait_for_services_timeout: 2 });
    const job = testJob({
      services: [
        {
          name: 'busybox:latest',
          alias: 'silent',
          entrypoint: [''],
          command: ['sh', '-c', 'echo service-is-sleeping; sleep 600'],
          variables: [{ key: 'HEALTHCHECK_TCP_PORT', value: '9999' }],
        },
      ],
    });
    await executor.prepare({ job, log, signal: new AbortController().signal });
    expect(log.text).toMatch(
      /WARNING: Service .*-busybox__latest-0 probably didn't start properly\./,
    );
    expect(log.text).toContain('service-is-sleeping');
    expect(await run(executor, 'echo job-continues')).toEqual({ exitCode: 0 });
  });

  it('cancels a running stage and cleanup removes everything', async () => {
    const log = new RecordingLog();
    const executor = make({ stopGraceSeconds: 1 });
    await executor.prepare({
      job: testJob({
        services: [{ name: 'busybox:latest', entrypoint: [''], command: ['sleep', '600'] }],
      }),
      log,
      signal: new AbortController().signal,
    });
    const controller = new AbortController();
    const started = Date.now();
    const stage = run(executor, 'echo started; sleep 600', 'step_script', controller.signal);
    setTimeout(() => controller.abort(new Error('canceled')), 500);
    await expect(stage).rejects.toThrow('canceled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(log.out).toContain('started');
    await executor.cleanup();
    expect(await leftovers(engine, session)).toEqual([]);
  });

  it('runs docker version against the host engine through the mounted socket', async (context) => {
    if (!(await hasImage(engine, 'docker:latest'))) {
      context.skip('docker:latest is not built yet (dockhand images seed)');
    }
    {
      const log = new RecordingLog();
      const executor = make({ volumes: ['/var/run/docker.sock:/var/run/docker.sock'] });
      await executor.prepare({
        job: testJob({ image: { name: 'docker:latest' } }),
        log,
        signal: new AbortController().signal,
      });
      expect(await run(executor, 'docker version --format "{{.Server.APIVersion}}"')).toEqual({
        exitCode: 0,
      });
      expect(log.out).toMatch(/1\.\d+/);
    }
  });
});
