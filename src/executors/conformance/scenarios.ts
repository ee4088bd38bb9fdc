import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publicVariable, type JobSpec, type JobStep } from '../../protocol/job-spec.js';
import { stageScript, type JobStatus } from '../../script/bash.js';
import type { StageName } from '../../script/stages.js';
import { effectiveVariables } from '../../script/variables.js';
import type { ExecutorProvider, JobLog, Stage } from '../executor.js';

/** What an executor under test provides to the shared scenarios. */
export interface ConformanceTarget {
  readonly provider: () => ExecutorProvider;
  /** CI_BUILDS_DIR for jobs: a host path for the shell executor, `/builds` for docker. */
  readonly buildsDir: (workDir: string) => string;
  /** false for the shell executor (CI_SHARED_ENVIRONMENT). */
  readonly disposable: boolean;
  /** Job fields the executor needs (an image for docker). */
  readonly job?: Partial<JobSpec>;
}

function step(name: string, script: readonly string[]): JobStep {
  return {
    name,
    script,
    timeout: 3600,
    when: name === 'script' ? 'on_success' : 'always',
    allow_failure: name !== 'script',
  };
}

function job(
  target: ConformanceTarget,
  scripts: { script: string[]; after?: string[] },
  variables: Record<string, string> = {},
): JobSpec {
  const steps = [step('script', scripts.script)];
  if (scripts.after !== undefined) steps.push(step('after_script', scripts.after));
  return {
    id: 7,
    token: 'glcbt-conformance-token',
    allow_git_fetch: false,
    job_info: {
      id: 7,
      name: 'conformance',
      stage: 'test',
      pipeline_id: 1,
      project_id: 1,
      project_name: 'project',
      project_full_path: 'local/project',
    },
    git_info: {
      repo_url: '',
      ref: 'main',
      sha: '',
      before_sha: '',
      ref_type: 'branch',
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 60 },
    variables: Object.entries(variables).map(([key, value]) => publicVariable(key, value)),
    steps,
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: true },
    ...target.job,
  };
}

/**
 * The scenarios every executor must pass (architecture §8 rule 11): the same job gives the same
 * outcome and output on the shell and docker executors. Call inside a describe block.
 */
export function conformanceScenarios(target: ConformanceTarget): void {
  let work = '';
  let repo = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'dockhand-conformance-'));
    repo = join(work, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    writeFileSync(join(repo, 'README.md'), 'conformance readme\n');
    execFileSync('git', ['-C', repo, 'add', '-A']);
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-qm',
      'init',
    ]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const run = (spec: JobSpec, cancelAfterMs?: number) =>
    runStages(target, spec, {
      work,
      repo,
      ...(cancelAfterMs === undefined ? {} : { cancelAfterMs }),
    });

  it('runs a script in the checked-out project and succeeds', async () => {
    const { log, ...result } = await run(
      job(target, { script: ['cat README.md', 'echo "in $CI_PROJECT_DIR"'] }),
    );
    expect(result.outcome).toBe('success');
    expect(log).toContain('conformance readme');
    expect(log).toMatch(/in \/.*project/);
  });

  it('fails with the exit code of the failing command and stops there', async () => {
    const { log, ...result } = await run(
      job(target, { script: ['echo before', 'exit 7', 'echo never'] }),
    );
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 7 });
    expect(log).toContain('before');
    expect(log).not.toMatch(/^never$/m);
  });

  it('runs after_script in a new shell that sees the files and the job status', async () => {
    const { log, ...result } = await run(
      job(target, {
        script: ['echo kept > made.txt', 'export GONE=yes', 'false'],
        after: ['cat made.txt', 'echo "status=$CI_JOB_STATUS gone=${GONE:-}"'],
      }),
    );
    expect(result.outcome).toBe('failed');
    expect(log).toContain('kept');
    expect(log).toContain('status=failed gone=');
  });

  it('exports the job variables, expanded, with file variables as paths', async () => {
    const spec = job(
      target,
      { script: ['echo "greet=$GREETING"', 'cat "$CERT"'] },
      { NAME: 'world', GREETING: 'hello $NAME' },
    );
    const withFile: JobSpec = {
      ...spec,
      variables: [
        ...spec.variables,
        {
          key: 'CERT',
          value: 'file-contents',
          public: false,
          masked: false,
          file: true,
          raw: false,
        },
      ],
    };
    const { log, ...result } = await run(withFile);
    expect(result.outcome).toBe('success');
    expect(log).toContain('greet=hello world');
    expect(log).toContain('file-contents');
  });

  it('stops a running script on cancel and still runs after_script', async () => {
    const started = Date.now();
    const { log, ...result } = await run(
      job(target, {
        script: ['echo started', 'sleep 30'],
        after: ['echo "after status=$CI_JOB_STATUS"'],
      }),
      1500,
    );
    expect(result.outcome).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(log).toContain('started');
    expect(log).toContain('after status=canceled');
  });
}

