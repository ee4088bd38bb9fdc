import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeWithEngine, leftovers } from '../../../test/support/docker.js';
import { stripAnsi } from '../../core/ansi.js';
import { LABELS } from '../../core/labels.js';
import { runJob } from '../../runner/job-run.js';
import { MemorySink } from '../../runner/sinks.js';
import { sampleJob, yamlVariable } from '../../script/sample-job.js';
import { DockerExecutorProvider } from './provider.js';
import { defaultDockerSettings } from './settings.js';

// Cancel as GitLab Runner does it (shared/reference/gitlab-runner.md §2.9): SIGTERM to the job's
// processes in the build container (not to PID 1, the shell reading the script), then stop/kill.
const session = `test-${randomUUID()}`;
const runner = { name: 'cancel', shortToken: 'dhcancel' };
const TRAP = ["trap 'echo got TERM; exit 1' TERM", 'echo started', 'sleep 60'];

describeWithEngine('cancelling a docker job (real engine)', (engine) => {
  const cancelWhenStarted = async (variables: Record<string, string>) => {
    const provider = new DockerExecutorProvider(
      engine,
      {
        ...defaultDockerSettings('busybox:latest'),
        pull_policy: ['if-not-present'],
        stopGraceSeconds: 2,
      },
      { session },
    );
    const job = sampleJob({
      script: TRAP,
      afterScript: ['echo "after status=$CI_JOB_STATUS"'],
      variables: Object.entries({ GIT_STRATEGY: 'none', ...variables }).map(([k, v]) =>
        yamlVariable(k, v),
      ),
    });
    const sink = new MemorySink();
    const cancel = new AbortController();
    const watcher = setInterval(() => {
      if (sink.text().includes('started\n')) cancel.abort('script canceled externally (UI, API)');
    }, 50);
    const started = Date.now();
    try {
      const result = await runJob({ job, provider, runner, sink, cancel: cancel.signal });
      return { result, log: stripAnsi(sink.text()), ms: Date.now() - started };
    } finally {
      clearInterval(watcher);
    }
  };

  it('sends SIGTERM to the script (its trap runs), cancels the job and removes everything', async () => {
    const { result, log, ms } = await cancelWhenStarted({});
    expect(result.state, log).toBe('canceled');
    expect(log).toMatch(/^got TERM$/m);
    expect(log).toContain('after status=canceled');
    expect(log).toContain('ERROR: Job failed: canceled');
    expect(ms).toBeLessThan(30_000);
    expect(await leftovers(engine, session)).toEqual([]);
    expect(await engine.listByLabels([`${LABELS.runner}=dhcancel`])).toEqual([]);
  });

  it('with FF_USE_NATIVE_CONTAINER_STOP only PID 1 gets SIGTERM (the trap never runs)', async () => {
    const { result, log } = await cancelWhenStarted({ FF_USE_NATIVE_CONTAINER_STOP: 'true' });
    expect(result.state, log).toBe('canceled');
    expect(log).not.toMatch(/^got TERM$/m);
    expect(await leftovers(engine, session)).toEqual([]);
  });
});
