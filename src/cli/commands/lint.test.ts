import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';
import { listJobs } from './exec-list.js';

function fakeIo(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    color: false,
    env: {},
    cwd,
    isTty: false,
    out,
    err,
  };
}

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockhand-lint-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('dockhand lint', () => {
  test('a valid pipeline with a wildcard include', async () => {
    const dir = repo({
      '.gitlab-ci.yml': 'include: ci/*.yml\nbuild:\n  stage: build\n  script: make\n',
      'ci/test.yml': 'test:\n  script: make test\n',
    });
    const io = fakeIo(dir);
    expect(await main(['lint'], io)).toBe(0);
    expect(io.out.join('')).toContain('Pipeline is valid: 2 jobs in 2 stages');
  });

  test('errors print file:line:col and exit 2', async () => {
    const dir = repo({ 'ci.yml': 'build:\n  script: make\n  when: later\n' });
    const io = fakeIo('/');
    expect(await main(['lint', '--cwd', dir, '--file', 'ci.yml'], io)).toBe(2);
    expect(io.out.join('')).toContain('ci.yml:3:9: job "build": when config should be one of');
  });

  test('a missing file is a configuration error', async () => {
    const io = fakeIo(repo({}));
    expect(await main(['lint'], io)).toBe(2);
    expect(io.err.join('')).toContain('no pipeline file .gitlab-ci.yml');
  });
});

describe('listJobs (exec --list)', () => {
  test('one line per job with the rules outcome', () => {
    const dir = repo({
      '.gitlab-ci.yml':
        'build:\n  stage: build\n  tags: [docker]\n  script: make\ndeploy:\n  stage: deploy\n  needs: [build]\n  script: ship\n  rules:\n    - if: $CI_COMMIT_TAG\n',
    });
    const io = fakeIo(dir);
    expect(listJobs(io, { ref: { name: 'main', type: 'branch' } })).toBe(0);
    const text = io.out.join('');
    expect(text).toMatch(/^JOB\s+STAGE\s+WHEN\s+NEEDS\s+TAGS\s+RULES$/m);
    expect(text).toMatch(
      /^build\s+build\s+on_success\s+-\s+docker\s+default only: branches, tags → on_success$/m,
    );
    expect(text).toContain('skipped: deploy (no rule matched)');
  });
});