/** Collects runner lines and output into one text, as a job log reads. */
class TextLog implements JobLog {
  text = '';
  plain(text: string): void {
    this.text += `${text}\n`;
  }
  info(text: string): void {
    this.text += `${text}\n`;
  }
  warning(text: string): void {
    this.text += `WARNING: ${text}\n`;
  }
  error(text: string): void {
    this.text += `ERROR: ${text}\n`;
  }
  output(chunk: string): void {
    this.text += chunk;
  }
}

interface StagesRun {
  readonly outcome: 'success' | 'failed' | 'canceled';
  readonly exitCode: number;
  readonly log: string;
}

/**
 * Drives one executor through a job's stages as the job runner does, with only the Executor
 * contract and src/script's stage scripts (executors may not import the runner): prepare,
 * prepare_script, get_sources, step_script (aborted after `cancelAfterMs`), after_script with
 * the outcome, cleanup_file_variables, cleanup.
 */
async function runStages(
  target: ConformanceTarget,
  spec: JobSpec,
  where: { work: string; repo: string; cancelAfterMs?: number },
): Promise<StagesRun> {
  const variables = effectiveVariables(spec, {
    buildsDir: target.buildsDir(where.work),
    version: 'conformance',
    revision: 'conformance',
    shortToken: 'local',
    arch: 'linux/amd64',
    jobTimeoutSeconds: 60,
    disposable: target.disposable,
  });
  const job = { ...spec, variables };
  const log = new TextLog();
  const executor = target.provider().create();
  const stage = async (name: StageName & Stage, status: JobStatus, signal: AbortSignal) => {
    const script = stageScript(job, name, { variables, jobStatus: status });
    if (script === undefined) return 0;
    return (await executor.run({ stage: name, script, signal })).exitCode;
  };
  const never = new AbortController().signal;
  try {
    await executor.prepare({
      job,
      log,
      signal: never,
      localRepository: { path: where.repo, dirty: false },
    });
    await stage('prepare_script', 'running', never);
    await stage('get_sources', 'running', never);
    const cancel = new AbortController();
    const timer =
      where.cancelAfterMs === undefined
        ? undefined
        : setTimeout(() => cancel.abort(), where.cancelAfterMs);
    // A stopped stage may resolve (shell: the killed shell's code) or reject (docker): both honour
    // the contract; the job runner tells them apart by the signal.
    const exitCode = await stage('step_script', 'running', cancel.signal).catch(
      (error: unknown) => {
        if (cancel.signal.aborted) return -1;
        throw error;
      },
    );
    if (timer !== undefined) clearTimeout(timer);
    const outcome = cancel.signal.aborted ? 'canceled' : exitCode === 0 ? 'success' : 'failed';
    await stage('after_script', outcome, never);
    await stage('cleanup_file_variables', outcome, never);
    return { outcome, exitCode, log: log.text };
  } finally {
    await executor.cleanup();
  }
}
