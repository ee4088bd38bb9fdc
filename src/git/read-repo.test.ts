import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockhandError } from '../core/errors.js';
import { readGitSnapshot } from './read-repo.js';

/** Real git, isolated from the user's and the system's configuration. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: tmpdir(),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Charles Babbage',
  GIT_COMMITTER_EMAIL: 'charles@example.com',
};

function git(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, { cwd, env: { ...env, ...extra }, encoding: 'utf8' }).trim();
}

function commit(cwd: string, file: string, message: string, date: string): string {
  writeFileSync(join(cwd, file), `${file} ${date}\n`);
  git(cwd, ['add', file]);
  git(cwd, ['commit', '--quiet', '--cleanup=verbatim', '-m', message], {
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  return git(cwd, ['rev-parse', 'HEAD']);
}

let base: string;
const dirs = (name: string): string => join(base, name);

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'dockhand-git-'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('readGitSnapshot (real git)', () => {
  it('reads a branch with history, an annotated tag and local changes', async () => {
    const dir = dirs('my-project');
    execFileSync('git', ['init', '--quiet', '-b', 'feature/login', dir], { env });
    const first = commit(dir, 'a.txt', 'First commit', '2024-05-01T10:00:00+02:00');
    const second = commit(
      dir,
      'b.txt',
      'Add login page\n\nWith tests.\n',
      '2024-05-02T11:30:15-05:30',
    );
    git(dir, ['tag', '-a', 'v1.0.0', '-m', 'Release 1.0'], {
      GIT_COMMITTER_DATE: '2024-05-03T00:00:00Z',
    });
    writeFileSync(join(dir, 'untracked.txt'), 'x');

    const { root, ...snap } = await readGitSnapshot(dir, { env });
    expect(root).toMatch(/my-project$/);
    expect(snap).toEqual({
      projectName: 'my-project',
      sha: second,
      beforeSha: first,
      branch: 'feature/login',
      detached: false,
      tag: 'v1.0.0',
      tagMessage: 'Release 1.0\n',
      message: 'Add login page\n\nWith tests.\n',
      authorName: 'Ada Lovelace',
      authorEmail: 'ada@example.com',
      timestamp: '2024-05-02T11:30:15-05:30',
      defaultBranch: 'main',
      dirty: true,
    });
  });

  it('reads a root commit: zero before-sha, no tag, clean, init.defaultBranch', async () => {
    const dir = dirs('single');
    execFileSync('git', ['init', '--quiet', '-b', 'trunk', dir], { env });
    git(dir, ['config', 'init.defaultBranch', 'trunk']);
    commit(dir, 'a.txt', 'Only commit', '2024-01-01T00:00:00Z');
    const snap = await readGitSnapshot(dir, { env });
    expect(snap.beforeSha).toBe('0'.repeat(40));
    expect(snap.tag).toBeUndefined();
    expect(snap.tagMessage).toBeUndefined();
    expect(snap.dirty).toBe(false);
    expect(snap.defaultBranch).toBe('trunk');
    expect(snap.timestamp).toBe('2024-01-01T00:00:00+00:00');
  });

  it('reports a detached HEAD, a lightweight tag, and origin/HEAD from a clone', async () => {
    const clone = dirs('clone');
    execFileSync('git', ['clone', '--quiet', dirs('my-project'), clone], { env });
    const sha = git(clone, ['rev-parse', 'HEAD~1']);
    git(clone, ['checkout', '--quiet', '--detach', sha]);
    git(clone, ['tag', 'light']);
    const snap = await readGitSnapshot(clone, { env });
    expect(snap.sha).toBe(sha);
    expect(snap.branch).toBeUndefined();
    expect(snap.detached).toBe(true);
    expect(snap.tag).toBe('light');
    expect(snap.tagMessage).toBeUndefined();
    expect(snap.defaultBranch).toBe('feature/login');
  });

  it('reads from a subdirectory of the working copy', async () => {
    const nested = join(dirs('clone'), 'deep', 'er');
    mkdirSync(nested, { recursive: true });
    const snap = await readGitSnapshot(nested, { env });
    expect(snap.projectName).toBe('clone');
  });

  it('rejects a directory that is not a repository, and a repository without commits', async () => {
    const plain = dirs('plain');
    mkdirSync(plain);
    await expect(
      readGitSnapshot(plain, { env: { ...env, GIT_CEILING_DIRECTORIES: base } }),
    ).rejects.toMatchObject({
      code: 'git.not-a-repository',
    });
    const empty = dirs('empty');
    execFileSync('git', ['init', '--quiet', empty], { env });
    const error: unknown = await readGitSnapshot(empty, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockhandError);
    expect(error).toMatchObject({ code: 'git.no-commits', kind: 'environment' });
  });

  it('says git is missing when it is not on PATH (the snapshot runs it through sh)', async () => {
    const error: unknown = await readGitSnapshot(dirs('my-project'), {
      env: { ...env, PATH: join(base, 'no-such-bin') },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'git.unavailable', kind: 'environment' });
  });
});
