// The CLI smoke run (last step of `npm test`): the built `dockhand exec` runs the fixture pipeline
// test/fixtures/pipelines/smoke/ in a fresh git repository. Skips, with a line saying why, when no
// Docker engine answers or busybox:latest is not present; exits non-zero when the run fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpEngine } from '../dist/engine/http-engine.js';
import { resolveEndpoint } from '../dist/engine/endpoint.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(root, 'test', 'fixtures', 'pipelines', 'smoke');
const image = 'busybox:latest';

async function engineState() {
  const engine = new HttpEngine(resolveEndpoint({ env: process.env }));
  try {
    await engine.ping();
  } catch (error) {
    return `no Docker engine answers (${error instanceof Error ? error.message : String(error)})`;
  }
  if ((await engine.inspectImage(image)) === undefined) return `${image} is not present locally`;
  return undefined;
}

const skip = await engineState();
if (skip !== undefined) {
  console.log(`smoke: skipped: ${skip}`);
  process.exit(0);
}

const repo = mkdtempSync(join(tmpdir(), 'dockhand-smoke-'));
try {
  cpSync(fixture, repo, { recursive: true });
  const git = (...args) =>
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=smoke',
      '-c',
      'user.email=smoke@localhost',
      ...args,
    ]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'smoke');
  const started = Date.now();
  const run = spawnSync('node', [join(root, 'bin', 'dockhand.js'), 'exec', '--cwd', repo], {
    encoding: 'utf8',
    cwd: repo,
    // No config.toml of this machine's user: the embedded runner runs the fixture.
    env: { ...process.env, NO_COLOR: '1', CONFIG_FILE: '', HOME: repo },
    timeout: 300_000,
  });
  process.stdout.write(run.stdout ?? '');
  process.stderr.write(run.stderr ?? '');
  const passed = (run.stdout ?? '').split('Job succeeded').length - 1;
  if (run.status !== 0 || passed !== 2) {
    console.error(`smoke: FAILED (exit ${String(run.status)}, ${passed} of 2 jobs succeeded)`);
    process.exitCode = 1;
  } else {
    console.log(`smoke: passed (2 jobs in ${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
