import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCoordinatorClient } from '../api/coordinator-client.js';
import { DATA_FILES, parseListen, startServer } from './server.js';

const root = mkdtempSync(join(tmpdir(), 'dockhand-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeRepo(): string {
  const repo = join(root, 'repo');
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env });
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env });
  writeFileSync(
    join(repo, '.gitlab-ci.yml'),
    [
      'include: ci/extra.yml',
      'build:',
      '  stage: build',
      '  tags: [docker]',
      '  script: [echo build]',
      'test:',
      '  stage: test',
      '  script: [echo test]',
      '',
    ].join('\n'),
  );
  execFileSync('mkdir', ['-p', join(repo, 'ci')]);
  writeFileSync(
    join(repo, 'ci', 'extra.yml'),
    'lint:\n  stage: test\n  needs: [build]\n  script: [echo lint]\n',
  );
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
  return repo;
}

let made: string | undefined;
const repoOnce = (): string => (made ??= makeRepo());

describe('dockhand server (startServer)', () => {
  it('builds pipelines from a git repository and serves them to runners', async () => {
    const repo = repoOnce();
    const data = join(root, 'data');
    const server = await startServer({
      dataDir: data,
      host: '127.0.0.1',
      port: 0,
      projects: [{ name: 'demo', path: repo }],
    });
    try {
      expect(readFileSync(join(data, DATA_FILES.url), 'utf8').trim()).toBe(server.url);
      expect(statSync(server.files.adminToken).mode & 0o777).toBe(0o600);
      const admin = readFileSync(server.files.adminToken, 'utf8').trim();
      const registration = readFileSync(server.files.registrationToken, 'utf8').trim();

      const trigger = await fetch(`${server.url}/api/dockhand/v1/projects/demo/pipelines`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ref: 'main' }),
      });
      expect(trigger.status).toBe(201);
      const pipeline = (await trigger.json()) as {
        id: number;
        jobs: { name: string; status: string }[];
      };
      expect(Object.fromEntries(pipeline.jobs.map((j) => [j.name, j.status]))).toEqual({
        build: 'pending',
        test: 'created',
        lint: 'created',
      });

      const client = createCoordinatorClient({ url: server.url });
      const reg = await client.register({
        token: registration,
        tag_list: 'docker',
        run_untagged: true,
      });
      if (reg.kind !== 'registered') throw new Error(reg.kind);
      const got = await client.requestJob({ token: reg.token });
      if (got.kind !== 'job') throw new Error(got.kind);
      expect(got.job.job_info.name).toBe('build');
      expect(got.job.git_info).toMatchObject({
        ref: 'main',
        ref_type: 'branch',
        repo_url: `file://${repo}`,
      });
      expect(got.job.steps[0]?.script).toEqual(['echo build']);
      const vars = Object.fromEntries(got.job.variables.map((v) => [v.key, v.value]));
      expect(vars['CI_JOB_TOKEN']).toBe(got.job.token);
      expect(vars['CI_PIPELINE_ID']).toBe(String(pipeline.id));
      expect(vars['CI_COMMIT_BRANCH']).toBe('main');

      const bad = await fetch(`${server.url}/api/dockhand/v1/projects/demo/pipelines`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}` },
        body: JSON.stringify({ ref: 'no-such-branch' }),
      });
      expect(bad.status).toBe(400);
    } finally {
      await server.close();
    }
    // The database outlives the process; tokens keep working after a restart.
    const again = await startServer({ dataDir: data, host: '127.0.0.1', port: 0, projects: [] });
    try {
      expect(await again.store.listRunners()).toHaveLength(1);
      expect((await again.store.listPipelines(5))[0]?.status).toBe('running');
    } finally {
      await again.close();
    }
  });

  it('with a registry: CI_REGISTRY*, registry credentials and job-scoped tokens on a realm-only listener', async () => {
    const data = join(root, 'data-registry');
    const server = await startServer({
      dataDir: data,
      host: '127.0.0.1',
      port: 0,
      projects: [{ name: 'demo', path: repoOnce() }],
      registry: { host: 'registry.test:5005', realmListen: { host: '127.0.0.1', port: 0 } },
    });
    try {
      const realmBase = server.registryRealm?.replace(/\/jwt\/auth$/, '') ?? '';
      expect(server.registryRealm).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jwt\/auth$/);
      expect(realmBase).not.toBe(server.url);
      // The realm listener serves the realm only: no runner API, admin API or page.
      for (const path of ['/', '/api/v4/runners/verify', '/api/dockhand/v1/runners']) {
        expect((await fetch(`${realmBase}${path}`, { method: 'GET' })).status).toBe(404);
      }
      expect(statSync(join(data, DATA_FILES.registryKey)).mode & 0o777).toBe(0o600);
      expect(statSync(server.files.registryCert).mode & 0o777).toBe(0o600);
      expect(readFileSync(server.files.registryCert, 'utf8')).toContain('BEGIN CERTIFICATE');
      const admin = readFileSync(server.files.adminToken, 'utf8').trim();
      const trigger = await fetch(`${server.url}/api/dockhand/v1/projects/demo/pipelines`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ref: 'main' }),
      });
      expect(trigger.status).toBe(201);
      const client = createCoordinatorClient({ url: server.url });
      const reg = await client.register({
        token: readFileSync(server.files.registrationToken, 'utf8').trim(),
        tag_list: 'docker',
        run_untagged: true,
      });
      if (reg.kind !== 'registered') throw new Error(reg.kind);
      const got = await client.requestJob({ token: reg.token });
      if (got.kind !== 'job') throw new Error(got.kind);
      const vars = new Map(got.job.variables.map((v) => [v.key, v]));
      expect(vars.get('CI_REGISTRY')?.value).toBe('registry.test:5005');
      expect(vars.get('CI_REGISTRY_IMAGE')?.value).toBe('registry.test:5005/dockhand/demo');
      expect(vars.get('CI_REGISTRY_USER')?.value).toBe('gitlab-ci-token');
      expect(vars.get('CI_REGISTRY_PASSWORD')).toMatchObject({
        value: got.job.token,
        masked: true,
      });
      expect(got.job.credentials).toEqual([
        {
          type: 'registry',
          url: 'registry.test:5005',
          username: 'gitlab-ci-token',
          password: got.job.token,
        },
      ]);
      const auth = (token: string) => ({
        headers: {
          Authorization: `Basic ${Buffer.from(`gitlab-ci-token:${token}`).toString('base64')}`,
        },
      });
      const scope = '?service=container_registry&scope=repository:dockhand/demo/app:push,pull';
      const realm = `${server.registryRealm ?? ''}${scope}`;
      expect((await fetch(realm, auth(got.job.token))).status).toBe(200);
      expect((await fetch(`${server.url}/jwt/auth${scope}`, auth(got.job.token))).status).toBe(200);
      const done = await client.updateJob(got.job.id, { token: got.job.token, state: 'success' });
      expect(done.kind).not.toBe('forbidden');
      expect((await fetch(realm, auth(got.job.token))).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('parses --listen', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('8080')).toBeUndefined();
    expect(parseListen('h:70000')).toBeUndefined();
  });
});
