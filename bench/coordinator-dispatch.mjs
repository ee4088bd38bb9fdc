// Coordinator dispatch benchmark: R simulated runners long-poll POST /api/v4/jobs/request over
// real HTTP on 127.0.0.1 against the SQLite-backed coordinator; N jobs are released in waves;
// each runner finishes its job at once (PUT success). Records dispatch latency (job released →
// payload received by a runner) p50/p99 and jobs per second. Uses dist/ (npm run build).
// Usage: node bench/coordinator-dispatch.mjs [--runners 200] [--jobs 2000] [--wave 50] [--limit-s 120]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoordinatorClient } from '../dist/api/coordinator-client.js';
import { createCoordinatorApp } from '../dist/coordinator/app.js';
import { memoryArtifactStorage } from '../dist/coordinator/artifact-storage.js';
import { listen } from '../dist/coordinator/server.js';
import { openSqliteStore } from '../dist/coordinator/store/sqlite-store.js';
import { seedPipeline } from '../dist/coordinator/test-fixtures.js';
import { hashToken } from '../dist/coordinator/tokens.js';

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RUNNERS = Math.min(flag('runners', 200), 1000);
const JOBS = Math.min(flag('jobs', 2000), 100_000);
const WAVE = Math.max(1, flag('wave', 50));
const LIMIT_MS = Math.min(flag('limit-s', 120), 600) * 1000;

const dir = await mkdtemp(join(tmpdir(), 'dh-bench-coord-'));
const store = openSqliteStore(join(dir, 'coordinator.db'));
const coordinator = createCoordinatorApp({
  store,
  clock: { now: () => Date.now() },
  artifacts: memoryArtifactStorage(),
  registrationTokenHash: hashToken('bench'),
  pollHoldMs: 20_000,
});
const server = await listen(coordinator.app, '127.0.0.1', 0);
const client = createCoordinatorClient({ url: server.url });

const released = new Map(); // job id → performance.now() at release
const latencies = [];
let done = 0;
let stop = false;

const tokens = await Promise.all(
  Array.from({ length: RUNNERS }, async (_, i) => {
    const result = await client.register({
      token: 'bench',
      description: `r${i}`,
      run_untagged: true,
    });
    if (result.kind !== 'registered') throw new Error(`register: ${result.kind}`);
    return result.token;
  }),
);

async function runner(token) {
  let lastUpdate;
  while (!stop) {
    const answer = await client.requestJob({
      token,
      ...(lastUpdate === undefined ? {} : { last_update: lastUpdate }),
    });
    if (answer.kind === 'none') {
      lastUpdate = answer.lastUpdate;
      continue;
    }
    if (answer.kind !== 'job') {
      await sleep(answer.kind === 'unavailable' ? answer.retryAfterMs : 1000);
      continue;
    }
    latencies.push(performance.now() - released.get(answer.job.id));
    const update = await client.updateJob(answer.job.id, {
      token: answer.job.token,
      state: 'success',
      exit_code: 0,
    });
    if (update.kind !== 'accepted') throw new Error(`update: ${update.kind}`);
    done++;
  }
}

const loops = tokens.map((token) => runner(token));
// Let every runner reach its held long poll before the first wave.
await sleep(500);
const started = performance.now();
for (let sent = 0; sent < JOBS && performance.now() - started < LIMIT_MS; sent += WAVE) {
  const count = Math.min(WAVE, JOBS - sent);
  const { pipeline, jobs } = await seedPipeline(
    store,
    Array.from({ length: count }, (_, i) => ({ name: `j${sent + i}` })),
  );
  const at = performance.now();
  for (const job of jobs) released.set(job.id, at);
  await coordinator.scheduler.advance(pipeline.id);
  // Waves arrive while earlier ones are still being taken: a queue that is never quite empty.
  while (released.size - done > WAVE * 2 && performance.now() - started < LIMIT_MS) await sleep(1);
}
while (done < released.size && performance.now() - started < LIMIT_MS) await sleep(5);
const seconds = (performance.now() - started) / 1000;
stop = true;
coordinator.signal.bump(); // release held polls
await server.close();
await Promise.allSettled(loops);
await store.close();
await rm(dir, { recursive: true, force: true });

const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const result = {
  runners: RUNNERS,
  jobs: done,
  seconds: Number(seconds.toFixed(2)),
  jobsPerSecond: Number((done / seconds).toFixed(0)),
  dispatchMs: {
    p50: Number(pct(50).toFixed(1)),
    p99: Number(pct(99).toFixed(1)),
    max: Number((sorted.at(-1) ?? NaN).toFixed(1)),
  },
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
