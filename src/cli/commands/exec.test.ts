import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

const repo = mkdtempSync(join(tmpdir(), 'dockhand-exec-cmd-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
writeFileSync(
  join(repo, '.gitlab-ci.yml'),
  'build:\n  image: busybox:latest\n  script: [echo hi]\ndeploy:\n  script: [echo d]\n  when: manual\n',
);
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args]);
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-qm', 'x');

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    color: false,
    env: { HOME: repo, CONFIG_FILE: '' },
    cwd: repo,
    isTty: false,
  };
}

describe('dockhand exec (no engine needed)', () => {
  it('prints its help with the exit codes', async () => {
    const cli = io();
    expect(await main(['exec', '--help'], cli)).toBe(0);
    expect(cli.out.join('')).toContain('Usage: dockhand exec [JOB...]');
    expect(cli.out.join('')).toContain('130 canceled by Ctrl-C');
  });

  it('lists the jobs for the current commit', async () => {
    const cli = io();
    expect(await main(['exec', '--list'], cli)).toBe(0);
    expect(cli.out.join('')).toMatch(/^build\s+test\s+on_success/m);
    expect(cli.out.join('')).toMatch(/^deploy\s+test\s+manual/m);
  });

  it('exits 2 on a bad flag, a bad --variable or an unknown job', async () => {
    expect(await main(['exec', '--bogus'], io())).toBe(2);
    expect(await main(['exec', '--variable', 'novalue'], io())).toBe(2);
    const cli = io();
    expect(await main(['exec', 'nope'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('no job named "nope"');
  });

  it('exits 2 before running anything when a job has no image and the runner no default', async () => {
    writeFileSync(
      join(repo, 'config.toml'),
      '[[runners]]\n  name = "dock"\n  executor = "docker"\n',
    );
    const cli = io();
    expect(await main(['exec', '--config', 'config.toml', 'deploy'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(
      'job "deploy" has no image and the runner "dock" has no default image',
    );
    rmSync(join(repo, 'config.toml'));
  });

  it('without a config and without an engine, runs a job that has no image on the shell', async () => {
    const cli = io();
    cli.env['DOCKER_HOST'] = `unix://${join(repo, 'no-engine.sock')}`;
    expect(await main(['exec', 'deploy'], cli)).toBe(0);
    const err = cli.err.join('');
    expect(err).toContain('No Docker engine answers');
    expect(err).toContain('running jobs with the shell executor');
    expect(cli.out.join('')).toContain('Using Shell');
  });

  it('exits 2 when no runner has the job tags', async () => {
    writeFileSync(
      join(repo, 'config.toml'),
      '[[runners]]\n  name = "tagged"\n  executor = "docker"\n  tag_list = ["gpu"]\n',
    );
    const cli = io();
    expect(await main(['exec', '--config', 'config.toml', 'build'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('no runner can take job "build" with no tags');
    rmSync(join(repo, 'config.toml'));
  });
});
