import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngine } from '../../../engine/http-engine.js';
import type { EngineEndpoint } from '../../../engine/endpoint.js';
import { defaultMachineCacheDir, vmImageIsCurrent, vmImagePaths } from '../image/vm-image.js';
import { isQemuOf, processRss } from '../qemu/qemu-process.js';
import { QemuDriver, qemuAvailable } from './qemu.js';

const cacheDir = defaultMachineCacheDir(process.env);
const repo = new URL('../../../../', import.meta.url).pathname;

/** Why the VM tier cannot run here, or undefined when it can (after an optional image build). */
async function skipReason(): Promise<string | undefined> {
  if (!(await qemuAvailable()))
    return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86 qemu-utils)';
  if (await vmImageIsCurrent(vmImagePaths(cacheDir))) return undefined;
  if (process.env['DOCKHAND_BUILD_VM_IMAGE'] !== '1') {
    return `no current VM image in ${cacheDir}: run 'dockhand machines image' or set DOCKHAND_BUILD_VM_IMAGE=1`;
  }
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    return 'dist/ is not built (npm run build) to build the VM image';
  const build = spawnSync('node', [join(repo, 'bin/dockhand.js'), 'machines', 'image'], {
    stdio: 'inherit',
  });
  return build.status === 0 ? undefined : 'building the VM image failed (see the output above)';
}

const reason = await skipReason();
if (reason !== undefined) console.warn(`VM tier skipped: ${reason}`);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function runBusybox(endpoint: EngineEndpoint): Promise<string> {
  const engine = new HttpEngine(endpoint);
  const id = await engine.createContainer({
    image: 'busybox:latest',
    cmd: ['echo', 'hello from the VM'],
  });
  try {
    await engine.startContainer(id);
    expect(await engine.waitContainer(id)).toBe(0);
    return await engine.containerLogs(id);
  } finally {
    await engine.removeContainer(id);
  }
}

describe.skipIf(reason !== undefined)('QemuDriver (real QEMU)', () => {
  let stateDir = '';
  let driver: QemuDriver;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dh-vm-'));
    driver = new QemuDriver({ stateDir, cacheDir });
  });

  afterAll(async () => {
    // Whatever a failing test left: every VM, overlay and state directory goes.
    for (const vm of await driver.list()) await driver.remove(vm.name);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('starts from the saved VM, the engine answers, busybox runs, remove leaves nothing', async () => {
    const started = Date.now();
    await driver.create({ name: 'vmtest-snap', labels: { 'dev.dockhand.type': 'vm' } });
    const endpoint = await driver.start('vmtest-snap');
    const seconds = (Date.now() - started) / 1000;
    console.log(`snapshot start to engine-ready: ${seconds.toFixed(2)} s`);
    expect(endpoint).toMatchObject({ kind: 'tcp', host: '127.0.0.1', tlsVerify: true });
    const port = endpoint.kind === 'tcp' ? endpoint.port : 0;
    const [vm] = await driver.list();
    expect(vm).toMatchObject({ name: 'vmtest-snap', status: 'running' });
    const runAt = Date.now();
    expect(await runBusybox(endpoint)).toContain('hello from the VM');
    console.log(`docker run busybox inside: ${((Date.now() - runAt) / 1000).toFixed(2)} s`);
    const record = JSON.parse(
      spawnSync('cat', [join(stateDir, 'vmtest-snap', 'vm.json')], { encoding: 'utf8' }).stdout,
    ) as { pid: number };
    console.log(`qemu RSS: ${(((await processRss(record.pid)) ?? 0) / 1048576).toFixed(0)} MB`);
    // Without the client certificate the engine refuses to talk.
    const plain = new HttpEngine({ kind: 'tcp', host: '127.0.0.1', port, tlsVerify: false });
    await expect(plain.ping()).rejects.toThrow();
    await driver.remove('vmtest-snap');
    // Gone, or a zombie this test process has not reaped yet (it spawned QEMU).
    expect(await isQemuOf(record.pid, stateDir)).toBe(false);
    expect(await portOpen(port)).toBe(false);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('boots cold from the image when no snapshot is used', async () => {
    const cold = new QemuDriver({ stateDir, cacheDir, useSnapshot: false });
    const started = Date.now();
    await cold.create({ name: 'vmtest-cold' });
    const endpoint = await cold.start('vmtest-cold');
    console.log(`cold boot to engine-ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(await runBusybox(endpoint)).toContain('hello from the VM');
    await cold.stop('vmtest-cold');
    expect((await cold.list())[0]?.status).toBe('stopped');
    await cold.remove('vmtest-cold');
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('removes the VM of a crashed (SIGKILLed) process at startup', async () => {
    const distDriver = join(repo, 'dist/executors/machine/drivers/qemu.js');
    if (!existsSync(distDriver)) {
      console.warn('crash test needs dist/ (npm run build); skipped');
      return;
    }
    const script = `
      const { QemuDriver } = await import(${JSON.stringify(distDriver)});
      const d = new QemuDriver({ stateDir: ${JSON.stringify(stateDir)}, cacheDir: ${JSON.stringify(cacheDir)} });
      await d.create({ name: 'vmtest-crash' });
      await d.start('vmtest-crash');
      console.log('READY');
      setInterval(() => {}, 1000);`;
    const child = spawn('node', ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited with ${String(code)}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const [vm] = await driver.list();
    expect(vm).toMatchObject({ name: 'vmtest-crash', status: 'running' });
    const port = vm?.engine?.kind === 'tcp' ? vm.engine.port : 0;
    expect(await driver.removeOrphans()).toEqual(['vmtest-crash']);
    expect(await driver.list()).toEqual([]);
    expect(await readdir(stateDir)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    expect(spawnSync('pgrep', ['-f', join(stateDir, 'vmtest-crash')]).status).toBe(1);
  });
});
