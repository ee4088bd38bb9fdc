import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripAnsi } from '../../src/core/ansi.js';
import { execCommand } from '../../src/cli/commands/exec.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/local-pipelines');

/** A fixture pipeline copied into a fresh git repository (one commit on `main`). */
export function fixtureRepo(scenario: string): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `dockhand-${scenario}-`));
  cpSync(join(FIXTURES, scenario), dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', [
      '-C',
      dir,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      ...args,
    ]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'fixture');
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LocalRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The saved log of a job's last attempt (`.dockhand/logs/<job>.log`), colours removed. */
  log(job: string, attempt?: number): string;
  /** The summary row of a job: its cells split on runs of spaces. */
  row(job: string): string[];
}

/** Runs `dockhand exec` in-process in `dir`, without any config.toml of this machine. */
export async function execIn(dir: string, args: readonly string[]): Promise<LocalRun> {
  let stdout = '';
  let stderr = '';
  const code = await execCommand.run(['--cwd', dir, ...args], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    color: false,
    env: { ...process.env, CONFIG_FILE: '', HOME: dir, NO_COLOR: '1' },
    cwd: dir,
    isTty: false,
  });
  const summary = stderr.slice(stderr.lastIndexOf('\nJob '));
  return {
    code,
    stdout,
    stderr,
    log: (job, attempt = 1) => {
      const safe = job.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '');
      const file = join(
        dir,
        '.dockhand',
        'logs',
        `${safe}${attempt > 1 ? `.attempt-${attempt}` : ''}.log`,
      );
      return existsSync(file) ? stripAnsi(readFileSync(file, 'utf8')) : '';
    },
    row: (job) => {
      const line = summary.split('\n').find((l) => l.startsWith(`${job} `)) ?? '';
      return line.slice(job.length).trim().split(/ {2,}/);
    },
  };
}
