import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandEcho, exportVariables, stageScript } from './bash.js';
import { sampleJob, yamlVariable } from './sample-job.js';

const vars = [yamlVariable('CI_PROJECT_DIR', '/builds/group/project')];

describe('stageScript', () => {
  it('wraps the step script in the errexit prelude and an eval in a subshell reading /dev/null', () => {
    const job = sampleJob({ script: ['echo hello'] });
    expect(stageScript(job, 'step_script', { variables: vars })).toBe(
      [
        'if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi',
        'set -o errexit',
        'set +o noclobber',
        "( eval 'export CI_PROJECT_DIR='\\''/builds/group/project'\\''",
        "export CI_JOB_STATUS='\\''running'\\''",
        'cd "$CI_PROJECT_DIR"',
        "printf '\\''\\033[32;1m%s\\033[0;m\\n'\\'' '\\''$ echo hello'\\''",
        'echo hello',
        "' ) < /dev/null",
        'exit 0',
        '',
      ].join('\n'),
    );
  });

  it("wraps the job's script in pre_build_script and post_build_script, in one real shell", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockhand-bash-test-'));
    try {
      const run = (script: string[]) => {
        const text = stageScript(sampleJob({ script }), 'step_script', {
          variables: [yamlVariable('CI_PROJECT_DIR', dir)],
          preBuildScript: 'export FROM_PRE=pre; echo pre ran',
          postBuildScript: 'echo "post ran after $FROM_JOB"',
        });
        const sh = spawnSync('sh', [], { input: text, encoding: 'utf8' });
        return { code: sh.status, out: sh.stdout };
      };
      const passed = run(['echo "job sees $FROM_PRE"', 'export FROM_JOB=job']);
      expect(passed.code).toBe(0);
      expect(passed.out).toContain('$ export FROM_PRE=pre; echo pre ran');
      const order = ['pre ran', 'job sees pre', 'post ran after job'];
      expect(order.map((line) => passed.out.indexOf(line))).toEqual(
        order.map((line) => passed.out.indexOf(line)).sort((a, b) => a - b),
      );
      expect(order.every((line) => passed.out.includes(line))).toBe(true);
      // errexit: a failing script skips post_build_script, as in GitLab Runner.
      const failed = run(['false']);
      expect(failed.code).not.toBe(0);
      expect(failed.out).toContain('pre ran');
      expect(failed.out).not.toContain('post ran');
      // No script step, no runner scripts either.
      expect(
        stageScript(sampleJob({ script: [] }), 'step_script', {
          variables: vars,
          preBuildScript: 'echo pre',
        }),
      ).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('echoes a multi-line command as its first line, collapsed', () => {
    expect(commandEcho('for i in 1 2; do\n  echo $i\ndone\n')).toBe(
      '$ for i in 1 2; do # collapsed multi-line command',
    );
    expect(commandEcho('  echo hi  ')).toBe('$ echo hi');
  });

  it('sets CI_JOB_STATUS and prints the after_script notice in after_script', () => {
    const job = sampleJob({ afterScript: ['echo bye'] });
    const script = stageScript(job, 'after_script', { variables: vars, jobStatus: 'failed' });
    expect(script).toContain("export CI_JOB_STATUS='\\''failed'\\''");
    expect(script).toContain("'\\''Running after script...'\\''");
    expect(script).toContain('echo bye');
  });

  it('returns undefined for stages with nothing to do', () => {
    const job = sampleJob();
    expect(stageScript(job, 'after_script', { variables: vars })).toBeUndefined();
    expect(stageScript(job, 'archive_cache', { variables: vars })).toBeUndefined();
    expect(stageScript(job, 'upload_artifacts_on_failure', { variables: vars })).toBeUndefined();
    const empty = sampleJob({ script: ['', '  '] });
    expect(stageScript(empty, 'step_script', { variables: vars })).toBeUndefined();
  });

  it('turns on xtrace for CI_DEBUG_TRACE unless debug trace is disabled', () => {
    const job = sampleJob();
    const debug = [...vars, yamlVariable('CI_DEBUG_TRACE', 'true')];
    expect(stageScript(job, 'step_script', { variables: debug })).toContain(
      "( eval 'set -o xtrace\n",
    );
    expect(
      stageScript(job, 'step_script', { variables: debug, debugTraceDisabled: true }),
    ).not.toContain('xtrace');
  });

  it('removes the temporary project directory in cleanup_file_variables when files were written', () => {
    expect(stageScript(sampleJob(), 'cleanup_file_variables', { variables: vars })).toBe('');
    const files = [...vars, yamlVariable('CERT', 'x', { file: true })];
    expect(stageScript(sampleJob(), 'cleanup_file_variables', { variables: files })).toContain(
      'rm -rf "$RUNNER_TEMP_PROJECT_DIR"',
    );
  });

  it('leaves prepare_script empty: the executor reports where the job runs', () => {
    expect(stageScript(sampleJob(), 'prepare_script', { variables: vars })).toBe('');
  });

  it('fetches the commit and checks it out detached in get_sources', () => {
    const script = stageScript(sampleJob(), 'get_sources', { variables: vars }) ?? '';
    expect(script).toContain('Fetching changes with git depth set to 20...');
    expect(script).toContain('--depth 20');
    expect(script).toContain('Checking out 01234567 as detached HEAD (ref is main)...');
    const none = [...vars, yamlVariable('GIT_STRATEGY', 'none')];
    expect(stageScript(sampleJob(), 'get_sources', { variables: none })).toContain(
      'Skipping Git repository setup',
    );
  });
});

describe('exportVariables', () => {
  it('single-quotes values and writes file variables under RUNNER_TEMP_PROJECT_DIR', () => {
    const lines = exportVariables(
      [
        yamlVariable('PLAIN', "it's $HOME"),
        yamlVariable('CERT', 'line1\nline2', { file: true }),
        yamlVariable('not-a-name', 'x'),
        yamlVariable('CI_JOB_STATUS', 'ignored'),
      ],
      'running',
    );
    expect(lines).toEqual([
      "export PLAIN='it'\\''s $HOME'",
      "export CI_JOB_STATUS='running'",
      'mkdir -p "$RUNNER_TEMP_PROJECT_DIR"',
      "printf '%s' 'line1\nline2' > \"$RUNNER_TEMP_PROJECT_DIR/CERT\"",
      'export CERT="$RUNNER_TEMP_PROJECT_DIR/CERT"',
    ]);
  });
});
