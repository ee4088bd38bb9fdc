import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitFiles } from './git-files.js';
import { readGitSnapshot } from './read-repo.js';

/** Real git, isolated from the user's and the system's configuration. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: tmpdir(),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};
/** Harmless to git, but it makes the snapshot ask git every question: the reference answers. */
const gitOnly: NodeJS.ProcessEnv = { ...env, GIT_CONFIG_COUNT: '0' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
}

let base: string;
beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'dockhand-gitfiles-')));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

function repo(name: string, branch = 'main'): string {
  const dir = join(base, name);
  execFileSync('git', ['init', '--quiet', '-b', branch, dir], { env });
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'one');
  writeFileSync(join(dir, 'b.txt'), 'b\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'two');
  return dir;
}

/** The snapshot with the files' answers equals the one git alone gives. */
async function expectSameAsGit(dir: string): Promise<void> {
  const fast = await readGitSnapshot(dir, { env });
  const reference = await readGitSnapshot(dir, { env: gitOnly });
  expect(fast).toEqual(reference);
}

describe('readGitFiles', () => {
  it('answers for a plain repository, from a subdirectory too', () => {
    const dir = repo('plain');
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    const answers = { root: dir, branch: 'main', originHead: null, mayHaveTags: false };
    expect(readGitFiles(dir, env)).toEqual(answers);
    expect(readGitFiles(join(dir, 'sub', 'deeper'), env)).toEqual(answers);
  });

  it('leaves unusual repositories to git', () => {
    const dir = repo('unusual');
    expect(readGitFiles(dir, { ...env, GIT_DIR: join(dir, '.git') })).toBeUndefined();
    const worktree = join(base, 'unusual-worktree');
    git(dir, 'worktree', 'add', '--quiet', '-b', 'other', worktree);
    expect(readGitFiles(worktree, env)).toBeUndefined();
    git(dir, 'config', 'core.worktree', dir);
    expect(readGitFiles(dir, env)).toBeUndefined();
  });

  it('does not shorten a branch name that a tag makes ambiguous', () => {
    const dir = repo('ambiguous');
    git(dir, 'tag', 'main');
    expect(readGitFiles(dir, env)?.branch).toBeUndefined();
    expect(readGitFiles(dir, env)?.mayHaveTags).toBe(true);
  });
});

describe('readGitSnapshot: the files answer as git does', () => {
  it('a plain repository, clean and then with changes', async () => {
    const dir = repo('same-plain', 'feature/x');
    await expectSameAsGit(dir);
    writeFileSync(join(dir, 'new.txt'), 'x');
    await expectSameAsGit(dir);
  });

  it('a detached HEAD, loose and packed tags, annotated and lightweight', async () => {
    const dir = repo('same-tags');
    git(dir, 'tag', '-a', 'v1', '-m', 'Release 1');
    await expectSameAsGit(dir);
    git(dir, 'pack-refs', '--all');
    git(dir, 'checkout', '--quiet', '--detach', 'HEAD~1');
    git(dir, 'tag', 'light');
    await expectSameAsGit(dir);
    expect((await readGitSnapshot(dir, { env })).tag).toBe('light');
  });

  it('a clone: origin/HEAD, packed refs, a branch a tag makes ambiguous', async () => {
    const source = repo('same-source');
    const clone = join(base, 'same-clone');
    execFileSync('git', ['clone', '--quiet', source, clone], { env });
    await expectSameAsGit(clone);
    expect((await readGitSnapshot(clone, { env })).defaultBranch).toBe('main');
    git(clone, 'tag', 'main');
    await expectSameAsGit(clone);
  });

  it('init.defaultBranch without origin/HEAD, a worktree, a path through a symbolic link', async () => {
    const dir = repo('same-config');
    git(dir, 'config', 'init.defaultBranch', 'trunk');
    await expectSameAsGit(dir);
    const worktree = join(base, 'same-config-worktree');
    git(dir, 'worktree', 'add', '--quiet', '-b', 'wt', worktree);
    await expectSameAsGit(worktree);
    const link = join(base, 'same-config-link');
    symlinkSync(dir, link);
    await expectSameAsGit(link);
    expect((await readGitSnapshot(link, { env })).root).toBe(dir);
  });
});
