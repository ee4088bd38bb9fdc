import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '../../src/core/labels.js';
import { describeWithEngine, hasImage } from '../support/docker.js';
import { buildCli } from '../support/exec-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin', 'dockhand.js');
const IMAGE = 'busybox:latest';

const PIPELINE = `
stages: [test]

ok:
  image: ${IMAGE}
  script:
    - echo "hello $CI_JOB_NAME"
    - cat README.md

fails:
  image: ${IMAGE}
  script:
    - echo before
    - exit 3
    - echo never
  after_script:
    - echo "after status=$CI_JOB_STATUS"

secret:
  image: ${IMAGE}
  script:
    - echo "token=$CI_JOB_TOKEN"
    - printf '%s' "\${CI_JOB_TOKEN%????????????}"; sleep 0.3; printf '%s\\n' "\${CI_JOB_TOKEN#\${CI_JOB_TOKEN%????????????}}"

slow:
  image: ${IMAGE}
  timeout: 2s
  script:
    - sleep 30

no-image:
  when: manual
  script:
    - echo never

cancel-me:
  image: ${IMAGE}
  script:
    - echo started
    - sleep 30
  after_script:
    - echo "after status=$CI_JOB_STATUS"
`;

let repo = '';

function git(...args: string[]): void {
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function exec(...args: string[]): CliRun {
  const started = Date.now();
  const r = spawnSync('node', [CLI, 'exec', '--cwd', repo, ...args], {
    encoding: 'utf8',
    cwd: repo,
    // No config.toml of this machine's user: the embedded runner runs the jobs.
    env: { ...process.env, NO_COLOR: '1', CONFIG_FILE: '', HOME: repo },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

describeWithEngine('dockhand exec (built CLI, real engine)', (engine) => {
  beforeAll(async () => {
    if (!(await hasImage(engine, IMAGE)))
      throw new Error(`${IMAGE} is missing: run the image seed`);
    // Emit dist/ from the current sources. Type errors are the typecheck tier's business (tsc
    // still emits), so only a missing CLI stops this tier.
    buildCli();
    repo = mkdtempSync(join(tmpdir(), 'dockhand-e2e-'));
    writeFileSync(join(repo, '.gitlab-ci.yml'), PIPELINE);
    writeFileSync(join(repo, 'README.md'), 'readme from the repository\n');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'init');
  }, 300_000);

  afterAll(() => {
    if (repo !== '') rmSync(repo, { recursive: true, force: true });
  });

  it('runs a job to success and writes the raw log', () => {
    const r = exec('ok');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Running with dockhand');
    expect(r.stdout).toContain('Executing "step_script" stage of the job script');
    expect(r.stdout).toContain('$ echo "hello $CI_JOB_NAME"\nhello ok\n');
    expect(r.stdout).toContain('readme from the repository');
    expect(r.stdout.trimEnd().endsWith('Job succeeded')).toBe(true);
    expect(r.stdout).not.toContain('section_start');
    const log = readFileSync(join(repo, '.dockhand', 'logs', 'ok.log'), 'utf8');
    expect(log).toContain(':step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting');
    expect(log).toContain('section_start:');
    expect(log).toContain('\x1b[32;1mJob succeeded\x1b[0;m\n');
  });

  it('fails with the script exit code and still runs after_script', () => {
    const r = exec('fails');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('before\n');
    expect(r.stdout).not.toContain('never');
    expect(r.stdout).toContain('Running after_script');
    expect(r.stdout).toContain('after status=failed');
    expect(r.stdout).toContain('ERROR: Job failed: exit code 3');
  });

  it('never prints the job token, even split across output chunks', () => {
    const r = exec('secret');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('token=[MASKED]\n');
    expect(r.stdout).toMatch(/\n\[MASKED\]\n/);
    const log = readFileSync(join(repo, '.dockhand', 'logs', 'secret.log'), 'utf8');
    for (const text of [r.stdout, r.stderr, log]) {
      expect(text).not.toMatch(/glcbt-local[0-9a-f]/);
    }
  });

  it('stops a job at its timeout with job_execution_timeout wording', () => {
    const r = exec('slow');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ERROR: Job failed: execution took longer than 2s seconds');
    expect(r.ms).toBeLessThan(10_000);
  });

  it('cancels on SIGINT: after_script runs, nothing is left behind, exit 130', async () => {
    const child = spawn('node', [CLI, 'exec', '--cwd', repo, 'cancel-me'], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', CONFIG_FILE: '', HOME: repo },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => {
      let sent = false;
      child.stdout.on('data', () => {
        if (!sent && stdout.includes('started\n')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (c) => done(c));
    });
    expect(code).toBe(130);
    expect(stdout).toContain('WARNING: script canceled by SIGINT');
    expect(stdout).toContain('after status=canceled');
    expect(stdout).toContain('ERROR: Job failed: canceled');
    const pid = `label=${LABELS.pid}=${child.pid}`;
    expect(docker('ps', '-a', '-q', '--filter', pid)).toBe('');
    expect(docker('volume', 'ls', '-q', '--filter', pid)).toBe('');
    expect(docker('network', 'ls', '-q', '--filter', pid)).toBe('');
  });

  it('refuses a job without image on the embedded runner when an engine answers (exit 2)', () => {
    const r = exec('no-image');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('job "no-image" has no image and the runner "local"');
    expect(r.stderr).toContain('--executor shell');
    expect(r.stdout).not.toContain('never');
    expect(existsSync(join(repo, '.dockhand', 'logs', 'no-image.log'))).toBe(false);
  });

  it('reports an unknown job as a usage error (exit 2)', () => {
    const r = exec('nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no job named "nope"');
    expect(existsSync(join(repo, '.dockhand', 'logs', 'nope.log'))).toBe(false);
  });
});
