import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';

// bin/dockhand, the installed command: a copy of it and of bin/dockhand.js in front of a
// stand-in build that reports what the Node process was started with (/proc/self/environ is the
// environment exec() gave it, whatever the script changed since), what it sees now, and what a
// child process inherits.
const bin = join(import.meta.dirname, '../../bin');
const dir = mkdtempSync(join(tmpdir(), 'dockhand-launcher-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'bin'));
cpSync(join(bin, 'dockhand'), join(dir, 'bin', 'dockhand'));
cpSync(join(bin, 'dockhand.js'), join(dir, 'bin', 'dockhand.js'));
mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
writeFileSync(
  join(dir, 'dist', 'bundle', 'main.js'),
  `import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
export async function main(argv) {
  const started = readFileSync('/proc/self/environ', 'utf8').split('\\0');
  const startedWith = started.find((e) => e.startsWith('NODE_EXTRA_CA_CERTS='));
  const child = execFileSync('sh', ['-c', 'printf %s "\${NODE_EXTRA_CA_CERTS-unset}|\${DOCKHAND_DEFERRED_NODE_EXTRA_CA_CERTS-unset}"'], { encoding: 'utf8' });
  console.log(JSON.stringify({
    argv,
    startedWith: startedWith ?? null,
    now: process.env.NODE_EXTRA_CA_CERTS ?? null,
    deferred: process.env.DOCKHAND_DEFERRED_NODE_EXTRA_CA_CERTS ?? null,
    child,
  }));
  return 0;
}
`,
);

interface Seen {
  argv: string[];
  startedWith: string | null;
  now: string | null;
  deferred: string | null;
  child: string;
}

function run(command: string, args: string[], extra: Record<string, string | undefined>): Seen {
  const { NODE_EXTRA_CA_CERTS: _inherited, ...base } = process.env;
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...base, ...extra } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Seen;
}

// A real certificate (Node warns about a file it cannot load), at a path with a space.
const bundle = join(dir, 'some ca', 'bundle.pem');
mkdirSync(join(bundle, '..'));
writeFileSync(bundle, rootCertificates[0] ?? '');
const certs = { NODE_EXTRA_CA_CERTS: bundle };

describe('bin/dockhand', () => {
  it('starts `exec` without NODE_EXTRA_CA_CERTS and gives it back before anything runs', () => {
    const seen = run(join(dir, 'bin', 'dockhand'), ['exec', 'a job', '--dirty'], certs);
    expect(seen).toEqual({
      argv: ['exec', 'a job', '--dirty'],
      startedWith: null,
      now: bundle,
      deferred: null,
      child: `${bundle}|unset`,
    });
  });

  it('does the same for the other commands that open no such connection', () => {
    for (const args of [['lint'], ['config', 'check'], ['audit'], ['--version'], []]) {
      const seen = run(join(dir, 'bin', 'dockhand'), args, certs);
      expect(seen).toMatchObject({ startedWith: null, now: bundle, deferred: null });
    }
  });

  it('starts every other command with the environment unchanged', () => {
    for (const args of [['run'], ['register'], ['server', 'exec'], ['images', 'seed']]) {
      const seen = run(join(dir, 'bin', 'dockhand'), args, certs);
      expect(seen.startedWith).toBe(`NODE_EXTRA_CA_CERTS=${bundle}`);
      expect(seen.child).toBe(`${bundle}|unset`);
      expect(seen.argv).toEqual(args);
    }
  });

  it('keeps an empty value empty and an unset one unset', () => {
    expect(run(join(dir, 'bin', 'dockhand'), ['exec'], { NODE_EXTRA_CA_CERTS: '' })).toMatchObject({
      now: '',
      child: '|unset',
    });
    expect(run(join(dir, 'bin', 'dockhand'), ['exec'], {})).toMatchObject({
      now: null,
      child: 'unset|unset',
    });
  });

  it('works through a symbolic link, as npm installs it', () => {
    const link = join(dir, 'node_modules', '.bin', 'dockhand');
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(dir, 'bin', 'dockhand'), link);
    expect(run(link, ['exec'], certs).now).toBe(bundle);
  });
});
