import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithEngine, hasImage, leftovers } from '../../../test/support/docker.js';
import { stripAnsi } from '../../core/ansi.js';
import { LABELS } from '../../core/labels.js';
import type { JobSpec } from '../../protocol/job-spec.js';
import { runJob } from '../../runner/job-run.js';
import { MemorySink } from '../../runner/sinks.js';
import { sampleJob, yamlVariable } from '../../script/sample-job.js';
import { cacheDirPath, cacheVolumeName } from './volumes.js';
import { DockerExecutorProvider } from './provider.js';
import { defaultDockerSettings, type DockerExecutorSettings } from './settings.js';

// [runners.docker] disable_cache / cache_dir and the builds volume of GIT_STRATEGY=fetch, through
// the job runner (GitLab's stage scripts) on the real engine.
const session = `test-${randomUUID()}`;
const runner = { name: 'volumes', shortToken: 'dhvoltest' };
const project = String(700_000 + (process.pid % 100_000));
const slot = `runner-dhvoltest-project-${project}-concurrent-0`;
let nextJob = 1;
const silentLog = {
  plain: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  output: () => undefined,
};

function job(script: string[], variables: Record<string, string>, extra: Partial<JobSpec> = {}) {
  const base = sampleJob({
    script,
    variables: Object.entries({ CI_PROJECT_ID: project, ...variables }).map(([k, v]) =>
      yamlVariable(k, v),
    ),
  });
  const id = 500_000 + (process.pid % 1000) * 100 + nextJob++;
  return { ...base, id, job_info: { ...base.job_info, id, project_id: Number(project) }, ...extra };
}

