// Benchmark: `dockhand exec` of a one-line busybox job against `docker run --rm busybox:latest
// true`, in alternating pairs so that engine warm-up and machine noise hit both sides alike; then
// a 10-job pipeline against 10 sequential `docker run`s. Run after `npm run build`:
//
//   node bench/exec-vs-docker-run.js [--pairs N]
//
// Prints a Markdown table (docs/performance.md records the figures).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRepo, median, timed } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The installed command, as users run it (package.json "bin").
const command = join(root, 'bin', 'dockhand');
const image = 'busybox:latest';
const pairsFlag = process.argv.indexOf('--pairs');
const pairs = pairsFlag > 0 ? Number(process.argv[pairsFlag + 1]) : 10;

const oneJob = `one:\n  image: ${image}\n  script:\n    - "true"\n`;
const tenJobs = Array.from(
  { length: 10 },
  (_, i) => `job${i}:\n  image: ${image}\n  script:\n    - "true"\n`,
).join('\n');

function execIn(repo) {
  // No config.toml of this machine's user: the embedded runner (if-not-present) runs the jobs.
  return timed(command, ['exec'], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', CONFIG_FILE: '', HOME: repo },
  });
}

const dockerRun = () => timed('docker', ['run', '--rm', image, 'true']);

const fmt = (ms) => `${Math.round(ms)} ms`;

const single = makeRepo(oneJob);
const pipeline = makeRepo(tenJobs);
try {
  // Warm-up: page cache, the engine's image metadata, node's compile cache.
  execIn(single);
  dockerRun();

  const execTimes = [];
  const dockerTimes = [];
  const ratios = [];
  for (let i = 0; i < pairs; i += 1) {
    // Alternate which side goes first, so neither always runs on a warmer engine.
    let execMs;
    let d;
    if (i % 2 === 0) {
      execMs = execIn(single);
      d = dockerRun();
    } else {
      d = dockerRun();
      execMs = execIn(single);
    }
    execTimes.push(execMs);
    dockerTimes.push(d);
    ratios.push(execMs / d);
  }

  const pipelineExec = [];
  const pipelineDocker = [];
  for (let i = 0; i < 3; i += 1) {
    pipelineExec.push(execIn(pipeline));
    let total = 0;
    for (let j = 0; j < 10; j += 1) total += dockerRun();
    pipelineDocker.push(total);
  }

  const rows = [
    [
      'one-line busybox job',
      fmt(median(execTimes)),
      fmt(median(dockerTimes)),
      median(ratios).toFixed(2),
    ],
    [
      '10-job pipeline (sequential)',
      fmt(median(pipelineExec)),
      fmt(median(pipelineDocker)),
      (median(pipelineExec) / median(pipelineDocker)).toFixed(2),
    ],
  ];
  console.log(
    `pairs: ${pairs}; node ${process.version}; docker ${execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim()}`,
  );
  console.log('');
  console.log('| case | dockhand exec (median) | docker run --rm (median) | ratio (median) |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
  console.log(`exec samples (ms): ${execTimes.map(Math.round).join(', ')}`);
  console.log(`docker samples (ms): ${dockerTimes.map(Math.round).join(', ')}`);
  console.log(`pair ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
} finally {
  rmSync(single, { recursive: true, force: true });
  rmSync(pipeline, { recursive: true, force: true });
}
