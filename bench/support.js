// Helpers shared by the benchmarks: a throw-away git repository holding a pipeline, a wall-clock
// timer for one command, and the median.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh git repository with `.gitlab-ci.yml` = `pipeline`, committed on `main`. */
export function makeRepo(pipeline) {
  const repo = mkdtempSync(join(tmpdir(), 'dockhand-bench-'));
  writeFileSync(join(repo, '.gitlab-ci.yml'), pipeline);
  const git = (...args) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=b', '-c', 'user.email=b@localhost', ...args]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return repo;
}

/** Wall-clock milliseconds of one command; throws when it fails. */
export function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${run.status}):\n${run.stdout}${run.stderr}`,
    );
  }
  return ms;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `env` and, when it sets NODE_EXTRA_CA_CERTS, a copy without it, each with a label suffix.
 * Node 20 reads that certificate bundle at every start (≈ 20–45 ms on the development VM, whose
 * environment sets it). The `dockhand` command keeps Node from reading it for `exec` and the
 * other commands that do not need it (and hands it back to every child process); start-up figures of bare Node are reported both ways.
 */
export function withAndWithoutExtraCaCerts(env) {
  if (env.NODE_EXTRA_CA_CERTS === undefined || env.NODE_EXTRA_CA_CERTS === '') {
    return [{ suffix: '', env }];
  }
  const { NODE_EXTRA_CA_CERTS: _unset, ...without } = env;
  return [
    { suffix: '', env },
    { suffix: ' (NODE_EXTRA_CA_CERTS unset)', env: without },
  ];
}
