import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { describeWithEngine, leftovers } from '../../test/support/docker.js';
import { LABELS } from '../core/labels.js';
import type { Engine } from './engine.js';
import { sweepOrphans } from './sweeper.js';
import { waitForPortsFromHost, waitForPortsInContainer } from './wait/port-wait.js';

const session = `test-${randomUUID()}`;
const labels = (type: string, owner = session, pid = String(process.pid)) => ({
  [LABELS.managed]: 'true',
  [LABELS.type]: type,
  [LABELS.session]: owner,
  [LABELS.pid]: pid,
});

/** A one-file tar archive (ustar), built by hand to keep the test free of tar libraries. */
function tarOf(name: string, content: string): Readable {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Readable.from([Buffer.concat([header, body, padding, Buffer.alloc(1024)])]);
}

async function runAttached(engine: Engine, id: string, stdin: string) {
  let stdout = '';
  let stderr = '';
  const streams = await engine.attachContainer(id, {
    stdout: (b) => (stdout += b.toString()),
    stderr: (b) => (stderr += b.toString()),
  });
  await engine.startContainer(id);
  await streams.sendStdin(stdin);
  const code = await engine.waitContainer(id);
  await streams.ended;
  streams.close();
  return { code, stdout, stderr };
}

describeWithEngine('Engine containers, networks, volumes (real engine)', (engine) => {
  const created: { containers: string[]; networks: string[]; volumes: string[] } = {
    containers: [],
    networks: [],
    volumes: [],
  };
  afterEach(async () => {
    await Promise.all(created.containers.splice(0).map((id) => engine.removeContainer(id)));
    await Promise.all(created.networks.splice(0).map((id) => engine.removeNetwork(id)));
    await Promise.all(created.volumes.splice(0).map((name) => engine.removeVolume(name)));
    expect(await leftovers(engine, session)).toEqual([]);
  });

  it('attaches before start, feeds stdin with a half-close, demultiplexes, and restarts', async () => {
    const id = await engine.createContainer({
      image: 'busybox:latest',
      cmd: ['sh'],
      labels: labels('build'),
      openStdin: true,
      env: { GREETING: 'hello' },
    });
    created.containers.push(id);
    const first = await runAttached(
      engine,
      id,
      'echo "$GREETING"; echo oops >&2; echo x > /tmp/f; exit 4\n',
    );
    expect(first).toEqual({ code: 4, stdout: 'hello\n', stderr: 'oops\n' });
    const second = await runAttached(engine, id, 'cat /tmp/f\n');
    expect(second).toEqual({ code: 0, stdout: 'x\n', stderr: '' });
    const info = await engine.inspectContainer(id);
    expect(info?.running).toBe(false);
    expect(info?.labels[LABELS.session]).toBe(session);
    expect(await engine.containerLogs(id)).toContain('hello');
  });

  it('puts an archive into a mounted volume of a created container', async () => {
    const volume = await engine.createVolume({
      name: `dockhand-test-${randomUUID()}`,
      labels: labels('volume'),
    });
    created.volumes.push(volume);
    const id = await engine.createContainer({
      image: 'busybox:latest',
      cmd: ['cat', '/builds/group/file.txt'],
      labels: labels('build'),
      binds: [`${volume}:/builds`],
    });
    created.containers.push(id);
    await engine.putArchive(id, '/builds', tarOf('group/file.txt', 'from-archive\n'));
    await engine.startContainer(id);
    expect(await engine.waitContainer(id)).toBe(0);
    expect(await engine.containerLogs(id)).toBe('from-archive\n');
  });

  it('connects containers on a user network with aliases and waits for ports both ways', async () => {
    const name = `dockhand-test-${randomUUID()}`;
    const network = await engine.createNetwork({ name, labels: labels('network') });
    created.networks.push(network);
    const id = await engine.createContainer({
      image: 'busybox:latest',
      entrypoint: [''],
      cmd: ['httpd', '-f', '-p', '8080'],
      labels: labels('service'),
      network: name,
      networkAliases: ['web'],
    });
    created.containers.push(id);
    await engine.startContainer(id);
    const info = await engine.inspectContainer(id);
    expect(info?.networks[name]?.aliases).toContain('web');
    const address = info?.networks[name]?.ipAddress ?? '';
    if (engine.reachesContainerIps) {
      expect(await waitForPortsFromHost({ address, ports: [8080], timeoutMs: 10_000 })).toEqual({
        status: 'ready',
      });
      expect((await waitForPortsFromHost({ address, ports: [8081], timeoutMs: 600 })).status).toBe(
        'timeout',
      );
    }
    const common = { network: name, host: 'web', image: 'busybox:latest', labels: labels('wait') };
    expect(
      await waitForPortsInContainer(engine, { ...common, ports: [8080], timeoutMs: 10_000 }),
    ).toEqual({
      status: 'ready',
    });
    expect(
      (await waitForPortsInContainer(engine, { ...common, ports: [8081], timeoutMs: 1500 })).status,
    ).toBe('timeout');
  });

  it('stops and kills idempotently', async () => {
    const id = await engine.createContainer({
      image: 'busybox:latest',
      cmd: ['sleep', '600'],
      labels: labels('build'),
    });
    created.containers.push(id);
    await engine.startContainer(id);
    await engine.stopContainer(id, 1);
    await engine.stopContainer(id, 1);
    await engine.killContainer(id);
    expect((await engine.inspectContainer(id))?.running).toBe(false);
    await engine.removeContainer(id);
    await engine.removeContainer(id);
    expect(await engine.inspectContainer(id)).toBeUndefined();
  });
});

