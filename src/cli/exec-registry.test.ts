import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { loadExecPlan } from './exec-jobs.js';
import { readRegistryFlags, registryContext, registryCredentials } from './exec-registry.js';

const files: Record<string, string> = { 'pw.txt': 's3cret-Passw0rd\n', 'empty.txt': '\n' };
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return text;
};

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('--registry flags', () => {
  it('are optional', () => {
    expect(readRegistryFlags({}, readFile)).toBeUndefined();
  });

  it('read the password file, dropping one trailing line break', () => {
    expect(
      readRegistryFlags(
        { registry: '127.0.0.1:5000', user: 'dockhand', passwordFile: 'pw.txt' },
        readFile,
      ),
    ).toEqual({ host: '127.0.0.1:5000', user: 'dockhand', password: 's3cret-Passw0rd' });
  });

  it('allow a registry without a login', () => {
    expect(readRegistryFlags({ registry: 'registry:5000' }, readFile)).toEqual({
      host: 'registry:5000',
    });
  });

  it('refuse a scheme, a path, a lone login flag, a missing or empty file (never showing it)', () => {
    expect(
      usageError(() => readRegistryFlags({ registry: 'http://r:5000' }, readFile)).message,
    ).toBe('--registry takes HOST[:PORT], not "http://r:5000"');
    usageError(() => readRegistryFlags({ registry: 'r:5000/group' }, readFile));
    usageError(() => readRegistryFlags({ user: 'me', passwordFile: 'pw.txt' }, readFile));
    usageError(() => readRegistryFlags({ registry: 'r', user: 'me' }, readFile));
    usageError(() => readRegistryFlags({ registry: 'r', passwordFile: 'pw.txt' }, readFile));
    const missing = usageError(() =>
      readRegistryFlags({ registry: 'r', user: 'me', passwordFile: 'gone.txt' }, readFile),
    );
    expect(missing.hint).toBe('ENOENT');
    usageError(() =>
      readRegistryFlags({ registry: 'r', user: 'me', passwordFile: 'empty.txt' }, readFile),
    );
  });

  it('give CI_REGISTRY_IMAGE as the lower-cased project path under the registry', () => {
    expect(
      registryContext({ host: 'r:5000', user: 'u', password: 'p' }, 'local/My.Project'),
    ).toEqual({ host: 'r:5000', image: 'r:5000/local/my.project', user: 'u', password: 'p' });
    expect(registryContext(undefined, 'local/x')).toBeUndefined();
  });

  it('give a registry credential only with a login', () => {
    expect(registryCredentials({ host: 'r:5000', user: 'u', password: 'p' })).toEqual([
      { type: 'registry', url: 'r:5000', username: 'u', password: 'p' },
    ]);
    expect(registryCredentials({ host: 'r:5000' })).toEqual([]);
    expect(registryCredentials(undefined)).toEqual([]);
  });
});

describe('exec plan with a registry', () => {
  const repo = mkdtempSync(join(tmpdir(), 'dockhand-exec-Registry-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('puts CI_REGISTRY* (password masked) and the credential into every job', async () => {
    writeFileSync(join(repo, '.gitlab-ci.yml'), 'build:\n  script: [echo b]\n');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args]);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'x');
    const registry = { host: '127.0.0.1:5000', user: 'dockhand', password: 'pw-123456789' };
    const plan = await loadExecPlan(
      { cwd: repo, file: '.gitlab-ci.yml', variables: [], registry },
      'glcbt-localx',
    );
    const spec = plan.jobs[0]?.spec;
    const byKey = new Map(spec?.variables.map((v) => [v.key, v]));
    const project = plan.git.projectName.toLowerCase();
    expect(byKey.get('CI_REGISTRY')?.value).toBe('127.0.0.1:5000');
    expect(byKey.get('CI_REGISTRY_IMAGE')?.value).toBe(`127.0.0.1:5000/local/${project}`);
    expect(byKey.get('CI_REGISTRY_USER')?.value).toBe('dockhand');
    expect(byKey.get('CI_REGISTRY_PASSWORD')).toMatchObject({ masked: true, public: false });
    expect(spec?.credentials).toEqual([
      { type: 'registry', url: '127.0.0.1:5000', username: 'dockhand', password: 'pw-123456789' },
    ]);
  });

  it('adds nothing without one', async () => {
    const plan = await loadExecPlan({ cwd: repo, file: '.gitlab-ci.yml', variables: [] }, 't');
    const spec = plan.jobs[0]?.spec;
    expect(spec?.variables.some((v) => v.key.startsWith('CI_REGISTRY'))).toBe(false);
    expect(spec?.credentials).toEqual([]);
  });
});