describeWithEngine(
  '[runners.docker] cache volumes and the builds volume (real engine)',
  (engine) => {
    const settings = (extra: Partial<DockerExecutorSettings> = {}): DockerExecutorSettings => ({
      ...defaultDockerSettings('busybox:latest'),
      pull_policy: ['if-not-present'],
      stopGraceSeconds: 1,
      ...extra,
    });
    // One provider per configuration, as one `dockhand run` holds one per runner.
    const run = async (provider: DockerExecutorProvider, spec: JobSpec) => {
      const sink = new MemorySink();
      const result = await runJob({ job: spec, provider, runner, sink });
      return { result, log: stripAnsi(sink.text()) };
    };
    const volumesOfJob = async (id: number) =>
      (await engine.listByLabels([`${LABELS.job}=${id}`])).filter((r) => r.kind === 'volume');
    const cacheDir = mkdtempSync(join(tmpdir(), 'dockhand-cache-dir-'));

    afterAll(async () => {
      // Kept volumes carry this process's pid; nothing else of this file may remain.
      const kept = await engine.listByLabels([
        `${LABELS.pid}=${process.pid}`,
        `${LABELS.type}=cache`,
      ]);
      await Promise.all(kept.map((v) => engine.removeVolume(v.id)));
      rmSync(cacheDir, { recursive: true, force: true });
      expect(await leftovers(engine, session)).toEqual([]);
    });

    it('keeps /cache in the slot volume for the next job of the project', async () => {
      const provider = new DockerExecutorProvider(engine, settings({ volumes: ['/cache'] }), {
        session,
      });
      const none = { GIT_STRATEGY: 'none' };
      const first = await run(
        provider,
        job(['grep -c " /cache " /proc/mounts', 'echo kept-by-first > /cache/marker'], none),
      );
      expect(first.result.state, first.log).toBe('success');
      const second = await run(provider, job(['cat /cache/marker'], none));
      expect(second.result.state, second.log).toBe('success');
      expect(second.log).toContain('kept-by-first\n');
      const name = cacheVolumeName(slot, '/cache');
      const volume = (await engine.listByLabels([`${LABELS.type}=cache`])).find(
        (v) => v.id === name,
      );
      expect(volume?.labels[LABELS.session]).toBeUndefined();
      expect(await leftovers(engine, session)).toEqual([]);
    });

    it('creates no cache volume with disable_cache, with GitLab warning', async () => {
      const provider = new DockerExecutorProvider(
        engine,
        settings({ volumes: ['/cache'], disable_cache: true }),
        { session },
      );
      const spec = job(
        [
          'if grep -q " /cache " /proc/mounts; then echo cache-mounted; else echo no-cache-mount; fi',
        ],
        // fetch too: disable_cache also makes the builds volume temporary.
        { GIT_STRATEGY: 'fetch', GIT_DEPTH: '0' },
        { git_info: { ...sampleJob().git_info, repo_url: '' } },
      );
      // No repository to fetch from: only the prepare part matters, so the sources stage fails.
      const { log } = await run(provider, spec);
      expect(log).toContain(
        'WARNING: Container based cache volumes creation is disabled. Will not create volume for "/cache"',
      );
      expect(await volumesOfJob(spec.id)).toEqual([]);
      const none = job(
        [
          'if grep -q " /cache " /proc/mounts; then echo cache-mounted; else echo no-cache-mount; fi',
        ],
        { GIT_STRATEGY: 'none' },
      );
      const second = await run(provider, none);
      expect(second.log).toContain('no-cache-mount\n');
      expect(await volumesOfJob(none.id)).toEqual([]);
    });

    it('bind-mounts <cache_dir>/<slot>/<md5> for /cache with cache_dir', async () => {
      const provider = new DockerExecutorProvider(
        engine,
        settings({ volumes: ['/cache'], cache_dir: cacheDir }),
        { session },
      );
      const spec = job(['echo in-host-dir > /cache/hello'], { GIT_STRATEGY: 'none' });
      const { result, log } = await run(provider, spec);
      expect(result.state, log).toBe('success');
      const file = join(cacheDirPath(cacheDir, slot, '/cache'), 'hello');
      expect(readFileSync(file, 'utf8')).toBe('in-host-dir\n');
      expect(await volumesOfJob(spec.id)).toEqual([]);
    });

    it('gives a job without services a labelled builds volume that goes with its container', async () => {
      const provider = new DockerExecutorProvider(engine, settings(), { session });
      const executor = provider.create();
      try {
        const spec = job(['true'], { GIT_STRATEGY: 'clone' });
        await executor.prepare({ job: spec, log: silentLog, signal: new AbortController().signal });
        const mine = await engine.listByLabels([`${LABELS.session}=${session}`]);
        expect(mine.filter((r) => r.kind === 'volume').map((r) => r.labels[LABELS.type])).toEqual([
          'volume',
        ]);
      } finally {
        await executor.cleanup();
      }
      expect(await leftovers(engine, session)).toEqual([]);
    });

    it('reuses the checkout with GIT_STRATEGY=fetch and starts fresh with clone', async (context) => {
      if (!(await hasImage(engine, 'docker:latest'))) {
        context.skip('docker:latest (with git) is not built yet (dockhand images seed)');
      }
      const repo = mkdtempSync(join(tmpdir(), 'dockhand-fetch-repo-'));
      try {
        const git = (...args: string[]) =>
          execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@x', ...args], {
            encoding: 'utf8',
          }).trim();
        git('init', '-q', '-b', 'main');
        writeFileSync(join(repo, 'README.md'), 'readme\n');
        git('add', '-A');
        git('commit', '-qm', 'one');
        const sha = git('rev-parse', 'HEAD');
        const provider = new DockerExecutorProvider(
          engine,
          settings({ image: 'docker:latest', volumes: [`${repo}:/srv/repo:ro`] }),
          { session },
        );
        const gitJob = (strategy: string, script: string[]) =>
          job(
            script,
            { GIT_STRATEGY: strategy },
            {
              image: { name: 'docker:latest' },
              git_info: {
                ...sampleJob().git_info,
                repo_url: 'file:///srv/repo',
                sha,
                depth: 0,
              },
            },
          );
        const first = await run(
          provider,
          gitJob('fetch', ['cat README.md', 'echo from-first-job > .git/dockhand-marker']),
        );
        expect(first.result.state, first.log).toBe('success');
        expect(first.log).toContain('Created fresh repository.');

        const second = await run(provider, gitJob('fetch', ['cat .git/dockhand-marker']));
        expect(second.result.state, second.log).toBe('success');
        expect(second.log).toContain('Fetching changes...');
        expect(second.log).toContain('Reinitialized existing Git repository');
        expect(second.log).toContain('from-first-job\n');

        const third = await run(
          provider,
          gitJob('clone', ['test ! -e .git/dockhand-marker && echo fresh-clone']),
        );
        expect(third.result.state, third.log).toBe('success');
        expect(third.log).toContain('Created fresh repository.');
        expect(third.log).toContain('fresh-clone\n');
        const kept = cacheVolumeName(slot, '/builds');
        expect((await engine.listByLabels([`${LABELS.type}=cache`])).map((v) => v.id)).toContain(
          kept,
        );
        expect(existsSync(repo)).toBe(true);
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    });
  },
);
