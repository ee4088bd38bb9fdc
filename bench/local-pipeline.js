// Benchmark: local pipelines with the built CLI (run `npm run build` first):
//   - `dockhand --version` (start-up alone),
//   - a one-job pipeline and a 10-job pipeline on the shell executor,
//   - the same two pipelines on the docker executor (busybox:latest, present locally),
//   - gitlab-ci-local on the same pipelines, where it can run (it needs Node 22).
//
//   node bench/local-pipeline.js [--runs N]
//
// Prints a Markdown table of medians (docs/performance.md, "Local pipelines", records them).
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRepo, median, timed } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'dockhand.js');
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 10;

const job = (name) => `${name}:\n  image: busybox:latest\n  script:\n    - echo ${name}\n`;
const oneJob = job('one');
// Ten jobs over two stages, the second needing the first's artifacts: a small real pipeline.
const tenJobs = [
  'stages: [build, test]\n',
  ...Array.from(
    { length: 5 },
    (_, i) =>
      `build${i}:\n  stage: build\n  image: busybox:latest\n  script:\n    - mkdir -p out && echo ${i} > out/b${i}\n  artifacts:\n    paths: [out/]\n`,
  ),
  ...Array.from(
    { length: 5 },
    (_, i) => `test${i}:\n  stage: test\n  image: busybox:latest\n  script:\n    - cat out/b${i}\n`,
  ),
].join('\n');

function measure(label, command, args, options) {
  timed(command, args, options); // warm-up: page cache, engine
  const samples = Array.from({ length: runs }, () => timed(command, args, options));
  return { label, median: median(samples), min: Math.min(...samples) };
}

const env = { ...process.env, NO_COLOR: '1', CONFIG_FILE: '' };
const rows = [];
rows.push(measure('dockhand --version', 'node', [cli, '--version'], { env }));
const repos = [];
for (const [name, pipeline] of [
  ['one-job pipeline', oneJob],
  ['10-job pipeline (2 stages, artifacts)', tenJobs],
]) {
  const repo = makeRepo(pipeline);
  repos.push(repo);
  const options = { cwd: repo, env: { ...env, HOME: repo } };
  rows.push(measure(`${name}, shell`, 'node', [cli, 'exec', '--executor', 'shell'], options));
  rows.push(measure(`${name}, docker`, 'node', [cli, 'exec', '--executor', 'docker'], options));
}
const nodeMajor = Number(process.versions.node.split('.')[0]);
const gclNote =
  nodeMajor >= 22
    ? 'run `npx -y gitlab-ci-local@latest` in the same repositories by hand'
    : `gitlab-ci-local needs Node 22; this is Node ${process.versions.node}, so it was not run`;
for (const repo of repos) rmSync(repo, { recursive: true, force: true });

console.log(
  `Node ${process.versions.node}, ${runs} runs each (after one warm-up), load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
console.log('| case | median | fastest |');
console.log('| --- | --- | --- |');
for (const row of rows) {
  console.log(`| ${row.label} | ${row.median.toFixed(0)} ms | ${row.min.toFixed(0)} ms |`);
}
console.log(`\n${gclNote}`);
