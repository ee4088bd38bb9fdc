import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testJob } from '../../test/support/jobs.js';
import { checkoutLocal } from './local-checkout.js';

// Real git repositories: the checkout is what these tests claim to test.
const work = mkdtempSync(join(tmpdir(), 'dockhand-checkout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

const repo = join(work, 'repo');
execFileSync('git', ['init', '-q', '-b', 'main', repo]);
writeFileSync(join(repo, 'file'), 'one\n');
git(repo, 'add', '-A');
git(repo, 'commit', '-qm', 'one');
const first = git(repo, 'rev-parse', 'HEAD');
writeFileSync(join(repo, 'file'), 'two\n');
git(repo, 'commit', '-qam', 'two');
const second = git(repo, 'rev-parse', 'HEAD');

let n = 0;
async function checkout(sha: string): Promise<{ dest: string; lines: string[] }> {
  const dest = join(work, `dest-${String((n += 1))}`);
  const job = testJob({
    git_info: { ...testJob().git_info, sha },
  });
  const lines = await checkoutLocal({
    repository: { path: repo, dirty: false },
    job,
    variable: () => undefined,
    dest,
    signal: new AbortController().signal,
  });
  return { dest, lines };
}

describe('checkoutLocal (fetch strategy, full history)', () => {
  it("checks out HEAD detached when the job's commit is HEAD", async () => {
    const { dest, lines } = await checkout(second);
    expect(readFileSync(join(dest, 'file'), 'utf8')).toBe('two\n');
    expect(git(dest, 'rev-parse', 'HEAD')).toBe(second);
    expect(git(dest, 'status', '--porcelain')).toBe('');
    expect(git(dest, 'status')).toContain(`HEAD detached at ${second.slice(0, 7)}`);
    expect(lines).toContain(`Checking out ${second.slice(0, 8)} as main...`);
  });

  it("checks out the job's commit when it is not HEAD", async () => {
    const { dest } = await checkout(first);
    expect(readFileSync(join(dest, 'file'), 'utf8')).toBe('one\n');
    expect(git(dest, 'rev-parse', 'HEAD')).toBe(first);
    expect(git(dest, 'status', '--porcelain')).toBe('');
  });

  it('uses HEAD when the repository lacks the commit (a synthetic payload)', async () => {
    const { dest } = await checkout('0123456789abcdef0123456789abcdef01234567');
    expect(git(dest, 'rev-parse', 'HEAD')).toBe(second);
    expect(readFileSync(join(dest, 'file'), 'utf8')).toBe('two\n');
  });

  it('reads a branch the source keeps only in packed-refs', async () => {
    git(repo, 'pack-refs', '--all');
    const { dest } = await checkout(second);
    expect(git(dest, 'rev-parse', 'HEAD')).toBe(second);
    expect(git(dest, 'status', '--porcelain')).toBe('');
  });
});