describeWithEngine('sweeper (real engine)', (engine) => {
  it('removes resources of dead sessions and keeps live ones, cache volumes and the registry', async () => {
    const dead = `test-dead-${randomUUID()}`;
    const deadPid = '2147480000';
    const container = await engine.createContainer({
      image: 'busybox:latest',
      cmd: ['true'],
      labels: labels('build', dead, deadPid),
    });
    const network = await engine.createNetwork({
      name: `dockhand-test-${randomUUID()}`,
      labels: labels('network', dead, deadPid),
    });
    const volume = await engine.createVolume({ labels: labels('volume', dead, deadPid) });
    const mine = await engine.createVolume({ labels: labels('volume') });
    const cache = await engine.createVolume({
      labels: { [LABELS.managed]: 'true', [LABELS.type]: 'cache' },
    });
    try {
      const result = await sweepOrphans(engine, { currentSession: session });
      const removed = result.removed.map((r) => r.id);
      expect(removed).toEqual(expect.arrayContaining([container, network, volume]));
      expect(removed).not.toContain(mine);
      expect(removed).not.toContain(cache);
      expect(result.removed.some((r) => r.labels[LABELS.component] === 'registry')).toBe(false);
      expect(await engine.listByLabels([`${LABELS.session}=${dead}`])).toEqual([]);
    } finally {
      await engine.removeContainer(container);
      await engine.removeNetwork(network);
      await Promise.all([volume, mine, cache].map((v) => engine.removeVolume(v)));
    }
  });
});

const registryEnv = '/var/lib/dockhand/registry/env';

describeWithEngine('pullImage with registry auth (real engine + local registry)', (engine) => {
  it('authenticates against the local registry: bad credentials are refused, good ones reach it', async (context) => {
    const { existsSync, readFileSync } = await import('node:fs');
    if (!existsSync(registryEnv)) context.skip('no local registry (scripts/engine-up starts it)');
    const env = Object.fromEntries(
      readFileSync(registryEnv, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const username = env['DOCKHAND_REGISTRY_USER'] ?? '';
    const password = readFileSync(
      env['DOCKHAND_REGISTRY_PASSWORD_FILE'] ?? '/dev/null',
      'utf8',
    ).trim();
    const ref = `127.0.0.1:5000/dockhand-test/absent-${randomUUID().slice(0, 8)}:1`;
    const serveraddress = '127.0.0.1:5000';
    const bad = await engine
      .pullImage(ref, { auth: { username, password: 'wrong', serveraddress } })
      .catch((e: unknown) => e as Error);
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toMatch(/unauthorized|authentication required|no basic auth/i);
    const good = await engine
      .pullImage(ref, { auth: { username, password, serveraddress } })
      .catch((e: unknown) => e as Error);
    expect(good).toBeInstanceOf(Error);
    expect((good as Error).message).toMatch(/manifest unknown|not found/i);
    expect((good as Error).message).not.toContain(password);
  });
});
