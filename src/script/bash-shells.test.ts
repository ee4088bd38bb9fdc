// This test feeds the generated scripts to real local shells, as executors do; the module under
// test stays pure, only the test spawns processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageScript } from './bash.js';
import { sampleJob, yamlVariable } from './sample-job.js';
import { effectiveVariables } from './variables.js';

const shells = [
  { name: 'bash', command: ['bash'] },
  { name: 'busybox sh', command: ['busybox', 'sh'] },
].filter((s) => spawnSync('sh', ['-c', `command -v ${s.command[0]!}`]).status === 0);

const root = mkdtempSync(join(tmpdir(), 'dockhand-script-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ODD = `it's "quoted" $HOME \`id\` \\ back\nslash ünïcödé 🚀 %s`;

function run(
  shell: readonly string[],
  script: readonly string[],
  extra = {} as { after?: boolean },
) {
  const dir = mkdtempSync(join(root, 'p-'));
  const job = sampleJob({
    script,
    afterScript: ['echo "after:$CI_JOB_STATUS"', 'pwd'],
    variables: [
      yamlVariable('CI_PROJECT_DIR', dir),
      yamlVariable('ODD', ODD, { raw: true }),
      yamlVariable('SECRET_FILE', ODD, { file: true }),
      yamlVariable('EMPTY', ''),
    ],
  });
  const variables = effectiveVariables(job, {
    buildsDir: root,
    version: '0.1.0',
    revision: 'test',
    shortToken: 'abc',
    arch: 'linux/amd64',
    jobTimeoutSeconds: 60,
    disposable: true,
  });
  const stage = extra.after === true ? 'after_script' : 'step_script';
  const text = stageScript(job, stage, {
    variables,
    jobStatus: extra.after ? 'failed' : 'running',
  });
  const [bin, ...args] = shell;
  const result = spawnSync(bin!, args, { input: text, encoding: 'utf8', cwd: root });
  return { ...result, dir };
}

describe.each(shells)('stage scripts in $name', ({ command }) => {
  it('stops at the first failing command with its exit code', () => {
    const r = run(command, ['echo one', 'exit 7', 'echo never']);
    expect(r.status).toBe(7);
    expect(r.stdout).toContain('\x1b[32;1m$ echo one\x1b[0;m\none\n');
    expect(r.stdout).toContain('$ exit 7');
    expect(r.stdout).not.toContain('never');
  });

  it('fails on a failing command inside a pipeline (pipefail)', () => {
    const r = run(command, ['false | cat', 'echo never']);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('never');
  });

  it('exits 0 after the last command and runs in CI_PROJECT_DIR', () => {
    const r = run(command, ['pwd', 'true']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${r.dir}\n`);
  });

  it('passes odd values through unchanged: quotes, $, backticks, newlines, unicode', () => {
    const r = run(command, ['printf "%s|" "$ODD" "$EMPTY"']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${ODD}||`);
  });

  it('writes file variables to RUNNER_TEMP_PROJECT_DIR and exports their path', () => {
    const r = run(command, ['test "$SECRET_FILE" = "$RUNNER_TEMP_PROJECT_DIR/SECRET_FILE"']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(`${r.dir}.tmp`, 'SECRET_FILE'), 'utf8')).toBe(ODD);
  });

  it('gives user commands an empty stdin, not the rest of the script', () => {
    const r = run(command, ['cat', 'echo after-cat']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('after-cat');
  });

  it('runs multi-line commands whole', () => {
    const r = run(command, ['for i in 1 2; do\n  echo "n$i"\ndone']);
    expect(r.stdout).toContain('$ for i in 1 2; do # collapsed multi-line command');
    expect(r.stdout).toContain('n1\nn2\n');
  });

  it('gives after_script the job status', () => {
    const r = run(command, [], { after: true });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Running after script...');
    expect(r.stdout).toContain('after:failed');
  });
});

it('has at least one local shell to test with', () => {
  expect(shells.length).toBeGreaterThan(0);
  expect(existsSync(root)).toBe(true);
});
