import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../core/ansi.js';
import { JobFailedError } from '../executors/job-error.js';
import { sampleJob, yamlVariable } from '../script/sample-job.js';
import type { ProjectFiles, TransferStages } from '../executors/executor.js';
import {
  FakeExecutorProvider,
  type FakeExecutor,
  type FakeExecutorScript,
} from './fake-executor.js';
import { runJob, type JobRunOptions } from './job-run.js';
import { MemorySink } from './sinks.js';

const runner = { name: 'local', shortToken: 'abcdefghi' };
const local = { path: '/tmp/project', dirty: false };

async function run(
  script: FakeExecutorScript,
  job = sampleJob({ afterScript: ['echo bye'] }),
  extra: Partial<JobRunOptions> = {},
) {
  const provider = new FakeExecutorProvider(script, 'docker');
  const sink = new MemorySink();
  const result = await runJob({
    job,
    provider,
    runner,
    sink,
    localRepository: local,
    ...extra,
  });
  const log = sink.text();
  return { result, log, plain: stripAnsi(log), executor: provider.last, sink };
}

describe('runJob', () => {
  it('runs the stages in order and ends with Job succeeded', async () => {
    const { result, log, plain, executor, sink } = await run({});
    expect(result.state).toBe('success');
    expect(executor.calls).toEqual([
      'prepare',
      'run:prepare_script',
      'run:get_sources',
      'run:step_script',
      'run:after_script',
      'run:cleanup_file_variables',
      'cleanup',
    ]);
    expect(log.startsWith('\x1b[0KRunning with dockhand 0.1.0\x1b[0;m\n')).toBe(true);
    expect(log).toContain('\x1b[0K  on local abcdefghi\x1b[0;m\n');
    expect(log).toContain(`section_start:${Math.floor(Date.now() / 1e5)}`.slice(0, 16));
    expect(log).toContain(':prepare_executor\r\x1b[0K');
    expect(plain).toContain('Preparing the "docker" executor\n');
    expect(plain).toContain('Preparing environment\n');
    expect(plain).toContain('Executing "step_script" stage of the job script\n');
    expect(plain).toContain('Running after_script\n');
    expect(plain).toContain('Cleaning up project directory and file based variables\n');
    expect(plain).toContain('Getting source from Git repository\n');
    expect(log.endsWith('\x1b[32;1mJob succeeded\x1b[0;m\n')).toBe(true);
    expect(sink.closed).toBe(true);
  });

  it('passes the local repository to prepare and still runs get_sources', async () => {
    const { executor } = await run({});
    expect(executor.localRepository).toEqual(local);
    expect(executor.scripts.get('get_sources')).toContain('git fetch');
  });

  it('gives the executor the full variable list the scripts use', async () => {
    const provider = new FakeExecutorProvider({});
    let seen: string | undefined;
    const original = provider.create.bind(provider);
    provider.create = () => {
      const executor = original();
      const prepare = executor.prepare.bind(executor);
      executor.prepare = (options) => {
        seen = options.job.variables.find((v) => v.key === 'CI_PROJECT_DIR')?.value;
        return prepare(options);
      };
      return executor;
    };
    await runJob({ job: sampleJob(), provider, runner, sink: new MemorySink() });
    expect(seen).toBe('/builds/group/project');
  });

  it('reports a failing script with its exit code and runs after_script with status failed', async () => {
    const { result, log, executor } = await run({ stages: { step_script: { exitCode: 3 } } });
    expect(result).toMatchObject({ state: 'failed', failureReason: 'script_failure', exitCode: 3 });
    expect(executor.scripts.get('after_script')).toContain("CI_JOB_STATUS='\\''failed'\\''");
    expect(log.endsWith('\x1b[31;1mERROR: Job failed: exit code 3\x1b[0;m\n')).toBe(true);
  });

  it('only warns when after_script fails', async () => {
    const { result, plain } = await run({ stages: { after_script: { exitCode: 5 } } });
    expect(result.state).toBe('success');
    expect(plain).toContain(
      'WARNING: after_script failed, but job will continue unaffected: exit code 5\n',
    );
  });

  it('fails an otherwise good job on after_script failure with AFTER_SCRIPT_IGNORE_ERRORS=false', async () => {
    const job = sampleJob({
      afterScript: ['false'],
      variables: [yamlVariable('AFTER_SCRIPT_IGNORE_ERRORS', 'false')],
    });
    const { result } = await run({ stages: { after_script: { exitCode: 2 } } }, job);
    expect(result).toMatchObject({ state: 'failed', exitCode: 2 });
  });

  it('fails an otherwise good job when its artifacts upload fails, as GitLab Runner does', async () => {
    const noFiles: ProjectFiles = { read: (use) => use('/nowhere'), write: async () => {} };
    class WithFiles extends FakeExecutorProvider {
      override create(): FakeExecutor {
        return Object.assign(super.create(), { projectFiles: () => noFiles });
      }
    }
    const transfer: TransferStages = {
      has: (stage) => stage === 'upload_artifacts_on_success',
      run: () => Promise.resolve({ exitCode: 1 }),
    };
    const provider = new WithFiles({}, 'shell');
    const result = await runJob({
      job: sampleJob(),
      provider,
      runner,
      sink: new MemorySink(),
      transfer,
    });
    expect(provider.last.calls).toContain('run:step_script');
    expect(result).toMatchObject({ state: 'failed', exitCode: 1 });
  });

  it('reports a prepare failure as a system failure and skips every stage', async () => {
    const error = new JobFailedError('runner_system_failure', 'engine.down', 'engine is gone');
    const { result, plain, executor } = await run({ prepare: { error } });
    expect(result).toMatchObject({ state: 'failed', failureReason: 'runner_system_failure' });
    expect(executor.calls).toEqual(['prepare', 'cleanup']);
    expect(plain).toContain('ERROR: Job failed (system failure): engine is gone\n');
  });

  it('keeps the reason of a configuration failure and prints it without "system failure"', async () => {
    const error = new JobFailedError(
      'script_failure',
      'image.denied',
      'image evil:1 is not allowed',
    );
    const { result, plain } = await run({ prepare: { error } });
    expect(result).toMatchObject({ state: 'failed', failureReason: 'script_failure' });
    expect(plain).toContain('ERROR: Job failed: image evil:1 is not allowed\n');
  });

  it('treats an unexpected executor error as a system failure', async () => {
    const { result, plain } = await run({ stages: { step_script: { error: new Error('boom') } } });
    expect(result).toMatchObject({ state: 'failed', failureReason: 'runner_system_failure' });
    expect(plain).toContain('ERROR: Job failed (system failure): boom\n');
  });

  it('skips after_script when a stage before the script fails, but still cleans up', async () => {
    const { result, executor } = await run({ stages: { prepare_script: { exitCode: 1 } } });
    expect(result).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(executor.calls).toEqual([
      'prepare',
      'run:prepare_script',
      'run:cleanup_file_variables',
      'cleanup',
    ]);
  });

  it('stops at the job timeout with GitLab wording and no after_script', async () => {
    const job = sampleJob({ afterScript: ['echo bye'], timeout: 0.05 });
    const started = Date.now();
    const { result, plain, executor } = await run({ stages: { step_script: { hang: true } } }, job);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ state: 'failed', failureReason: 'job_execution_timeout' });
    expect(plain).toContain('ERROR: Job failed: execution took longer than 50ms seconds\n');
    expect(executor.calls).not.toContain('run:after_script');
    expect(executor.calls.at(-1)).toBe('cleanup');
  });

  it('stops a hanging prepare at the job timeout', async () => {
    const job = sampleJob({ timeout: 0.05 });
    const { result, executor } = await run({ prepare: { hang: true, reject: true } }, job);
    expect(result).toMatchObject({ state: 'failed', failureReason: 'job_execution_timeout' });
    expect(executor.calls).toEqual(['prepare', 'cleanup']);
  });

  it('uses 7200 s when the payload timeout is 0', async () => {
    const { executor } = await run({}, sampleJob({ timeout: 0 }));
    expect(executor.scripts.get('step_script')).toContain("CI_JOB_TIMEOUT='\\''7200'\\''");
  });

  it('runs after_script after RUNNER_SCRIPT_TIMEOUT and reports a timeout', async () => {
    const job = sampleJob({
      afterScript: ['echo bye'],
      variables: [yamlVariable('RUNNER_SCRIPT_TIMEOUT', '50ms')],
    });
    const { result, plain, executor } = await run(
      { stages: { step_script: { hang: true, reject: true } } },
      job,
    );
    expect(result).toMatchObject({ state: 'failed', failureReason: 'job_execution_timeout' });
    expect(plain).toContain('execution took longer than 50ms seconds');
    expect(executor.calls).toContain('run:after_script');
  });

  it('warns when after_script exceeds RUNNER_AFTER_SCRIPT_TIMEOUT', async () => {
    const job = sampleJob({
      afterScript: ['sleep 100'],
      variables: [yamlVariable('RUNNER_AFTER_SCRIPT_TIMEOUT', '30ms')],
    });
    const { result, plain } = await run({ stages: { after_script: { hang: true } } }, job);
    expect(result.state).toBe('success');
    expect(plain).toContain(
      'WARNING: after_script failed, but job will continue unaffected: execution took longer than 30ms seconds',
    );
  });

  it('warns about a timeout variable that is not a duration', async () => {
    const job = sampleJob({ variables: [yamlVariable('RUNNER_SCRIPT_TIMEOUT', 'soon')] });
    const { plain, result } = await run({}, job);
    expect(result.state).toBe('success');
    expect(plain).toContain('WARNING: ignoring RUNNER_SCRIPT_TIMEOUT=soon');
  });

  it('cancels gracefully: the script stops, after_script runs with status canceled', async () => {
    const cancel = new AbortController();
    const pending = run({ stages: { step_script: { hang: true } } }, undefined, {
      cancel: cancel.signal,
    });
    setTimeout(() => cancel.abort('script canceled by SIGINT'), 20);
    const { result, plain, executor } = await pending;
    expect(result.state).toBe('canceled');
    expect(plain).toContain('WARNING: script canceled by SIGINT\n');
    expect(executor.scripts.get('after_script')).toContain("CI_JOB_STATUS='\\''canceled'\\''");
    expect(plain.endsWith('ERROR: Job failed: canceled\n')).toBe(true);
    expect(executor.calls.at(-1)).toBe('cleanup');
  });

  it('aborts hard: no after_script, cleanup still runs', async () => {
    const abort = new AbortController();
    const pending = run({ stages: { step_script: { hang: true } } }, undefined, {
      abort: abort.signal,
    });
    setTimeout(() => abort.abort(), 20);
    const { result, executor } = await pending;
    expect(result.state).toBe('canceled');
    expect(executor.calls).toEqual([
      'prepare',
      'run:prepare_script',
      'run:get_sources',
      'run:step_script',
      'cleanup',
    ]);
  });

  it('cancels during prepare without running any stage', async () => {
    const cancel = new AbortController();
    cancel.abort();
    const { result, executor } = await run({ prepare: { hang: true, reject: true } }, undefined, {
      cancel: cancel.signal,
    });
    expect(result.state).toBe('canceled');
    expect(executor.calls).toEqual(['prepare', 'cleanup']);
  });

  it('never lets the job token or a masked variable reach the sink', async () => {
    const token = 'glcbt-64_jobtokenvalue123';
    const secret = 'hunter2hunter2';
    const job = sampleJob({
      token,
      variables: [yamlVariable('PASSWORD', secret, { masked: true })],
    });
    const { log, sink } = await run(
      {
        prepare: { exitCode: 0, output: `pulling with ${token.slice(0, 12)}` },
        stages: {
          step_script: { exitCode: 0, output: `pw=${secret.slice(0, 4)}` },
          after_script: { exitCode: 0, output: `${secret.slice(4)} and ${token.slice(12)}\n` },
        },
      },
      job,
    );
    expect(log).not.toContain(secret);
    expect(log).not.toContain('jobtokenvalue');
    for (const write of sink.writes()) {
      expect(write).not.toContain('hunter2');
      expect(write).not.toContain('jobtoken');
    }
  });

  it('masks a secret in an executor error message', async () => {
    const job = sampleJob({ variables: [yamlVariable('PW', 'pa55word-xyz', { masked: true })] });
    const error = new JobFailedError('runner_system_failure', 'x', 'login pa55word-xyz failed');
    const { plain, result } = await run({ prepare: { error } }, job);
    expect(plain).toContain('login [MASKED] failed');
    expect(result).toMatchObject({ message: 'Job failed (system failure): login [MASKED] failed' });
  });

  it('reports the duration', async () => {
    let now = 1_000_000;
    const { result } = await run({}, undefined, { now: () => (now += 100) });
    expect(result.durationMs).toBeGreaterThan(0);
  });
});
