import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { execIn, fixtureRepo } from '../support/local-pipeline.js';

export type Scenario =
  | 'dag'
  | 'rules'
  | 'retry-timeout'
  | 'artifacts-cache'
  | 'failures-manual'
  | 'matrix'
  | 'dotenv'
  | 'expire-in';

/**
 * Fixture pipelines (test/fixtures/local-pipelines/) with the outcome GitLab's documented
 * semantics give them, run by `dockhand exec` with one executor. Each asserts the exit code, the
 * summary and what the jobs printed.
 */
export function localPipelineScenarios(
  executor: 'shell' | 'docker',
  only: readonly Scenario[],
): void {
  const disposers: (() => void)[] = [];
  afterEach(() => {
    for (const dispose of disposers.splice(0)) dispose();
  });
  const run = async (scenario: Scenario, args: readonly string[] = []) => {
    const repo = fixtureRepo(scenario);
    disposers.push(repo.dispose);
    return execIn(repo.dir, ['--executor', executor, '--concurrency', '4', ...args]);
  };
  const test = (scenario: Scenario, name: string, body: () => Promise<void>) =>
    only.includes(scenario)
      ? it(`${scenario}: ${name}`, body)
      : it.skip(`${scenario}: ${name} (not run on ${executor})`, body);

  test('dag', 'needs start jobs early; failures skip dependents and later stages', async () => {
    const r = await run('dag');
    expect(r.code).toBe(1);
    expect(r.row('build-a')[1]).toBe('passed');
    expect(r.row('build-b')[1]).toBe('failed');
    expect(r.row('test-a')[1]).toBe('passed');
    expect(r.row('test-b').slice(1)).toEqual(['skipped', '-', '"build-b" failed']);
    expect(r.row('deploy')[1]).toBe('skipped');
    expect(r.row('cleanup')[1]).toBe('passed');
    expect(r.log('test-a')).toContain('artifact-of-a');
    expect(r.log('cleanup')).toContain('cleanup ran');
    // Several jobs at once: every console line carries its job's name.
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => /^(build-a|build-b|test-a|cleanup) +\| /.test(l))).toBe(true);
  });

  test('rules', 'rules decide which jobs run, with rule variables; manual jobs wait', async () => {
    const plain = await run('rules');
    expect(plain.code).toBe(0);
    expect(plain.log('always-on-branch')).toContain('branch job rule-variable');
    expect(plain.row('manual-by-rule')[1]).toBe('skipped');
    expect(plain.row('only-when-deploy')).toEqual(['']);
    expect(plain.row('never-job')).toEqual(['']);
  });

  test('rules', 'variables from --variable and a variables file, file-type included', async () => {
    const repo = fixtureRepo('rules');
    disposers.push(repo.dispose);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${repo.dir}/vars.yml`,
      'TARGET: staging\nDEPLOY: "no"\nCERT:\n  type: file\n  value: pem-data\n',
    );
    const r = await execIn(repo.dir, [
      '--executor',
      executor,
      '--variables-file',
      'vars.yml',
      '--variable',
      'DEPLOY=yes',
      'only-when-deploy',
      'manual-by-rule',
    ]);
    expect(r.code).toBe(0);
    expect(r.log('only-when-deploy')).toContain('deploying to staging');
    expect(r.log('manual-by-rule')).toContain('manual ran');
  });

  test('retry-timeout', 'retries by max, reason and exit code; times out', async () => {
    const r = await run('retry-timeout');
    expect(r.code).toBe(1);
    expect(r.row('flaky')[1]).toBe('passed (2 attempts)');
    expect(r.log('flaky', 2)).toContain('attempt 2');
    expect(r.row('exit-code-retry').slice(1, 4)).toEqual([
      'failed (3 attempts)',
      expect.any(String),
      'yes',
    ]);
    expect(r.row('no-retry-for-other-reasons')[1]).toBe('failed');
    expect(r.row('slow')[1]).toBe('failed (2 attempts)');
    expect(r.log('slow', 2)).toContain('execution took longer than 2s seconds');
  });

  test('artifacts-cache', 'artifacts and caches travel between jobs', async () => {
    const r = await run('artifacts-cache');
    expect(r.code).toBe(0);
    const test = r.log('test');
    for (const text of [
      'binary',
      'tmp excluded',
      'loose',
      'dep-from-lockfile',
      'report',
      'fallback-cache',
    ]) {
      expect(test).toContain(text);
    }
    expect(test).toMatch(/Checking cache for [0-9a-f]{40}-non_protected\.\.\./);
    expect(test).toContain('Successfully extracted cache');
    expect(test).toContain('Downloading artifacts for build (');
    expect(r.log('build')).toContain('Uploading artifacts...');
    expect(r.log('build')).toContain('Created cache');
    expect(r.log('failing-with-report')).toContain('Uploading artifacts for failed job');
    expect(r.log('no-deps')).toContain('no artifacts here');
    expect(r.log('needs-no-artifacts')).toContain('needs without artifacts');
  });

  test(
    'failures-manual',
    'allowed failures pass, others fail the run; manual jobs need naming',
    async () => {
      const r = await run('failures-manual');
      expect(r.code).toBe(1);
      expect(r.row('allowed').slice(1, 4)).toEqual(['failed', expect.any(String), 'yes']);
      expect(r.row('not-allowed')[1]).toBe('failed');
      expect(r.row('notify')[1]).toBe('passed');
      expect(r.row('deploy')[1]).toBe('skipped');
      const named = await run('failures-manual', ['deploy']);
      expect(named.code).toBe(0);
      expect(named.log('deploy')).toContain('deployed');
      // One job: its plain GitLab-style log, no prefixes.
      expect(named.stdout).toMatch(/^Running with dockhand/);
    },
  );

  test('dotenv', 'dotenv report variables reach later jobs with their precedence', async () => {
    const r = await run('dotenv', ['--variable', 'PROJECT_WINS=from-cli']);
    expect(r.code).toBe(0);
    const test = r.log('test');
    for (const text of [
      'version 1.2',
      'overridden from-dotenv',
      'project from-cli',
      'failed yes',
      'expanded v1.2',
      'good [unset]',
    ]) {
      expect(test).toContain(text);
    }
    expect(r.log('build')).toContain('Uploading artifacts as "dotenv"... ok');
    expect(r.row('bad-report').slice(1, 4)).toEqual(['failed', expect.any(String), 'yes']);
    expect(r.log('bad-report')).toContain('bad.env:2: not KEY=VALUE');
    expect(r.log('isolated')).toContain('isolated [unset]');
    expect(r.row('ruled')).toEqual(['']);
    expect(r.log('needs-no-artifacts')).toContain('no artifacts [unset]');
    expect(r.log('needs-artifacts')).toContain('needs 1.2');
  });

  test('expire-in', 'expired artifacts are removed; jobs that need them fail', async () => {
    const repo = fixtureRepo('expire-in');
    disposers.push(repo.dispose);
    const args = ['--executor', executor, '--concurrency', '4'];
    const first = await execIn(repo.dir, args);
    expect(first.code).toBe(0);
    expect(first.log('uses-short')).toContain('short-lived');
    // `expire_in: 1 sec` counts from the upload, which ended before the first run did.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await execIn(repo.dir, [...args, 'uses-short', 'uses-kept']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('Removed expired artifacts (artifacts:expire_in): 1/short');
    expect(second.row('uses-short')[1]).toBe('failed');
    expect(second.stderr).toContain('could not retrieve the needed artifacts: those of "short"');
    expect(second.log('uses-kept')).toContain('kept-forever');
    expect(existsSync(join(repo.dir, '.dockhand/artifacts/1/short'))).toBe(false);
    expect(existsSync(join(repo.dir, '.dockhand/artifacts/1/kept/kept.txt'))).toBe(true);
  });

  test('matrix', 'parallel and matrix jobs, needs on one row', async () => {
    const r = await run('matrix');
    expect(r.code).toBe(0);
    expect(r.log('build: [gcp, 2]')).toContain('build gcp 2 node 4/4');
    expect(r.log('shard 2/2')).toContain('shard 2 of 2');
    expect(r.row('test-gcp-2')[1]).toBe('passed');
  });
}
