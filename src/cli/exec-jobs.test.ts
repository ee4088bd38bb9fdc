import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allowedToFail,
  loadExecPlan,
  parseVariableFlag,
  pickJobs,
  type ExecJob,
} from './exec-jobs.js';

const repo = mkdtempSync(join(tmpdir(), 'dockhand-exec-jobs-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function commit(pipeline: string): void {
  writeFileSync(join(repo, '.gitlab-ci.yml'), pipeline);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'pipeline');
}

describe('exec jobs', () => {
  it('plans the pipeline of the current commit and builds one JobSpec per job', async () => {
    commit(
      [
        'stages: [build, test]',
        'variables: { GLOBAL: g }',
        'build: { stage: build, image: busybox:latest, script: [echo b] }',
        'test:',
        '  stage: test',
        '  script: [echo t]',
        '  after_script: [echo a]',
        '  tags: [docker]',
      ].join('\n'),
    );
    const token = 'glcbt-localdeadbeef';
    const plan = await loadExecPlan(
      { cwd: repo, file: '.gitlab-ci.yml', variables: [parseVariableFlag('EXTRA=x=y')] },
      token,
    );
    expect(plan.jobs.map((j) => j.planned.job.name)).toEqual(['build', 'test']);
    const [build, test] = plan.jobs.map((j) => j.spec);
    expect(build?.image?.name).toBe('busybox:latest');
    expect(build?.token).toBe(token);
    expect(build?.features?.trace_sections).toBe(true);
    const value = (key: string) => build?.variables.findLast((v) => v.key === key)?.value;
    expect(value('CI_COMMIT_BRANCH')).toBe('main');
    expect(value('GLOBAL')).toBe('g');
    expect(value('EXTRA')).toBe('x=y');
    expect(build?.variables.find((v) => v.key === 'CI_JOB_TOKEN')?.masked).toBe(true);
    expect(test?.steps.map((s) => s.name)).toEqual(['script', 'after_script']);
    expect(plan.git.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('picks named jobs in pipeline order and rejects unknown names', () => {
    const jobs = ['a', 'b', 'c'].map((name) => ({ planned: { job: { name } } })) as never[];
    expect(
      pickJobs(jobs, ['c', 'a']).map(
        (j: { planned: { job: { name: string } } }) => j.planned.job.name,
      ),
    ).toEqual(['a', 'c']);
    expect(() => pickJobs(jobs, ['zz'])).toThrow(/no job named "zz"/);
  });

  it('parses --variable KEY=VALUE', () => {
    expect(parseVariableFlag('A=')).toMatchObject({ key: 'A', value: '', masked: false });
    expect(() => parseVariableFlag('no-equals')).toThrow(/KEY=VALUE/);
    expect(() => parseVariableFlag('1A=x')).toThrow(/KEY=VALUE/);
  });

  it('tolerates failures allowed by allow_failure and its exit codes', () => {
    const job = (allowed: boolean, exitCodes: number[]) =>
      ({ planned: { allowFailure: { allowed, exitCodes } } }) as unknown as ExecJob;
    const failed = (exitCode: number) =>
      ({
        state: 'failed',
        failureReason: 'script_failure',
        exitCode,
        message: '',
        durationMs: 1,
      }) as const;
    expect(allowedToFail(job(true, []), failed(1))).toBe(true);
    expect(allowedToFail(job(true, [3]), failed(3))).toBe(true);
    expect(allowedToFail(job(true, [3]), failed(1))).toBe(false);
    expect(allowedToFail(job(false, []), failed(1))).toBe(false);
    // allow_failure:exit_codes alone (parsed as allowed: false with codes) tolerates those codes.
    expect(allowedToFail(job(false, [3]), failed(3))).toBe(true);
    expect(allowedToFail(job(true, []), { state: 'canceled', durationMs: 1 })).toBe(false);
  });
});
