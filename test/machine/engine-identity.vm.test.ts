import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { open, readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuDriver } from '../../src/executors/machine/drivers/qemu.js';
import { vmImagePaths } from '../../src/executors/machine/image/vm-image.js';
import { snapshotPaths } from '../../src/executors/machine/qemu/snapshot.js';
import { HttpEngine } from '../../src/engine/http-engine.js';
import type { EngineEndpoint } from '../../src/engine/endpoint.js';
import { CACHE_DIR, machineSkipReason } from './machine-support.js';

/**
 * Issue 8 point 3: every VM restored from the one saved running VM serves its engine with a key
 * of its own, given to it after the restore (never in the image or the saved VM), and the host
 * trusts exactly that VM's certificate.
 */

const reason = await machineSkipReason();
if (reason !== undefined) console.warn(`VM tier skipped: ${reason}`);

type TcpEndpoint = Extract<EngineEndpoint, { kind: 'tcp' }>;

/** The certificate the engine at `endpoint` presents (handshake with the client credentials). */
function presentedCertificate(endpoint: TcpEndpoint): Promise<X509Certificate> {
  const dir = endpoint.tlsCertPath ?? '';
  return Promise.all([readFile(join(dir, 'cert.pem')), readFile(join(dir, 'key.pem'))]).then(
    ([cert, key]) =>
      new Promise((resolve, reject) => {
        const socket = connect(
          { host: endpoint.host, port: endpoint.port, cert, key, rejectUnauthorized: false },
          () => {
            const raw = socket.getPeerCertificate().raw;
            socket.destroy();
            resolve(new X509Certificate(raw));
          },
        );
        socket.once('error', reject);
      }),
  );
}

/** Byte strings of a certificate that any stored copy of it or of its key pair would contain. */
function needles(certificate: X509Certificate): Buffer[] {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  const pemLines = certificate
    .toString()
    .split('\n')
    .filter((line) => line.length === 64);
  return [certificate.raw, spki, spki.subarray(-65), ...pemLines.map((l) => Buffer.from(l))];
}

/** Indices of the needles that occur in `path` (read in chunks; all-zero chunks skipped). */
async function occurrences(path: string, wanted: readonly Buffer[]): Promise<number[]> {
  const overlap = Math.max(...wanted.map((n) => n.length)) - 1;
  const size = 8 << 20;
  const zero = Buffer.alloc(size);
  const chunk = Buffer.alloc(size + overlap);
  const file = await open(path, 'r');
  const found = new Set<number>();
  try {
    let carried = 0;
    for (;;) {
      const { bytesRead } = await file.read(chunk, carried, size, null);
      if (bytesRead === 0) break;
      const end = carried + bytesRead;
      const fresh = chunk.subarray(carried, end);
      if (bytesRead !== size || !fresh.equals(zero)) {
        wanted.forEach((needle, i) => chunk.subarray(0, end).includes(needle) && found.add(i));
      }
      carried = Math.min(overlap, end);
      chunk.copy(chunk, 0, end - carried, end);
    }
  } finally {
    await file.close();
  }
  return [...found].sort((x, y) => x - y);
}

describe.skipIf(reason !== undefined)('engine identity of restored VMs (real QEMU)', () => {
  let stateDir = '';
  let driver: QemuDriver;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dh-vm-id-'));
    driver = new QemuDriver({ stateDir, cacheDir: CACHE_DIR });
  });

  afterAll(async () => {
    for (const vm of await driver.list()) await driver.remove(vm.name);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('two VMs from one snapshot present different keys, pinned per VM, stored nowhere', async () => {
    const endpoints: TcpEndpoint[] = [];
    for (const name of ['vmid-a', 'vmid-b']) {
      await driver.create({ name });
      const endpoint = await driver.start(name);
      if (endpoint.kind !== 'tcp') throw new Error('expected a TCP engine');
      endpoints.push(endpoint);
    }
    const [a, b] = endpoints as [TcpEndpoint, TcpEndpoint];
    const certs = await Promise.all([presentedCertificate(a), presentedCertificate(b)]);
    const [certA, certB] = certs;
    // Each engine presents exactly the certificate its endpoint pins.
    for (const [endpoint, cert] of [
      [a, certA],
      [b, certB],
    ] as const) {
      const pinned = new X509Certificate(
        await readFile(join(endpoint.tlsCertPath ?? '', 'ca.pem')),
      );
      expect(pinned.fingerprint256).toBe(cert.fingerprint256);
    }
    const spki = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(certA).equals(spki(certB))).toBe(false);

    // Pinning: A's port with B's trust fails; with its own it answers, also on several new
    // connections at once (each one a new TLS handshake; none may try a session resumption).
    const engineA = new HttpEngine(a);
    await engineA.ping();
    await Promise.all([engineA.ping(), engineA.ping(), engineA.ping(), engineA.ping()]);
    await expect(
      new HttpEngine({ ...a, tlsCertPath: b.tlsCertPath ?? '' }).ping(),
    ).rejects.toThrow();
    await expect(
      new HttpEngine({ ...b, tlsCertPath: a.tlsCertPath ?? '' }).ping(),
    ).rejects.toThrow();

    // The image's engine TLS directory has the client CA only: no server key or certificate.
    const image = vmImagePaths(CACHE_DIR);
    const debugfs = spawnSync('debugfs', ['-R', 'ls -p /etc/docker/tls', image.base], {
      encoding: 'utf8',
    });
    if (debugfs.status === 0) {
      // `ls -p` lines: /inode/mode/uid/gid/name/size/
      const names = debugfs.stdout.split('\n').flatMap((line) => line.split('/')[5] ?? []);
      expect(names.sort()).toEqual(['.', '..', 'ca.pem']);
    } else console.warn('debugfs not available: image directory listing skipped');

    // Neither identity (certificate, public key, PEM lines) is in the saved VM or the image's
    // other files (the base disk's engine TLS directory is listed above: it holds no key).
    const snapshot = snapshotPaths(CACHE_DIR);
    const certFiles = (await readdir(image.certs)).map((f) => join(image.certs, f));
    const files = [image.kernel, image.initrd, ...certFiles, snapshot.disk, snapshot.memory];
    const wanted = [...needles(certA), ...needles(certB)];
    // The search itself works: the host's copy of the client CA certificate is found.
    const caPem = join(image.certs, 'ca.pem');
    const control = needles(new X509Certificate(await readFile(caPem)));
    expect(await occurrences(caPem, control)).not.toEqual([]);
    for (const file of files) {
      expect({ file, found: await occurrences(file, wanted) }).toEqual({ file, found: [] });
    }
  });
});
