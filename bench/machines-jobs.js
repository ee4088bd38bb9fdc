// The job half of bench/machines.js: one small job on a warm docker+machine pool VM against the
// same job on the host's docker executor. Both run prepare + an `echo` step_script + cleanup
// through the executors themselves (no job runner around them), with busybox:latest present.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveEndpoint } from '../dist/engine/endpoint.js';
import { HttpEngine } from '../dist/engine/http-engine.js';
import { DockerExecutorProvider } from '../dist/executors/docker/provider.js';
import { defaultDockerSettings } from '../dist/executors/docker/settings.js';
import { QemuDriver } from '../dist/executors/machine/drivers/qemu.js';
import { MachinePool } from '../dist/executors/machine/pool.js';
import { machineId, PoolRunner } from '../dist/executors/machine/pool-runner.js';
import { MachineExecutorProvider } from '../dist/executors/machine/provider.js';

const IMAGE = 'busybox:latest';
const settings = { ...defaultDockerSettings(IMAGE), pull_policy: ['if-not-present'] };
const quietLog = { plain() {}, info() {}, warning() {}, error() {}, output() {} };

function job(id) {
  const variable = (key, value) => ({
    key,
    value,
    public: true,
    masked: false,
    file: false,
    raw: false,
  });
  return {
    id,
    token: 'bench-token',
    allow_git_fetch: false,
    job_info: {
      id,
      name: 'bench',
      stage: 'test',
      pipeline_id: 1,
      project_id: 1,
      project_name: 'bench',
      project_full_path: 'bench/bench',
    },
    git_info: {
      repo_url: '',
      ref: 'main',
      sha: '',
      before_sha: '',
      ref_type: 'branch',
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 600 },
    variables: [variable('CI_PROJECT_DIR', '/builds/bench/bench')],
    steps: [],
    services: [],
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
  };
}

/** prepare + step_script + cleanup; seconds. */
async function runJob(provider, id) {
  // Never aborted: a benchmark job runs to its end.
  const signal = new globalThis.AbortController().signal;
  const started = performance.now();
  const executor = provider.create();
  try {
    await executor.prepare({ job: job(id), log: quietLog, signal });
    const { exitCode } = await executor.run({ stage: 'step_script', script: 'echo hi\n', signal });
    if (exitCode !== 0) throw new Error(`the job exited ${exitCode}`);
  } finally {
    await executor.cleanup();
  }
  return (performance.now() - started) / 1000;
}

/** `docker run --rm busybox echo` through the engine API; seconds. */
async function bareContainer(engine) {
  const started = performance.now();
  const id = await engine.createContainer({ image: IMAGE, cmd: ['echo', 'hi'] });
  try {
    await engine.startContainer(id);
    await engine.waitContainer(id);
  } finally {
    await engine.removeContainer(id);
  }
  return (performance.now() - started) / 1000;
}

export async function benchJobs({ runs, stateDir, cacheDir, median }) {
  const hostEngine = new HttpEngine(resolveEndpoint({ env: process.env }));
  const host = new DockerExecutorProvider(hostEngine, settings);
  const hostJobs = [];
  const hostBare = [];
  await runJob(host, 1); // warm-up: first-use costs are not what is compared
  for (let i = 0; i < runs; i++) hostJobs.push(await runJob(host, 10 + i));
  for (let i = 0; i < runs; i++) hostBare.push(await bareContainer(hostEngine));

  const driver = new QemuDriver({ stateDir, cacheDir });
  const pool = new MachinePool(
    {
      idleCount: 1,
      idleCountMin: 0,
      idleScaleFactor: 0,
      idleTimeSeconds: 600,
      maxBuilds: 1,
      maxGrowthRate: 0,
      limit: 0,
      autoscaling: [],
      machineName: '%s.bench',
      shortToken: 'bench0000',
    },
    { now: () => Date.now() },
    () => machineId(),
  );
  const runner = new PoolRunner(pool, driver);
  const vmEngines = [];
  const machine = new MachineExecutorProvider({
    pool: runner,
    connect: (endpoint) => {
      const engine = new HttpEngine(endpoint);
      vmEngines.push(engine);
      return engine;
    },
    docker: (engine, vm) =>
      new DockerExecutorProvider(engine, { ...settings, runnerHost: vm.name }),
  });
  const warmJobs = [];
  const vmBare = [];
  try {
    await runner.start();
    for (let i = 0; i < runs; i++) {
      // The job arrives when the pool has its warm VM (and the restored guest has settled).
      await runner.settle();
      await sleep(3000);
      warmJobs.push(await runJob(machine, 100 + i));
    }
    // The in-VM container cost: a bare container on a warm VM's engine.
    await runner.settle();
    await sleep(3000);
    const [vm] = await driver.list();
    const vmEngine = new HttpEngine(await driver.engine(vm.name));
    await bareContainer(vmEngine);
    for (let i = 0; i < runs; i++) vmBare.push(await bareContainer(vmEngine));
  } finally {
    await runner.shutdown();
  }
  const show = (xs) =>
    `median ${median(xs).toFixed(2)} s (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
  const hostJob = median(hostJobs);
  const warmJob = median(warmJobs);
  const vmCost = median(vmBare) - median(hostBare);
  console.log(`host docker job: ${show(hostJobs)}`);
  console.log(`warm-pool docker+machine job: ${show(warmJobs)}`);
  console.log(`ratio warm-pool / host: ${(warmJob / hostJob).toFixed(2)}x`);
  console.log(`bare container, host: ${show(hostBare)}; in a warm VM: ${show(vmBare)}`);
  const target = 1.5 * hostJob + Math.max(0, vmCost);
  console.log(
    `target 1.5 x host job + in-VM container cost (${vmCost.toFixed(2)} s) = ${target.toFixed(2)} s: ${warmJob <= target ? 'met' : 'missed'}`,
  );
}
