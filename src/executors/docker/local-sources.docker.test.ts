import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage, leftovers } from '../../../test/support/docker.js';
import { RecordingLog, testJob } from '../../../test/support/jobs.js';
import type { Executor } from '../executor.js';
import { DockerExecutorProvider } from './provider.js';
import { defaultDockerSettings, type DockerExecutorSettings } from './settings.js';

const session = `test-${randomUUID()}`;
const never = new AbortController().signal;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', [
    '-C',
    repo,
    '-c',
    'user.email=t@example.com',
    '-c',
    'user.name=t',
    ...args,
  ])
    .toString()
    .trim();
}

describeWithEngine('DockerExecutor local sources and setups (real engine)', (engine) => {
  let repo = '';
  let first = '';
  const executors: Executor[] = [];
  const make = (extra: Partial<DockerExecutorSettings> = {}) => {
    const settings = {
      ...defaultDockerSettings('busybox:latest'),
      pull_policy: ['if-not-present' as const],
      ...extra,
    };
    const executor = new DockerExecutorProvider(engine, settings, { session }).create();
    executors.push(executor);
    return executor;
  };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'dockhand-repo-'));
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'a.txt'), 'one\n');
    git(repo, 'add', 'a.txt');
    git(repo, 'commit', '-q', '-m', 'first');
    first = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'a.txt'), 'two\n');
    git(repo, 'commit', '-q', '-am', 'second');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.cleanup()));
    expect(await leftovers(engine, session)).toEqual([]);
  });

  const runIn = async (executor: Executor, script: string) =>
    executor.run({ stage: 'step_script', script, signal: never });

  it('checks out HEAD with GIT_DEPTH into CI_PROJECT_DIR without git in the image', async () => {
    const log = new RecordingLog();
    const executor = make();
    await executor.prepare({
      job: testJob({}, { GIT_DEPTH: '1' }),
      log,
      signal: never,
      localRepository: { path: repo, dirty: false },
    });
    expect(await executor.run({ stage: 'get_sources', script: 'exit 99', signal: never })).toEqual({
      exitCode: 0,
    });
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(log.lines).toEqual(
      expect.arrayContaining([
        'Fetching changes with git depth set to 1...',
        `Checking out ${head.slice(0, 8)} as main...`,
        'Skipping Git submodules setup',
      ]),
    );
    expect(
      await runIn(
        executor,
        'cd /builds/group/project && cat a.txt && ls -d .git && wc -l < .git/shallow',
      ),
    ).toEqual({
      exitCode: 0,
    });
    expect(log.out).toBe('two\n.git\n1\n');
  });

  it('checks out the job sha and includes uncommitted changes with --dirty', async () => {
    const log = new RecordingLog();
    writeFileSync(join(repo, 'untracked.txt'), 'new\n');
    writeFileSync(join(repo, 'a.txt'), 'dirty\n');
    try {
      const executor = make();
      const job = testJob();
      await executor.prepare({
        job: { ...job, git_info: { ...job.git_info, sha: first } },
        log,
        signal: never,
        localRepository: { path: repo, dirty: true },
      });
      expect(await runIn(executor, 'cd /builds/group/project && cat a.txt untracked.txt')).toEqual({
        exitCode: 0,
      });
      expect(log.out).toBe('dirty\nnew\n');
    } finally {
      git(repo, 'checkout', '-q', '--', 'a.txt');
      rmSync(join(repo, 'untracked.txt'));
    }
  });

  it('honours GIT_STRATEGY none (empty dir) and GIT_CHECKOUT=false', async () => {
    const none = make();
    const log = new RecordingLog();
    await none.prepare({
      job: testJob({}, { GIT_STRATEGY: 'none' }),
      log,
      signal: never,
      localRepository: { path: repo, dirty: false },
    });
    await none.run({ stage: 'get_sources', script: '', signal: never });
    expect(log.lines).toContain('Skipping Git repository setup');
    expect(await runIn(none, 'cd /builds/group/project && ls -A | wc -l')).toEqual({ exitCode: 0 });
    expect(log.out.trim()).toBe('0');

    const noCheckout = make();
    const log2 = new RecordingLog();
    await noCheckout.prepare({
      job: testJob({}, { GIT_CHECKOUT: 'false' }),
      log: log2,
      signal: never,
      localRepository: { path: repo, dirty: false },
    });
    await noCheckout.run({ stage: 'get_sources', script: '', signal: never });
    expect(log2.lines).toContain('Skipping Git checkout');
    expect(await runIn(noCheckout, 'cd /builds/group/project && ls -A')).toEqual({ exitCode: 0 });
    expect(log2.out).toBe('.git\n');
  });

  it('runs the dind setup: a privileged docker:dind service reached as docker-in-docker', async (context) => {
    if (!(await hasImage(engine, 'docker:dind')) || !(await hasImage(engine, 'docker:latest'))) {
      context.skip('docker:dind / docker:latest are not built yet (dockhand images seed)');
    }
    const log = new RecordingLog();
    const executor = make({ privileged: true, wait_for_services_timeout: 60 });
    await executor.prepare({
      job: testJob(
        {
          image: { name: 'docker:latest' },
          services: [{ name: 'docker:dind', alias: 'docker-in-docker' }],
        },
        // No sources: `none` also keeps the builds volume temporary (fetch would keep it).
        { DOCKER_HOST: 'tcp://docker-in-docker:2375/', GIT_STRATEGY: 'none' },
      ),
      log,
      signal: never,
    });
    expect(log.text).not.toContain('WARNING');
    const result = await runIn(
      executor,
      'docker info --format "{{.ServerVersion}}" && docker ps -q | wc -l',
    );
    expect(result).toEqual({ exitCode: 0 });
    expect(log.out.trim().split('\n').at(-1)).toBe('0');
  });
});
