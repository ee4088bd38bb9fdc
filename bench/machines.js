// docker+machine benchmark (QEMU driver): cold boot to engine-ready, snapshot start to
// engine-ready, qemu RSS per idle VM; then one small job (prepare + `echo` step + cleanup) on a
// warm pool VM (IdleCount 1, MaxBuilds 1) against the same job on the host's docker executor,
// and a bare `docker run busybox echo` on each engine (the in-VM container cost). Uses the built
// dist/ (npm run build) and the VM image (dockhand machines image).
// Usage: node bench/machines.js [--runs N] [--skip-boot] [--snapshot-only]
// --snapshot-only: only the starts from the saved running VM (no cold boots, no jobs).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuDriver } from '../dist/executors/machine/drivers/qemu.js';
import { defaultMachineCacheDir } from '../dist/executors/machine/image/vm-image.js';
import { processRss } from '../dist/executors/machine/qemu/qemu-process.js';
import { benchJobs } from './machines-jobs.js';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
const cacheDir = defaultMachineCacheDir(process.env);
const stateDir = await mkdtemp(join(tmpdir(), 'dh-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(driver, name) {
  const started = performance.now();
  await driver.create({ name });
  await driver.start(name);
  const seconds = (performance.now() - started) / 1000;
  // Let the idle VM settle before reading its memory.
  await sleep(3000);
  const record = JSON.parse(await readFile(join(stateDir, name, 'vm.json'), 'utf8'));
  const rss = (await processRss(record.pid)) / 1048576;
  await driver.remove(name);
  return { seconds, rss };
}

const snapshotOnly = process.argv.includes('--snapshot-only');
try {
  if (!process.argv.includes('--skip-boot')) await benchBoots();
  if (!snapshotOnly) await benchJobs({ runs, stateDir: join(stateDir, 'jobs'), cacheDir, median });
} finally {
  await rm(stateDir, { recursive: true, force: true });
}

async function benchBoots() {
  const snap = new QemuDriver({ stateDir, cacheDir });
  const cold = new QemuDriver({ stateDir, cacheDir, useSnapshot: false });
  const results = { snapshot: [], cold: [] };
  for (let i = 0; i < runs; i++) results.snapshot.push(await measure(snap, `bench-snap-${i}`));
  for (let i = 0; i < (snapshotOnly ? 0 : Math.min(runs, 2)); i++)
    results.cold.push(await measure(cold, `bench-cold-${i}`));
  for (const [kind, list] of Object.entries(results)) {
    if (list.length === 0) continue;
    console.log(
      `${kind}: start to engine-ready median ${median(list.map((r) => r.seconds)).toFixed(2)} s ` +
        `(runs: ${list.map((r) => r.seconds.toFixed(2)).join(', ')}), idle qemu RSS median ` +
        `${median(list.map((r) => r.rss)).toFixed(0)} MB`,
    );
  }
}
